"""Pages of the blank-form register: the list, receiving a range, issuing forms to a
person, one form's actions, and the holdings with the end-of-day count. Scoped as
everywhere: ``restrict``, ``get_or_404``; every write goes through ``services``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from chexian.blankforms import selectors, services
from chexian.blankforms.filtersets import BlankFormFilterSet
from chexian.blankforms.forms import FormActionForm, IssueForm, ReceiveForm
from chexian.blankforms.models import BlankForm
from chexian.core.views import ActionRequiredMixin, ObjectListView, StoreChoiceMixin, apply_service_error, field_rows
from chexian.org.models import StaffRole
from chexian.org.permissions import can


class FormListView(ObjectListView):
    required_action = "blankform.view"
    filterset_class = BlankFormFilterSet
    template_name = "blankforms/form_list.html"
    title = gettext_lazy("Blank-form register")
    add_action = "blankform.manage"
    add_url_name = "blankforms:receive"

    def get_queryset(self):
        return (BlankForm.objects.restrict(self.request.user, "view")
                .select_related("store", "holder", "policy", "batch__insurer").order_by("kind", "serial"))

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(may_manage=can(user, "blankform.manage"),
                                        totals=selectors.accounting(user), **kwargs)


class ReceiveView(ActionRequiredMixin, StoreChoiceMixin, TemplateView):
    """Register a serial range received from an insurer."""

    required_action = "blankform.manage"
    store_action = "blankform.manage"
    template_name = "blankforms/form_edit.html"

    def get_context_data(self, form=None, **kwargs):
        return super().get_context_data(form=form or ReceiveForm(), stores=self.stores(),
                                         heading=_("Receive a serial range"), **kwargs)

    def post(self, request, *args, **kwargs):
        form = ReceiveForm(request.POST)
        store = self.chosen_store()
        if form.is_valid():
            if store is None:
                form.add_error(None, _("Choose the store."))
            else:
                try:
                    batch = services.receive_range(actor=request.user, store=store, **form.cleaned_data)
                except ValidationError as exc:
                    apply_service_error(form, exc)
                else:
                    messages.success(request, _("Received %(batch)s: %(count)s forms in stock.")
                                     % {"batch": batch, "count": batch.count})
                    return redirect("blankforms:form_list")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class IssueView(ActionRequiredMixin, StoreChoiceMixin, TemplateView):
    """Hand a run of forms from stock to a person of the store."""

    required_action = "blankform.manage"
    store_action = "blankform.manage"
    template_name = "blankforms/form_edit.html"

    def holders(self):
        users = StaffRole.objects.filter(store__in=self.stores()).values("user")
        return get_user_model().objects.filter(pk__in=users, is_active=True).order_by("username")

    def get_context_data(self, form=None, **kwargs):
        return super().get_context_data(form=form or IssueForm(holders=self.holders()), stores=self.stores(),
                                         heading=_("Issue forms to a person"), **kwargs)

    def post(self, request, *args, **kwargs):
        form = IssueForm(request.POST, holders=self.holders())
        store = self.chosen_store()
        if form.is_valid():
            if store is None:
                form.add_error(None, _("Choose the store."))
            else:
                try:
                    forms = services.issue_range(actor=request.user, store=store, **form.cleaned_data)
                except ValidationError as exc:
                    apply_service_error(form, exc)
                else:
                    messages.success(request, _("Issued %(count)s forms to %(holder)s.")
                                     % {"count": len(forms), "holder": form.cleaned_data["holder"]})
                    return redirect("blankforms:count")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class FormDetailView(ActionRequiredMixin, TemplateView):
    """One form, its history, and the void / return / lost actions with a reason."""

    required_action = "blankform.view"
    template_name = "blankforms/form_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.form_obj = (BlankForm.objects.restrict(request.user, "view")
                             .select_related("store", "batch__insurer", "holder", "policy", "updated_by")
                             .get_or_404(pk=kwargs["pk"]))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, action_form=None, **kwargs):
        obj, user = self.form_obj, self.request.user
        may_act = can(user, "blankform.use", obj.store_id) or can(user, "blankform.manage", obj.store_id)
        return super().get_context_data(
            object=obj, action_form=action_form or FormActionForm(), may_act=may_act,
            properties=field_rows(obj, ["store", "batch", "kind", "serial", "status", "holder", "policy", "reason",
                                        "original_kept", "updated_by", "updated_at"]),
            movements=obj.movements.select_related("holder", "actor"), **kwargs)

    def post(self, request, *args, **kwargs):
        obj = self.form_obj
        form = FormActionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["action"] == "void":
                    services.void(actor=request.user, form=obj, reason=data["reason"],
                                  original_kept=data["original_kept"])
                elif data["action"] == "return":
                    services.return_to_insurer(actor=request.user, form=obj, reason=data["reason"])
                else:
                    services.report_lost(actor=request.user, form=obj, reason=data["reason"])
            except PermissionDenied:
                raise
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Form %(serial)s updated.") % {"serial": obj.serial})
                return redirect("blankforms:form_detail", pk=obj.pk)
        return self.render_to_response(self.get_context_data(action_form=form), status=400)


class CountView(ActionRequiredMixin, TemplateView):
    """Who holds what now, and the end-of-day count per person for a day."""

    required_action = "blankform.view"
    template_name = "blankforms/count.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        try:
            day = dt.date.fromisoformat(self.request.GET.get("day", ""))
        except ValueError:
            day = timezone.localdate()
        return super().get_context_data(day=day, holdings=selectors.holdings(user),
                                         rows=selectors.day_count(user, day),
                                         mismatches=selectors.mismatches(user, day),
                                         totals=selectors.accounting(user), **kwargs)
