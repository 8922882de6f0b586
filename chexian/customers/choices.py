from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class CustomerSource(models.TextChoices):
    NEW_CAR = "new_car", _("Bought a new car here")
    AFTERSALES = "aftersales", _("After-sales visit")
    REFERRAL = "referral", _("Referral from a department")
    WALK_IN = "walk_in", _("Walk-in")
    PHONE = "phone", _("Phone enquiry")
    IMPORT = "import", _("Imported")
    OTHER = "other", _("Other")


class VehicleUsage(models.TextChoices):
    FAMILY = "family", _("Family private use")
    ENTERPRISE = "enterprise", _("Enterprise non-commercial")
    GOVERNMENT = "government", _("Government non-commercial")
    COMMERCIAL = "commercial", _("Commercial (for hire)")


class EnergyType(models.TextChoices):
    FUEL = "fuel", _("Fuel")
    BEV = "bev", _("Battery electric (BEV)")
    PHEV = "phev", _("Plug-in / range-extended hybrid (PHEV/EREV)")
    FCEV = "fcev", _("Fuel cell (FCEV)")


NEW_ENERGY_TYPES = frozenset({EnergyType.BEV, EnergyType.PHEV, EnergyType.FCEV})


class OwnershipReason(models.TextChoices):
    PURCHASE = "purchase", _("Purchase / first registration")
    TRANSFER = "transfer", _("Transfer to a new owner")
