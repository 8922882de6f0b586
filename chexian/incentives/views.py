"""Pages of gifts and rebates: the list, recording one on a policy, one record with
the supervisor's decision and the departments' redemptions, the store's gift
catalogue, and the monthly compliance report with its Excel export. Scoped as
everywhere (``restrict``, ``get_or_404``: another store's record is a 404); every
write goes through ``services``; every page shows the compliance warning."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from chexian.core.views import (
    ActionRequiredMixin,
    ObjectListView,
    StoreChoiceMixin,
    apply_service_error,
    export_reason_required,
    field_rows,
)
from chexian.incentives import exports, selectors, services
from chexian.incentives.choices import IncentiveKind, IncentiveStatus
from chexian.incentives.filtersets import IncentiveFilterSet
from chexian.incentives.forms import DecisionForm, GiftItemForm, GiftLineFormSet, IncentiveForm, RedemptionForm
from chexian.incentives.models import GiftItem, Incentive, IncentiveLine, Redemption
from chexian.org.permissions import can
from chexian.policies.models import Policy


class IncentiveListView(ObjectListView):
    required_action = "incentive.view"
    filterset_class = IncentiveFilterSet
    template_name = "incentives/incentive_list.html"
    title = gettext_lazy("Gifts and rebates (礼包与返利)")

    def get_queryset(self):
        return (Incentive.objects.restrict(self.request.user, "view")
                .select_related("store", "policy", "recorded_by", "decided_by").order_by("-granted_on", "-pk"))

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(may_report=can(user, "compliance.view"),
                                        may_items=can(user, "incentive.approve"), **kwargs)


class IncentiveCreateView(ActionRequiredMixin, TemplateView):
    """Record a gift package or rebate against a policy (reached from the policy's page)."""

    required_action = "incentive.add"
    template_name = "incentives/incentive_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.policy = (Policy.objects.restrict(request.user, "view").select_related("store", "vehicle")
                           .get_or_404(pk=kwargs["policy_pk"]))
            if not can(request.user, "incentive.add", self.policy.store_id):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def items(self):
        return GiftItem.objects.filter(store_id=self.policy.store_id, is_active=True).order_by("department", "name")

    def get_context_data(self, form=None, lines=None, **kwargs):
        return super().get_context_data(
            policy=self.policy, form=form or IncentiveForm(), has_items=self.items().exists(),
            lines=lines or GiftLineFormSet(prefix="lines", form_kwargs={"items": self.items()}), **kwargs)

    def post(self, request, *args, **kwargs):
        form = IncentiveForm(request.POST)
        lines = GiftLineFormSet(request.POST, prefix="lines", form_kwargs={"items": self.items()})
        if form.is_valid() and lines.is_valid():
            data = form.cleaned_data
            try:
                incentive = services.record_incentive(
                    actor=request.user, policy=self.policy, kind=data["kind"], reason=data["reason"],
                    granted_on=data["granted_on"], rebate_amount=data["rebate_amount"],
                    rebate_method=data["rebate_method"],
                    lines=[(line["item"], line["quantity"]) for line in lines.cleaned_data
                           if line.get("item") and line.get("quantity")])
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "lines" in exc.error_dict:
                    form.add_error(None, exc.error_dict.pop("lines"))
                apply_service_error(form, exc)
            else:
                messages.warning(request, _("Recorded %(incentive)s at a cost of %(cost)s: pending the supervisor's "
                                            "approval, flagged until then.")
                                 % {"incentive": incentive, "cost": incentive.cost_at_grant})
                return redirect(incentive.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, lines=lines), status=400)


