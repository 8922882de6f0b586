"""API serializers of imports. Uploading goes through ``services.create_import_job``
like the page; jobs are read-only afterwards."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from chexian.core.api import RestrictedRelatedField
from chexian.imports import progress, registry, services
from chexian.imports.choices import ImportKind
from chexian.imports.models import ImportJob, ImportMapping
from chexian.imports.readers import check_suffix
from chexian.org.models import Store


@extend_schema_field(OpenApiTypes.INT)
class ImportStoreField(serializers.PrimaryKeyRelatedField):
    """A store in which the user may import (the kind is checked with the other fields)."""

    default_error_messages = {"does_not_exist": _("Choose one of your stores in which you may import.")}

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Store.objects.none()
        return services.import_stores(request.user)


@extend_schema_serializer(component_name="ImportJobUpload")
class ImportJobCreateSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("An Excel workbook (.xlsx, .xls) or a CSV file (UTF-8 or GB18030)."))
    kind = serializers.ChoiceField(
        choices=ImportKind.choices, default=ImportKind.POLICIES,
        help_text=_("What the file holds: policies (insurer exports) or service_orders (the DMS)."),
    )
    store = ImportStoreField(
        required=False, help_text=_("The store the records belong to; may be left out if you import in one store.")
    )
    mapping = RestrictedRelatedField(
        queryset=ImportMapping.objects.all(), action="import", required=False, allow_null=True,
        help_text=_("A saved column mapping; left out, the headers are detected."),
    )
    dry_run = serializers.BooleanField(default=False, help_text=_("Check every row and report, but save nothing."))
    all_or_nothing = serializers.BooleanField(
        default=True, help_text=_("One bad row and nothing is saved (default). False: the good rows are saved.")
    )

    def validate_file(self, upload):
        check_suffix(upload.name)
        return upload

    def validate(self, attrs):
        user, kind = self.context["request"].user, attrs["kind"]
        allowed = services.import_stores(user, kind)
        if attrs.get("store") is None:
            stores = list(allowed[:2])
            if len(stores) != 1:
                raise serializers.ValidationError(
                    {"store": [_("Choose the store: you import in more than one.")]}, code="required"
                )
            attrs["store"] = stores[0]
        elif not allowed.filter(pk=attrs["store"].pk).exists():
            raise serializers.ValidationError({"store": [str(registry.spec(kind).refused)]}, code="permission")
        if attrs.get("mapping") is not None and not registry.spec(kind).mappings:
            raise serializers.ValidationError(
                {"mapping": [_("Column mappings are for insurers' policy exports; this file is read by the "
                               "template's headers.")]}, code="mapping_kind")
        return attrs


@extend_schema_serializer(component_name="ImportJob")
class ImportJobSerializer(serializers.ModelSerializer):
    """An import and what it did. ``processed_rows`` moves while it runs; poll this until
    ``finished`` is true. ``saved_nothing`` is true for a dry run and for a failed
    all-or-nothing import."""

    store_code = serializers.CharField(source="store.code", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    processed_rows = serializers.SerializerMethodField()
    percent = serializers.SerializerMethodField()
    finished = serializers.BooleanField(source="is_finished", read_only=True)
    saved_nothing = serializers.BooleanField(read_only=True)
    error_report = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id", "store", "store_code", "kind", "original_name", "sha256", "mapping", "status", "dry_run",
            "all_or_nothing", "total_rows", "processed_rows", "percent", "finished", "saved_nothing",
            "created_rows", "updated_rows", "unchanged_rows", "error_rows", "error_count", "error_report",
            "started_at", "finished_at", "created_by", "created_at",
        ]
        read_only_fields = fields

    def get_processed_rows(self, job) -> int:
        return progress.read(job)[0]

    def get_percent(self, job) -> int:
        return progress.percent(job)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_error_report(self, job):
        if not job.error_report:
            return None
        url = reverse("importjob-report", kwargs={"pk": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


@extend_schema_serializer(component_name="ImportError")
class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("Row in the spreadsheet; the header is row 1."))
    column = serializers.CharField(help_text=_("The column's header in the file."))
    field = serializers.CharField(help_text=_("The import field of the column."))
    value = serializers.CharField(help_text=_("The cell as read (identity numbers masked)."))
    message = serializers.CharField(help_text=_("The rule the value broke."))
    code = serializers.CharField(help_text=_("The rule's stable code, e.g. vin_check_digit."))


@extend_schema_serializer(component_name="ImportErrors")
class ImportErrorsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=_("All errors of the import."))
    truncated = serializers.BooleanField(help_text=_("True when only the first errors are listed here."))
    error_report = serializers.URLField(allow_null=True, help_text=_("The workbook with every error."))
    results = ImportErrorSerializer(many=True)
