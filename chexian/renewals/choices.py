from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RENEWED = "renewed", _("Renewed here (续保成功)")
    LOST = "lost", _("Lost (战败)")


class LostReason(models.TextChoices):
    """SPEC §3.4's fixed list."""

    PRICE = "price", _("Price")
    INSURER_DIRECT = "insurer_direct", _("Insurer telesales or direct")
    OTHER_4S = "other_4s", _("Another 4S store")
    AGENT = "agent", _("Agent or intermediary")
    CAR_SOLD = "car_sold", _("Car sold or transferred")
    SCRAPPED = "scrapped", _("Scrapped")
    MOVED_AWAY = "moved_away", _("Moved away")
    UNREACHABLE = "unreachable", _("Unreachable")
    SERVICE_COMPLAINT = "service_complaint", _("Service complaint")
    OTHER = "other", _("Other")


class Segment(models.TextChoices):
    """Renewal segments (SPEC §3.4), derived from the policy that expires."""

    NEW_CAR_SECOND_YEAR = "new_car_second_year", _("First renewal of a car sold here (新车次年)")
    RENEWED_AGAIN = "renewed_again", _("Renewed here last year too (续转续)")
    TRANSFERRED_IN = "transferred_in", _("Transferred in last year (转续)")


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    CALL = "call", _("Call with a quote")


class TaskStatus(models.TextChoices):
    DUE = "due", _("Due")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class CallOutcome(models.TextChoices):
    INTERESTED = "interested", _("Reached: interested, quote to follow")
    QUOTE_SENT = "quote_sent", _("Reached: quote sent")
    WILL_RENEW = "will_renew", _("Reached: agreed to renew here")
    CALL_BACK = "call_back", _("Reached: call back later")
    DECLINED = "declined", _("Reached: declined")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
