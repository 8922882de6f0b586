"""Generic page views shared by the domain apps: a thin NetBox-style layer whose
every queryset goes through ``restrict()``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, View
from django_filters.views import FilterView

from chexian.core.filtersets import AuditLogFilterSet
from chexian.core.models import AuditLog
from chexian.org.choices import Role
from chexian.org.permissions import can, roles_of


class ActionRequiredMixin(LoginRequiredMixin):
    """The view needs one action from the permission matrix in some store (else 403);
    the objects it shows are then restricted to the stores where the action is allowed."""

    required_action: str = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.required_action and not can(request.user, self.required_action):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def field_rows(obj, names, overrides=None):
    """[(label, value)] for a properties list, labels from the model's verbose names."""
    overrides = overrides or {}
    rows = []
    for name in names:
        field = obj._meta.get_field(name)
        if name in overrides:
            value = overrides[name]
        elif field.choices:
            value = getattr(obj, f"get_{name}_display")()
        elif field.get_internal_type() == "BooleanField":
            value = getattr(obj, name)
            value = _("Unknown") if value is None else _("Yes") if value else _("No")
        else:
            value = getattr(obj, name)
        rows.append((capfirst(field.verbose_name), value))
    return rows


def active_filters(request) -> dict:
    """The list filters of a request, as logged with an export."""
    return {k: v for k, v in request.GET.items() if v and k not in ("page", "reason")}


class ObjectMixin:
    """Loads ``self.object`` through the user's restricted queryset (404 for
    another store's) and, if ``object_action`` is set, checks it on the object (403)."""

    model = None
    object_action = ""

    def get_queryset(self):
        return self.model.objects.restrict(self.request.user, "view")

    def load_object(self):
        obj = self.get_queryset().get_or_404(pk=self.kwargs["pk"])
        if self.object_action and not self.object_allowed(obj, self.object_action):
            raise PermissionDenied
        return obj

    def get_object(self, queryset=None):
        return self.object

    def object_allowed(self, obj, action: str) -> bool:
        return can(self.request.user, action, obj.store_id)

    def dispatch(self, request, *args, **kwargs):
        if "pk" in kwargs:
            self.object = self.load_object()
        return super().dispatch(request, *args, **kwargs)


def apply_service_error(form, exc: ValidationError) -> None:
    """A service's ValidationError onto a form: dict entries on the field of the same name,
    everything else (or an unknown name) on the form as a whole."""
    from django.core.exceptions import NON_FIELD_ERRORS

    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields and field != NON_FIELD_ERRORS else None, errors)
    else:
        form.add_error(None, exc)


class StoreChoiceMixin:
    """The store a record is created in: the user's only store where ``store_action`` is
    allowed, or the one chosen (``store`` in the form or the query string)."""

    store_action = ""

    def stores(self):
        from chexian.customers.forms import stores_where

        return stores_where(self.request.user, self.store_action)

    def chosen_store(self):
        stores = self.stores()
        pk = self.request.POST.get("store") or self.request.GET.get("store")
        if pk:
            return stores.filter(pk=pk).first()
        return stores.first() if stores.count() == 1 else None


class ObjectListView(ActionRequiredMixin, FilterView):
    """A filtered, paginated list; the filterset's form is the filter bar."""

    title = ""
    export_action = ""
    export_url_name = ""
    add_action = ""
    add_url_name = ""

    def get_paginate_by(self, queryset):
        return settings.CHEXIAN_PAGE_SIZE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            title=self.title,
            more_filters_active=any(v for k, v in query.items() if k != "q"),
            add_url=reverse(self.add_url_name) if self.add_action and can(user, self.add_action) else "",
            export_url=(
                reverse(self.export_url_name) if self.export_action and can(user, self.export_action) else ""
            ),
            export_params=[(k, v) for k, values in query.lists() for v in values if k != "reason"],
            export_reason_required=export_reason_required(user),
        )
        return context


class ObjectEditView(ActionRequiredMixin, ObjectMixin, FormView):
    """Create (no ``pk``) or change an object: the form validates, ``save()``
    calls the service, and a service's ValidationError goes back on the form."""

    template_name = "generic/object_edit.html"
    detail_url_name = ""
    list_url_name = ""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        kwargs["instance"] = getattr(self, "object", None)
        return kwargs

    def save(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            obj = self.save(form)
        except ValidationError as exc:
            form.add_service_error(exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(obj))
        return redirect(self.detail_url_name, pk=obj.pk)

    def success_message(self, obj):
        return _("Saved %(object)s.") % {"object": obj}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = getattr(self, "object", None)
        context["object"] = obj
        context["cancel_url"] = (
            reverse(self.detail_url_name, kwargs={"pk": obj.pk}) if obj else reverse(self.list_url_name)
        )
        return context


def export_reason_required(user) -> bool:
    """Auditors export with a logged reason (SPEC §1); for store staff it is optional."""
    return Role.AUDITOR in roles_of(user)


class ObjectExportView(ActionRequiredMixin, View):
    """Export the filtered, restricted list; the exporter writes the file and the audit entries."""

    filterset_class = None
    list_url_name = ""

    def get_queryset(self):
        raise NotImplementedError

    def export(self, **kwargs):
        raise NotImplementedError

    def get(self, request):
        reason = request.GET.get("reason", "").strip()
        if not reason and export_reason_required(request.user):
            messages.error(request, _("Give the reason for this export: auditors' exports are logged with one."))
            query = request.GET.copy()
            query.pop("reason", None)
            return redirect(reverse(self.list_url_name) + (f"?{query.urlencode()}" if query else ""))
        filterset = self.filterset_class(request.GET or None, queryset=self.get_queryset(), request=request)
        rows = filterset.qs if not filterset.is_bound or filterset.is_valid() else filterset.queryset.none()
        return self.export(user=request.user, queryset=rows, filters=active_filters(request), reason=reason)


class HomeView(LoginRequiredMixin, ListView):
    def get(self, request, *args, **kwargs):
        if can(request.user, "customer.view"):
            return redirect("customers:customer_list")
        return redirect("core:auditlog_list") if can(request.user, "audit.view") else redirect("logout")


class AuditLogListView(ActionRequiredMixin, FilterView):
    required_action = "audit.view"
    template_name = "core/auditlog_list.html"
    filterset_class = AuditLogFilterSet
    paginate_by = settings.CHEXIAN_PAGE_SIZE

    def get_queryset(self):
        return AuditLog.objects.restrict(self.request.user).select_related("content_type", "store")


def healthz(request):
    """Liveness for the load balancer (and the load benchmarks' trivial view): no session, no database."""
    from django.http import HttpResponse

    return HttpResponse("ok", content_type="text/plain")
