from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chexian.core.models import AuditedModel, TimeStampedModel
from chexian.core.querysets import RestrictedQuerySet
from chexian.imports.choices import FINISHED_STATUSES, ImportKind, ImportStatus

# The error list kept on the job for pages and the API; the downloadable report has them all.
ERRORS_KEPT = 1000


class ImportMappingQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "import"):
        """A store's own mappings, plus the group-wide ones of the groups of those stores."""
        from chexian.org.models import Store
        from chexian.org.permissions import stores_for

        stores = stores_for(user, f"{self.model.permission_object}.{action}")
        if stores is None:
            return self
        groups = Store.objects.filter(pk__in=stores).values("group_id")
        return self.filter(Q(store__in=stores) | Q(store__isnull=True, group__in=groups))


class ImportMapping(AuditedModel, TimeStampedModel):
    """A saved column mapping for one insurer's export layout (导入模板映射).

    Insurer systems export policies with their own headers ("车辆识别代号",
    "保险止期"…). A mapping says which file header feeds which import field, so
    the same export imports every month without renaming columns. A mapping
    belongs to one store, or to the whole group when ``store`` is empty. When it
    names an insurer, files without an insurer column are that insurer's.
    """

    group = models.ForeignKey(
        "org.DealerGroup", models.PROTECT, related_name="import_mappings", verbose_name=_("group")
    )
    store = models.ForeignKey(
        "org.Store", models.PROTECT, null=True, blank=True, related_name="import_mappings", verbose_name=_("store"),
        help_text=_("Empty: shared by every store of the group."),
    )
    name = models.CharField(_("name"), max_length=100)
    insurer = models.ForeignKey(
        "insurers.Insurer", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("insurer"),
        help_text=_("The insurer whose export this is; used for rows without an insurer column."),
    )
    mapping = models.JSONField(
        _("column mapping"), default=dict, help_text=_("File header → import field, e.g. 车辆识别代号 → vin.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )

    objects = ImportMappingQuerySet.as_manager()
    permission_object = "policy"

    class Meta:
        verbose_name = _("import column mapping")
        verbose_name_plural = _("import column mappings")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "name"], condition=Q(store__isnull=False),
                name="%(app_label)s_%(class)s_unique_store_name",
                violation_error_message=_("This store already has a mapping with this name."),
            ),
            models.UniqueConstraint(
                fields=["group", "name"], condition=Q(store__isnull=True),
                name="%(app_label)s_%(class)s_unique_group_name",
                violation_error_message=_("The group already has a shared mapping with this name."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from chexian.imports.policy_import import validate_mapping

        errors = {}
        if self.store_id and self.group_id and self.store.group_id != self.group_id:
            errors["store"] = [_("The store belongs to another group.")]
        try:
            self.mapping = validate_mapping(self.mapping)
        except ValidationError as exc:
            errors["mapping"] = exc.error_list
        if errors:
            raise ValidationError(errors)

    def audit_store_id(self):
        return self.store_id


class ImportJobQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "import"):
        """Each kind's jobs in the stores where the user may take ``action`` on that
        kind's object: a policy import needs ``policy.import``, a service order
        import ``service.import`` (``registry.IMPORTS``)."""
        from chexian.imports.registry import IMPORTS
        from chexian.org.permissions import stores_for

        allowed = Q(pk__in=[])
        for kind, spec in IMPORTS.items():
            stores = stores_for(user, f"{spec.permission.partition('.')[0]}.{action}")
            if stores is None:
                allowed |= Q(kind=kind)
            elif stores:
                allowed |= Q(kind=kind, store__in=stores)
        return self.filter(allowed)


class ImportJob(AuditedModel, TimeStampedModel):
    """One uploaded file and what importing it did (导入任务).

    The file stays in storage under ``imports/`` with its SHA-256, so it can be
    read again and a second upload of the same file is recognised. The job runs
    in the background (``tasks.run_import``); ``processed_rows`` moves while it
    runs (see ``progress``), the counts and the first errors are kept here and
    every error is in the downloadable report. All or nothing (the default) means
    one transaction for the whole file: one bad row and nothing is saved.
    """

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="import_jobs", verbose_name=_("store"))
    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices, default=ImportKind.POLICIES)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    mapping = models.ForeignKey(
        ImportMapping, models.SET_NULL, null=True, blank=True, related_name="jobs", verbose_name=_("column mapping")
    )
    status = models.CharField(_("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    dry_run = models.BooleanField(
        _("dry run"), default=False, help_text=_("Check every row and report, but save nothing.")
    )
    all_or_nothing = models.BooleanField(
        _("all or nothing"), default=True,
        help_text=_("One bad row and nothing is saved. Off: the good rows are saved and the bad ones listed."),
    )
    # Messages are written in the uploader's language, also when a worker runs the job.
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    total_rows = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_rows = models.PositiveIntegerField(_("new records"), default=0)
    updated_rows = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_rows = models.PositiveIntegerField(_("unchanged"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(
        _("first errors"), default=list, blank=True,
        help_text=_("Row, column, value and rule of the first errors; the report has them all."),
    )
    columns = models.JSONField(_("columns"), default=dict, blank=True, help_text=_("How the headers were read."))
    error_report = models.FileField(_("error report"), upload_to="imports/reports/", blank=True, max_length=255)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by"))

    objects = ImportJobQuerySet.as_manager()
    permission_object = "policy"  # of the policy kind; each kind's own: ImportJobQuerySet.restrict
    # The error list and the column notes can be long; the log keeps the counts and status.
    audit_exclude = ("created_at", "updated_at", "errors", "columns", "processed_rows", "language")

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["store", "created_at"], name="import_store_created_idx")]

    def __str__(self):
        return f"#{self.pk} {self.original_name}"

    def audit_snapshot(self, values: dict | None = None) -> dict:
        # The log keeps the stored file's name, not the file object.
        snapshot = super().audit_snapshot(values)
        for name in ("file", "error_report"):
            if name in snapshot:
                snapshot[name] = getattr(snapshot[name], "name", snapshot[name]) or ""
        return snapshot

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def saved_nothing(self) -> bool:
        """Whether the database is as it was before the job (dry run, or all-or-nothing failure)."""
        return self.dry_run or self.status == ImportStatus.FAILED

    @property
    def errors_truncated(self) -> bool:
        return self.error_count > len(self.errors)
