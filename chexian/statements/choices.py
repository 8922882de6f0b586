from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    """The life of a monthly statement (SPEC §3.7, seed-002 §4.6): built from the store's
    policies, sent to the insurer, confirmed with the insurer's own figures, invoiced,
    paid through a commission remittance, closed."""

    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent to the insurer")
    CONFIRMED = "confirmed", _("Confirmed by the insurer")
    INVOICED = "invoiced", _("Invoiced")
    PAID = "paid", _("Paid")
    CLOSED = "closed", _("Closed")


# States in which the commission is still owed by the insurer (the aging flag looks at these).
UNPAID_STATES = (State.DRAFT, State.SENT, State.CONFIRMED, State.INVOICED)


class Entry(models.TextChoices):
    """What a line records: a policy issued in the month, or a cancellation that took
    effect in it (refund of premium, commission clawed back — negative amounts)."""

    ISSUED = "issued", _("Policy issued")
    CANCELLED = "cancelled", _("Cancellation (退保)")


class Difference(models.TextChoices):
    """Why a line of ours and the insurer's figures differ. Empty: they agree."""

    NOT_ON_THEIRS = "not_on_theirs", _("Not on the insurer's list")
    MISSING_ON_OURS = "missing_on_ours", _("Missing on ours")
    PREMIUM = "premium", _("Premium differs")
    RATE = "rate", _("Rate differs")
    COMMISSION = "commission", _("Commission differs (base or rounding)")
