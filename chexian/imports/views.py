"""Pages of imports: the list of jobs, uploading a file, a job's progress and
errors, the templates and the column mappings.

Every job and mapping is read through ``restrict(user, "import")``: only people
who may import a kind in a store see its imports of that kind (the files carry
customers' data: ``policy.import`` for policies, ``service.import`` for service
orders), and another store's job is the same 404 as a missing one. The job page
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
from chexian.imports import progress, registry, services
from chexian.imports.choices import ImportKind
from chexian.imports.filtersets import ImportJobFilterSet
from chexian.imports.forms import ImportJobForm, ImportMappingForm
from chexian.imports.models import ImportJob, ImportMapping
from chexian.imports.policy_import import COLUMNS
from chexian.org.permissions import can

ERRORS_SHOWN = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = registry.IMPORTS[ImportKind.POLICIES].template_file


class ImportRequiredMixin(ActionRequiredMixin):
    """The page needs the right to import some kind in some store (else 403); what
    it then shows is restricted per kind (``ImportJob.objects.restrict``)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not registry.may_import(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


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


class ImportJobListView(ImportRequiredMixin, ObjectListView):
    filterset_class = ImportJobFilterSet
    template_name = "imports/import_list.html"
    title = gettext_lazy("Imports")

    def get_queryset(self):
        return ImportJob.objects.restrict(self.request.user, "import").select_related("store", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(add_url=reverse("imports:import_new"), import_kinds=registry.kinds_for(self.request.user),
                       may_map=can(self.request.user, "policy.import"))
        return context


class ImportJobCreateView(ImportRequiredMixin, FormView):
    """``?kind=service_orders`` preselects what the file holds (policies by default)."""

    form_class = ImportJobForm
    template_name = "imports/import_form.html"

    def get_initial(self):
        return {**super().get_initial(), "kind": self.request.GET.get("kind", "")}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            job = services.create_import_job(
                actor=self.request.user, store=data["store"], upload=data["file"], mapping=data["mapping"],
                dry_run=data["dry_run"], all_or_nothing=data["all_or_nothing"], kind=data["kind"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("%(file)s is queued for import.") % {"file": job.original_name})
        return redirect("imports:import_detail", pk=job.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        chosen = registry.IMPORTS.get(context["form"]["kind"].value())
        context.update(
            title=chosen.title if chosen else _("Import a file"),
            import_kinds=registry.kinds_for(self.request.user), may_map=can(self.request.user, "policy.import"),
            cancel_url=reverse("imports:import_list"),
        )
        return context


class ImportJobDetailView(ImportRequiredMixin, ImportJobObjectMixin, DetailView):
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


class ImportJobStatusView(ImportRequiredMixin, ImportJobObjectMixin, View):
    """GET (htmx, every second while running): the status block of the job page."""

    def get(self, request, pk):
        from django.shortcuts import render

        return render(request, "imports/inc/import_status.html", job_status_context(self.object))


class ImportJobReportView(ImportRequiredMixin, ImportJobObjectMixin, View):
    """The error report workbook: every error with its row, column, value and rule.
    Identity numbers in it are masked; the download is logged as an export."""

    def get(self, request, pk):
        job = self.object
        if not job.error_report:
            raise Http404(_("This import has no error report."))
        log_action(AuditAction.EXPORT, job, actor=request.user, reason=_("Import error report"))
        return FileResponse(
            job.error_report.open("rb"), as_attachment=True, filename=f"import-{job.pk}-errors.xlsx",
            content_type=XLSX,
        )


class ImportTemplateView(ImportRequiredMixin, View):
    """The template of ``?kind=`` (policies by default, or the one kind the user imports)."""

    def get(self, request):
        kinds = registry.kinds_for(request.user)
        kind = request.GET.get("kind") or (
            ImportKind.POLICIES if any(spec.kind == ImportKind.POLICIES for spec in kinds) else kinds[0].kind)
        spec = registry.IMPORTS.get(kind)
        if spec is None:
            raise Http404(_("No such import template."))
        if spec not in kinds:
            raise PermissionDenied
        response = HttpResponse(spec.template.workbook(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{spec.template_file}"'
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
