"""API of imports: upload a file (multipart) → a job; poll the job; read its errors.

Only users who may import a kind in a store see its jobs of that kind
(``policy.import``, ``service.import``); another store's job is a 404 like a
missing one.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from chexian.core.api import RestrictedViewSetMixin, RolePermission
from chexian.core.audit import log_action
from chexian.core.choices import AuditAction
from chexian.imports import registry, services
from chexian.imports.api.serializers import ImportErrorsSerializer, ImportJobCreateSerializer, ImportJobSerializer
from chexian.imports.filtersets import ImportJobFilterSet
from chexian.imports.models import ImportJob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportPermission(BasePermission):
    """403 without the right to import any kind in any store; the jobs in reach are
    then the queryset's business (``ImportJob.objects.restrict``)."""

    message = RolePermission.message

    def has_permission(self, request, view):
        return registry.may_import(request.user)


class ImportJobViewSet(
    RestrictedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Imports of the user's stores (policies, service orders). POST a file to start
    one; it runs in the background: poll the job until ``finished``."""

    queryset = ImportJob.objects.select_related("store", "created_by")
    serializer_class = ImportJobSerializer
    filterset_class = ImportJobFilterSet
    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [IsAuthenticated, ImportPermission]
    # Every endpoint needs the right to import: the files and errors carry customers' data.
    action_permissions = {"list": "import", "retrieve": "import", "create": "import", "errors": "import",
                          "report": "import"}

    @extend_schema(
        request={"multipart/form-data": ImportJobCreateSerializer},
        responses={201: ImportJobSerializer},
        summary="Upload a file to import (policies or service orders)",
    )
    def create(self, request, *args, **kwargs):
        upload = ImportJobCreateSerializer(data=request.data, context=self.get_serializer_context())
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        job = services.create_import_job(
            actor=request.user, store=data["store"], upload=data["file"], mapping=data.get("mapping"),
            dry_run=data["dry_run"], all_or_nothing=data["all_or_nothing"], kind=data["kind"],
        )
        job.refresh_from_db()  # a worker (or the inline backend) may already have moved it
        location = reverse("importjob-detail", kwargs={"pk": job.pk})
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(responses=ImportErrorsSerializer, summary="The errors of an import (the first 1,000)")
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        job = self.get_object()
        report = self.get_serializer(job).data["error_report"]
        body = {"count": job.error_count, "truncated": job.errors_truncated, "error_report": report,
                "results": job.errors}
        return Response(ImportErrorsSerializer(body).data)

    @extend_schema(
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The error report workbook")},
        summary="Download the error report (every error, identity numbers masked)",
    )
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        job = self.get_object()
        if not job.error_report:
            raise Http404(_("This import has no error report."))
        log_action(AuditAction.EXPORT, job, actor=request.user, reason=_("Import error report"))
        return FileResponse(job.error_report.open("rb"), as_attachment=True,
                            filename=f"import-{job.pk}-errors.xlsx", content_type=XLSX)
