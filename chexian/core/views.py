"""Generic page views shared by the domain apps: a thin NetBox-style layer whose
every queryset goes through ``restrict()``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.views.generic import ListView

from chexian.core.models import AuditLog
from chexian.org.permissions import can


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


class HomeView(LoginRequiredMixin, ListView):
    def get(self, request, *args, **kwargs):
        if can(request.user, "customer.view"):
            return redirect("customers:customer_list")
        return redirect("core:auditlog_list") if can(request.user, "audit.view") else redirect("logout")


class AuditLogListView(ActionRequiredMixin, ListView):
    required_action = "audit.view"
    template_name = "core/auditlog_list.html"
    paginate_by = settings.CHEXIAN_PAGE_SIZE

    def get_queryset(self):
        qs = AuditLog.objects.restrict(self.request.user).select_related("content_type", "store")
        if action := self.request.GET.get("action"):
            qs = qs.filter(action=action)
        return qs
