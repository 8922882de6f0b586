from django.db import models
from django.utils.translation import gettext_lazy as _


class FormKind(models.TextChoices):
    """The kinds of numbered paper an insurer hands the store (重要单证)."""

    COMMERCIAL_POLICY = "commercial_policy", _("Commercial policy form (商业险保单)")
    COMPULSORY_POLICY = "compulsory_policy", _("Compulsory policy form (交强险保单)")
    INSURANCE_MARK = "insurance_mark", _("Compulsory insurance mark (交强险标志)")
    INVOICE = "invoice", _("Invoice (发票)")


class FormStatus(models.TextChoices):
    """Where one serial is. Every received serial is in exactly one of these."""

    IN_STOCK = "in_stock", _("In stock")
    ISSUED = "issued", _("Issued to a person")
    USED = "used", _("Used by a policy")
    VOIDED = "voided", _("Voided")
    RETURNED = "returned", _("Returned to the insurer")
    LOST = "lost", _("Reported lost")


class Move(models.TextChoices):
    """The moves of the register's state machine (``services.TRANSITIONS``)."""

    RECEIVE = "receive", _("Received")
    ISSUE = "issue", _("Issued to a person")
    USE = "use", _("Used")
    VOID = "void", _("Voided")
    RETURN = "return", _("Returned")
    LOSE = "lose", _("Reported lost")


class MismatchReason(models.TextChoices):
    """Why a policy's serial could not be marked used in the register."""

    NOT_REGISTERED = "not_registered", _("Serial not in any received range")
    NOT_HELD = "not_held", _("Serial not held by the issuer")


# The blank-form kind a policy line prints on.
KIND_FOR_LINE = {"ctpl": FormKind.COMPULSORY_POLICY, "commercial": FormKind.COMMERCIAL_POLICY}