class IncentiveDetailView(ActionRequiredMixin, TemplateView):
    """One gift or rebate: the warning, its lines and redemptions, the supervisor's
    decision and the departments' redemption form."""

    required_action = "incentive.view"
    template_name = "incentives/incentive_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.incentive = (Incentive.objects.restrict(request.user, "view")
                              .select_related("store", "policy__vehicle", "recorded_by", "decided_by")
                              .get_or_404(pk=kwargs["pk"]))
        return super().dispatch(request, *args, **kwargs)

    def lines(self):
        return IncentiveLine.objects.filter(incentive=self.incentive).select_related("item")

    def get_context_data(self, decision_form=None, redemption_form=None, **kwargs):
        obj, user = self.incentive, self.request.user
        may_decide = obj.status == IncentiveStatus.PENDING and can(user, "incentive.approve", obj.store_id)
        lines = list(self.lines())
        may_redeem = (obj.status == IncentiveStatus.APPROVED and can(user, "incentive.redeem", obj.store_id)
                      and any(line.left for line in lines))
        return super().get_context_data(
            object=obj, lines=lines,
            properties=field_rows(obj, ["store", "policy", "kind", "granted_on", "reason", "rebate_amount",
                                        "rebate_method", "recorded_by", "status", "decided_by", "decided_at",
                                        "decision_reason"]),
            redemptions=Redemption.objects.filter(line__incentive=obj).select_related("line__item", "redeemed_by"),
            may_decide=may_decide, may_redeem=may_redeem,
            decision_form=decision_form or DecisionForm(),
            redemption_form=redemption_form or RedemptionForm(lines=self.lines()),
            **kwargs)

    def post(self, request, *args, **kwargs):
        obj = self.incentive
        if request.POST.get("form") == "decision":
            form = DecisionForm(request.POST)
            if form.is_valid():
                try:
                    services.decide(actor=request.user, incentive=obj, status=form.cleaned_data["status"],
                                    reason=form.cleaned_data["reason"])
                except ValidationError as exc:
                    apply_service_error(form, exc)
                else:
                    messages.success(request, _("Decision recorded."))
                    return redirect(obj.get_absolute_url())
            return self.render_to_response(self.get_context_data(decision_form=form), status=400)
        form = RedemptionForm(request.POST, lines=self.lines())
        if form.is_valid():
            data = form.cleaned_data
            try:
                redemption = services.redeem(actor=request.user, line=data["line"], quantity=data["quantity"],
                                             redeemed_on=data["redeemed_on"], unit_cost=data["unit_cost"],
                                             note=data["note"])
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Redeemed %(redemption)s at a real cost of %(cost)s.")
                                 % {"redemption": redemption, "cost": redemption.real_cost})
                return redirect(obj.get_absolute_url())
        return self.render_to_response(self.get_context_data(redemption_form=form), status=400)


class GiftItemListView(ActionRequiredMixin, StoreChoiceMixin, TemplateView):
    """The stores' gift catalogues; supervisors and store managers add items."""

    required_action = "incentive.view"
    store_action = "incentive.approve"
    template_name = "incentives/giftitem_list.html"

    def get_context_data(self, form=None, **kwargs):
        user = self.request.user
        items = GiftItem.objects.restrict(user, "view").select_related("store").order_by("store__code",
                                                                                           "department", "name")
        stores = self.stores()
        return super().get_context_data(items=items, stores=stores, may_add=stores.exists(),
                                        form=form or GiftItemForm(), **kwargs)

    def post(self, request, *args, **kwargs):
        form = GiftItemForm(request.POST)
        store = self.chosen_store()
        if form.is_valid():
            if store is None:
                form.add_error(None, _("Choose the store."))
            else:
                try:
                    item = services.save_gift_item(actor=request.user, data={"store": store, **form.cleaned_data})
                except ValidationError as exc:
                    apply_service_error(form, exc)
                else:
                    messages.success(request, _("Added %(item)s.") % {"item": item})
                    return redirect("incentives:giftitem_list")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class GiftItemEditView(ActionRequiredMixin, TemplateView):
    """Change an item's name, cost or whether it can still be granted."""

    required_action = "incentive.approve"
    template_name = "incentives/giftitem_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.item = GiftItem.objects.restrict(request.user, "view").select_related("store").get_or_404(
                pk=kwargs["pk"])
            if not can(request.user, "incentive.approve", self.item.store_id):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, **kwargs):
        item = self.item
        initial = {"name": item.name, "department": item.department, "unit_cost": item.unit_cost,
                   "is_active": item.is_active}
        return super().get_context_data(object=item, form=form or GiftItemForm(initial=initial), **kwargs)

    def post(self, request, *args, **kwargs):
        form = GiftItemForm(request.POST)
        if form.is_valid():
            try:
                services.save_gift_item(actor=request.user, data=form.cleaned_data, instance=self.item)
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Saved %(item)s.") % {"item": self.item})
                return redirect("incentives:giftitem_list")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ComplianceMixin(ActionRequiredMixin):
    required_action = "compliance.view"

    def report(self):
        request = self.request
        month = selectors.Month.parse(request.GET.get("month"), timezone.localdate())
        stores = selectors.compliance_stores(request.user)
        store = stores.filter(pk=request.GET["store"]).first() if request.GET.get("store", "").isdigit() else None
        return stores, selectors.compliance_report(request.user, month, store)


class ComplianceReportView(ComplianceMixin, TemplateView):
    """Every gift and rebate of a month, unapproved ones highlighted, with the totals."""

    template_name = "incentives/compliance_report.html"

    def get_context_data(self, **kwargs):
        stores, report = self.report()
        return super().get_context_data(stores=stores, report=report, kinds=IncentiveKind,
                                        export_reason_required=export_reason_required(self.request.user), **kwargs)


class ComplianceExportView(ComplianceMixin, View):
    """The report as an Excel workbook; an export in the audit log (auditors give the reason)."""

    def get(self, request):
        reason = request.GET.get("reason", "").strip()
        if not reason and export_reason_required(request.user):
            messages.error(request, _("Give the reason for this export: auditors' exports are logged with one."))
            query = request.GET.copy()
            query.pop("reason", None)
            return redirect(f"{reverse('incentives:compliance')}?{query.urlencode()}")
        _stores, report = self.report()
        return exports.compliance_workbook(user=request.user, report=report, reason=reason)
