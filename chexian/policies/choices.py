from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyLine(models.TextChoices):
    CTPL = "ctpl", _("Compulsory (交强险)")
    COMMERCIAL = "commercial", _("Commercial (商业险)")
    NON_MOTOR = "non_motor", _("Non-motor (非车险)")


class BusinessType(models.TextChoices):
    """Derived from the vehicle's history, never typed (SPEC §3.3)."""

    NEW_CAR = "new_car", _("New car first insurance (新车首保)")
    RENEWAL = "renewal", _("Renewal at this store (续保)")
    TRANSFER_IN = "transfer_in", _("Transfer-in from elsewhere (转保)")


class PolicyStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force (在保)")
    CANCELLED = "cancelled", _("Cancelled (退保)")
    EXPIRED = "expired", _("Expired (到期)")


class PolicySource(models.TextChoices):
    QUOTE = "quote", _("Issued from a quote")
    DIRECT = "direct", _("Direct entry")
    IMPORT = "import", _("Imported")


class ShortTermReason(models.TextChoices):
    """The four cases in which CTPL may run less than a year (Regulations Art 20)."""

    FOREIGN_TEMPORARY = "foreign_temporary", _("Foreign vehicle entering temporarily")
    TEMPORARY_ROAD_USE = "temporary_road_use", _("Vehicle temporarily on the road")
    NEAR_SCRAPPING = "near_scrapping", _("Less than one year to mandatory scrapping")
    REGULATOR_OTHER = "regulator_other", _("Other case set by the regulator")


class EndorsementKind(models.TextChoices):
    PLATE = "plate", _("Plate added or changed")
    OWNER = "owner", _("Change of owner")
    COVERAGE = "coverage", _("Coverage change")
    OTHER = "other", _("Other")


class CancellationReason(models.TextChoices):
    # CTPL may be cancelled only for these (Regulations Art 16).
    DEREGISTERED = "deregistered", _("Vehicle deregistered")
    LAID_UP = "laid_up", _("Vehicle laid up (办理停驶)")
    REPORTED_LOST = "reported_lost", _("Vehicle reported lost")
    # Commercial and non-motor policies may also end at the policyholder's request.
    POLICYHOLDER_REQUEST = "policyholder_request", _("Policyholder's request (commercial and non-motor only)")
    DUPLICATE = "duplicate", _("Issued twice by mistake (commercial and non-motor only)")


CTPL_CANCELLATION_REASONS = frozenset(
    {CancellationReason.DEREGISTERED, CancellationReason.LAID_UP, CancellationReason.REPORTED_LOST}
)


class IssueStep(models.TextChoices):
    """The seed's six issuing steps (seed-002 §4.1)."""

    INTRODUCE = "introduce", _("Introduce")
    PLAN = "plan", _("Plan")
    ENTER = "enter", _("Enter")
    PAY_PRINT = "pay_print", _("Pay and print")
    CONFIRM = "confirm", _("Confirm")
    ARCHIVE = "archive", _("Archive")


# Documents checked per business type (SPEC §3.3, DOMAIN §5).
REQUIRED_DOCUMENTS = {
    BusinessType.NEW_CAR: ["owner_id", "sales_invoice", "certificate"],
    BusinessType.RENEWAL: ["owner_id", "vehicle_licence"],
    BusinessType.TRANSFER_IN: ["owner_id", "vehicle_licence"],
}
DOCUMENT_LABELS = {
    "owner_id": _("Owner ID or business licence"),
    "sales_invoice": _("Motor vehicle sales invoice (机动车销售统一发票)"),
    "certificate": _("Certificate of conformity (合格证)"),
    "import_papers": _("Customs / import papers (imported cars)"),
    "vehicle_licence": _("Vehicle licence (行驶证)"),
    "last_policy": _("Last policy number"),
}
