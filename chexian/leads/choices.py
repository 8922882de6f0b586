from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadSource(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in who asked a price")
    PHONE = "phone", _("Phone enquiry")
    REFERRAL = "referral", _("Referral from another department (联动)")
    ONLINE = "online", _("Online")
    # A car insured elsewhere repaired here after an accident: "insure with us next time".
    CLAIM = "claim", _("Accident repair of a car insured elsewhere")
    OTHER = "other", _("Other")


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    FOLLOWING = "following", _("Following up")
    CONVERTED = "converted", _("Converted: insured here")
    LOST = "lost", _("Not converted")


class VisitKind(models.TextChoices):
    FIRST_INSURANCE = "first_insurance", _("After first insurance (首保回访)")
    RENEWAL = "renewal", _("After renewal (续保回访)")
    CLAIM = "claim", _("After a claim (理赔回访)")


class RepairStatus(models.TextChoices):
    NOTICED = "noticed", _("Noticed, not yet offered")
    OFFERED = "offered", _("Offered to the customer")
    CONVERTED = "converted", _("Repair order opened")
    DECLINED = "declined", _("Declined")
