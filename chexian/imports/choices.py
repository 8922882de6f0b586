from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    """What a file imports (``registry.IMPORTS`` has the importer of each). Policies
    bring the customers and vehicles they name; service orders, from the DMS, the
    vehicles not yet in the store's books and their owners."""

    POLICIES = "policies", _("Policies (with their customers and vehicles)")
    SERVICE_ORDERS = "service_orders", _("Service orders from the DMS (工单)")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Imported")
    # Only with "all or nothing" switched off: the good rows are saved, the bad ones listed.
    PARTIAL = "partial", _("Imported except the rows with errors")
    FAILED = "failed", _("Failed: nothing saved")
    DRY_RUN_OK = "dry_run_ok", _("Dry run: no errors (nothing saved)")
    DRY_RUN_FAILED = "dry_run_failed", _("Dry run: errors found (nothing saved)")


FINISHED_STATUSES = frozenset(
    {
        ImportStatus.SUCCEEDED,
        ImportStatus.PARTIAL,
        ImportStatus.FAILED,
        ImportStatus.DRY_RUN_OK,
        ImportStatus.DRY_RUN_FAILED,
    }
)
