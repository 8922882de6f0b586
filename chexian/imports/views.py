"""Pages of imports: the list of jobs, uploading a file, a job's progress and
errors, the template and the column mappings.

Every job and mapping is read through ``restrict(user, "import")``: only people
who may import policies in a store see its imports (the files carry customers'
data), and another store's job is the same 404 as a missing one. The job page
polls its status block with htmx every second while the job runs.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView, View

from chexian.core.audit import log_action
from chexian.core.choices import AuditAction
from chexian.core.views import ActionRequiredMixin, ObjectListView, ObjectMixin, field_rows
from chexian.imports import progress, services
from chexian.imports.filtersets import ImportJobFilterSet
from chexian.imports.forms import ImportJobForm, ImportMappingForm
from chexian.imports.models import ImportJob, ImportMapping
from chexian.imports.policy_import import COLUMNS
from chexian.imports.reports import template_workbook

ERRORS_SHOWN = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "chexian-policy-import-template.xlsx"


def job_status_context(job: ImportJob) -> dict:
    """What the status block shows: progress while running, counts and first errors after."""
    processed, total = progress.read(job)
    return {
        "job": job,
        "processed": processed,
        "total": total,
        "percent": progress.percent(job),
        "errors": job.errors[:ERRORS_SHOWN],
        "more_errors": max(job.error_count - ERRORS_SHOWN, 0),
    }


class ImportJobObjectMixin(ObjectMixin):
    model = ImportJob

    def get_queryset(self):
        return ImportJob.objects.restrict(self.request.user, "import").select_related(
            "store", "created_by", "mapping"
        )


class ImportJobListView(ObjectListView):
    required_action = "policy.import"
    filterset_class = ImportJobFilterSet
    template_name = "imports/import_list.html"
    title = gettext_lazy("Imports")
    add_action, add_url_name = "policy.import", "imports:import_new"

    def get_queryset(self):
        return ImportJob.objects.restrict(self.request.user, "import").select_related("store", "created_by")


class ImportJobCreateView(ActionRequiredMixin, FormView):
    required_action = "policy.import"
    form_class = ImportJobForm
    template_name = "imports/import_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            job = services.create_import_job(
                actor=self.request.user, store=data["store"], upload=data["file"], mapping=data["mapping"],
                dry_run=data["dry_run"], all_or_nothing=data["all_or_nothing"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("%(file)s is queued for import.") % {"file": job.original_name})
        return redirect("imports:import_detail", pk=job.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=_("Import policies"), columns=COLUMNS, cancel_url=reverse("imports:import_list"))
        return context


class ImportJobDetailView(ActionRequiredMixin, ImportJobObjectMixin, DetailView):
    required_action = "policy.import"
    template_name = "imports/import_detail.html"
    context_object_name = "job"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        context.update(job_status_context(job))
        context.update(
            properties=field_rows(
                job, ["store", "kind", "original_name", "mapping", "dry_run", "all_or_nothing", "created_by",
                      "created_at", "started_at", "finished_at", "sha256"],
            ),
            previous=services.previous_import(job),
            columns=job.columns,
        )
        return context


class ImportJobStatusView(ActionRequiredMixin, ImportJobObjectMixin, View):
    """GET (htmx, every second while running): the status block of the job page."""

    required_action = "policy.import"

    def get(self, request, pk):
        from django.shortcuts import render

        return render(request, "imports/inc/import_status.html", job_status_context(self.object))


class ImportJobReportView(ActionRequiredMixin, ImportJobObjectMixin, View):
    """The error report workbook: every error with its row, column, value and rule.
    Identity numbers in it are masked; the download is logged as an export."""

    required_action = "policy.import"

    def get(self, request, pk):
        job = self.object
        if not job.error_report:
            raise Http404(_("This import has no error report."))
        log_action(AuditAction.EXPORT, job, actor=request.user, reason=_("Import error report"))
        return FileResponse(
            job.error_report.open("rb"), as_attachment=True, filename=f"import-{job.pk}-errors.xlsx",
            content_type=XLSX,
        )


class ImportTemplateView(ActionRequiredMixin, View):
    required_action = "policy.import"

    def get(self, request):
        response = HttpResponse(template_workbook(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_NAME}"'
        return response


# ---------------------------------------------------------------- column mappings
class ImportMappingListView(ActionRequiredMixin, ListView):
    required_action = "policy.import"
    template_name = "imports/mapping_list.html"
    context_object_name = "mappings"

    def get_queryset(self):
        return ImportMapping.objects.restrict(self.request.user, "import").select_related(
            "store", "insurer", "created_by"
        )


class ImportMappingCreateView(ActionRequiredMixin, FormView):
    required_action = "policy.import"
    form_class = ImportMappingForm
    template_name = "imports/mapping_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        try:
            mapping = services.save_mapping(actor=self.request.user, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
            return self.form_invalid(form)
        except PermissionDenied:
            form.add_error("store", _("Your role may not import policies in this store."))
            return self.form_invalid(form)
        messages.success(self.request, _("Saved the column mapping %(name)s.") % {"name": mapping.name})
        return redirect("imports:mapping_list")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=_("New column mapping"), columns=COLUMNS, cancel_url=reverse("imports:mapping_list"),
            form_id="mapping-form",
        )
        return context
