"""Renewal pages: the specialist's queue, the cases, one case with everything
about its customer and car, the supervisor's board (loads, reassignment, the
daily job), reminder rules and the monthly lost-renewal summary.

Scoping as everywhere: lists through ``restrict(user, action)``, one case
through ``restrict(user, "view").get_or_404``, writing through ``services``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from chexian.aftersales import selectors as aftersales_selectors
from chexian.claims.models import ClaimCase
from chexian.core.daily import run_daily
from chexian.core.views import ActionRequiredMixin, ObjectListView, field_rows
from chexian.customers.access import shown_mobile
from chexian.customers.forms import stores_where
from chexian.notifications.models import Message
from chexian.org.permissions import can
from chexian.policies.models import Policy
from chexian.quotes.models import Quote
from chexian.renewals import selectors, services
from chexian.renewals.filtersets import RenewalCaseFilterSet
from chexian.renewals.forms import ContactForm, LostForm, ReassignForm, ReminderRuleForm, TargetForm
from chexian.renewals.models import ContactLog, ContactTask, ReminderRule, RenewalCase, RenewalModel
from chexian.statements import selectors as statement_selectors

HISTORY_SHOWN = 10


def _error_text(exc: ValidationError) -> str:
    return "; ".join(exc.messages)


class QueueView(ActionRequiredMixin, TemplateView):
    """今日待办: the calls due for the signed-in specialist."""

    required_action = "renewal.work"
    template_name = "renewals/queue.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        tasks = list(selectors.queue(self.request.user, today)[:200])
        language = "zh" if (get_language() or "").startswith("zh") else "en"
        for task in tasks:
            task.mobile = shown_mobile(self.request.user, task.case.customer)
            task.reasons = (task.case.likelihood_reasons or {}).get(language, [])
        from chexian.leads.services import follow_ups_due

        leads = list(follow_ups_due(self.request.user, today)[:100]) if can(self.request.user, "lead.work") else []
        return super().get_context_data(tasks=tasks, today=today, leads=leads, **kwargs)


class CaseListView(ObjectListView):
    required_action = "renewal.view"
    filterset_class = RenewalCaseFilterSet
    template_name = "renewals/case_list.html"
    title = gettext_lazy("Renewal cases")

    def get_queryset(self):
        return (RenewalCase.objects.restrict(self.request.user, "view")
                .select_related("store", "vehicle", "customer", "assigned_to", "expiring_policy__insurer")
                .order_by("due_date", "pk"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if can(user, "renewal.assign"):
            stores = stores_where(user, "renewal.assign")
            context["reassign_form"] = ReassignForm(users=assignable(stores))
        return context


def assignable(stores):
    return (get_user_model().objects.filter(staff_roles__store__in=stores, is_active=True)
            .distinct().order_by("username"))


class CaseDetailView(ActionRequiredMixin, TemplateView):
    required_action = "renewal.view"
    template_name = "renewals/case_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.case = (RenewalCase.objects.restrict(request.user, "view")
                         .select_related("store", "vehicle", "customer", "assigned_to", "expiring_policy__insurer",
                                         "renewed_policy", "lost_to_insurer", "closed_by")
                         .get_or_404(pk=kwargs["pk"]))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, contact_form=None, lost_form=None, **kwargs):
        user, case = self.request.user, self.case
        vehicle, customer = case.vehicle, case.customer
        may_work = case.status == "open" and can(user, "renewal.work", case.store_id)
        return super().get_context_data(
            case=case,
            properties=field_rows(case, ["store", "status", "segment", "due_date", "expiring_premium", "assigned_to",
                                         "expiring_policy", "renewed_policy", "likelihood"],
                                  {"likelihood": "—" if case.likelihood is None else f"{case.likelihood * 100:.0f}%"}),
            outcome=field_rows(case, ["lost_reason", "lost_to_insurer", "lost_to_channel", "outcome_note",
                                      "closed_at", "closed_by"]) if case.status != "open" else None,
            mobile=shown_mobile(user, customer),
            reasons=(case.likelihood_reasons or {}).get(
                "zh" if (get_language() or "").startswith("zh") else "en", []),
            policies=Policy.objects.restrict(user, "view").filter(vehicle=vehicle).select_related("insurer")
            .order_by("-start_date", "-pk")[:HISTORY_SHOWN],
            quotes=Quote.objects.restrict(user, "view").filter(vehicle=vehicle).order_by("-created_at")[:5],
            contacts=ContactLog.objects.filter(case__vehicle=vehicle, case__store=case.store).select_related("by")
            [:HISTORY_SHOWN],
            tasks=ContactTask.objects.filter(case=case).order_by("-due_on", "-pk")[:HISTORY_SHOWN],
            messages_sent=Message.objects.restrict(user, "view").filter(customer=customer)[:HISTORY_SHOWN],
            may_see_service=can(user, "service.view", case.store_id),
            service_orders=aftersales_selectors.vehicle_orders(user, vehicle, HISTORY_SHOWN),
            claims=ClaimCase.objects.restrict(user, "view").filter(vehicle=vehicle).select_related("insurer")
            .order_by("-accident_at")[:HISTORY_SHOWN],
            may_work=may_work,
            may_quote=can(user, "quote.add", case.store_id),
            contact_form=contact_form or ContactForm(),
            lost_form=lost_form or LostForm(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        case = self.case
        if not can(request.user, "renewal.work", case.store_id):
            raise PermissionDenied
        if "reason" in request.POST:
            form = LostForm(request.POST)
            if form.is_valid():
                try:
                    services.mark_lost(actor=request.user, case=case, reason=form.cleaned_data["reason"],
                                       insurer=form.cleaned_data["insurer"], channel=form.cleaned_data["channel"],
                                       note=form.cleaned_data["note"])
                except ValidationError as exc:
                    form.add_error(None, _error_text(exc))
                else:
                    messages.success(request, _("Recorded as lost."))
                    return redirect("renewals:case_detail", pk=case.pk)
            return self.render_to_response(self.get_context_data(lost_form=form), status=400)
        form = ContactForm(request.POST)
        if form.is_valid():
            try:
                services.log_contact(actor=request.user, case=case, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, _("Call logged."))
                return redirect(request.POST.get("next") or reverse("renewals:case_detail", args=[case.pk]))
        return self.render_to_response(self.get_context_data(contact_form=form), status=400)


class ReassignView(ActionRequiredMixin, View):
    """POST from the case list: the chosen cases go to another specialist."""

    required_action = "renewal.assign"

    def post(self, request, *args, **kwargs):
        stores = stores_where(request.user, "renewal.assign")
        form = ReassignForm(request.POST, users=assignable(stores))
        cases = RenewalCase.objects.restrict(request.user, "assign").filter(pk__in=request.POST.getlist("case"))
        if not form.is_valid() or not cases:
            messages.error(request, _("Choose the cases and the specialist to give them to."))
        else:
            try:
                count = services.reassign(actor=request.user, cases=list(cases), to=form.cleaned_data["to"])
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
            else:
                messages.success(request, _("%(count)s cases reassigned.") % {"count": count})
        return redirect(request.POST.get("next") or reverse("renewals:case_list"))


class BoardView(ActionRequiredMixin, TemplateView):
    """The supervisor's view of every specialist's load and progress, and the
    month's targets against the renewals achieved."""

    required_action = "renewal.assign"
    template_name = "renewals/board.html"

    def get_context_data(self, target_form=None, **kwargs):
        today = timezone.localdate()
        month = today.replace(day=1)
        users = assignable(stores_where(self.request.user, "renewal.assign"))
        return super().get_context_data(
            rows=selectors.board(self.request.user, today), today=today, month=month,
            targets=selectors.attainment(self.request.user, month),
            segments=selectors.segment_rates(self.request.user, month),
            target_form=target_form or TargetForm(users=users, initial={"month": month}),
            may_run=can(self.request.user, "renewal.run"),
            aging_flag=statement_selectors.aging_flag(self.request.user), **kwargs)

    def post(self, request, *args, **kwargs):
        stores = stores_where(request.user, "renewal.assign")
        form = TargetForm(request.POST, users=assignable(stores))
        if form.is_valid():
            specialist = form.cleaned_data["specialist"]
            store = stores.filter(staff_roles__user=specialist).first()
            try:
                services.set_target(actor=request.user, store=store, specialist=specialist,
                                    month=form.cleaned_data["month"], target=form.cleaned_data["target"])
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, _("Target saved."))
                return redirect("renewals:board")
        return self.render_to_response(self.get_context_data(target_form=form), status=400)


class RunDailyView(ActionRequiredMixin, View):
    """A supervisor runs the daily job now (it is idempotent: a second run adds nothing)."""

    required_action = "renewal.run"

    def post(self, request, *args, **kwargs):
        results = run_daily()
        messages.success(request, _("Daily job done: %(results)s.") % {
            "results": ", ".join(f"{r.name} {r.changed}" for r in results)})
        return redirect("renewals:board")


class RuleListView(ActionRequiredMixin, TemplateView):
    required_action = "renewal.view"
    template_name = "renewals/rules.html"

    def get_context_data(self, form=None, **kwargs):
        user = self.request.user
        configurable = stores_where(user, "renewal.configure")
        visible = stores_where(user, "renewal.view")
        models = (RenewalModel.objects.filter(group__in=visible.values("group"))
                  .filter(Q(store__isnull=True) | Q(store__in=visible)).select_related("store", "group"))
        return super().get_context_data(
            models=models,
            rules=ReminderRule.objects.restrict(user, "view").select_related("store"),
            form=form or (ReminderRuleForm(stores=configurable) if configurable.exists() else None), **kwargs)

    def post(self, request, *args, **kwargs):
        stores = stores_where(request.user, "renewal.configure")
        rule = None
        if pk := request.POST.get("rule"):
            rule = ReminderRule.objects.restrict(request.user, "configure").get_or_404(pk=pk)
        form = ReminderRuleForm(request.POST, instance=rule, stores=stores)
        if form.is_valid():
            try:
                services.save_rule(actor=request.user, rule=rule, data=form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, _("Reminder rule saved."))
                return redirect("renewals:rules")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LostSummaryView(ActionRequiredMixin, TemplateView):
    """续保战败总结: the month's lost renewals by specialist, reason and competitor."""

    required_action = "renewal.view"
    template_name = "renewals/lost_summary.html"

    def get_context_data(self, **kwargs):
        try:
            month = dt.date.fromisoformat(self.request.GET.get("month", "") + "-01")
        except ValueError:
            month = timezone.localdate().replace(day=1)
        summary = selectors.lost_summary(self.request.user, month)
        from chexian.renewals.choices import LostReason

        labels = dict(LostReason.choices)
        for row in summary["by_reason"]:
            row["reason_label"] = labels.get(row["lost_reason"], row["lost_reason"])
        return super().get_context_data(month=month, summary=summary, **kwargs)


class LapsedView(ActionRequiredMixin, TemplateView):
    """脱保 and 流失: cars whose cover here ended one to three years ago, or longer — to win back;
    and 在修不在保 (``segment=serviced``): cars serviced here in the last year but not insured here."""

    required_action = "renewal.view"
    template_name = "renewals/lapsed.html"

    def get_context_data(self, **kwargs):
        segment = self.request.GET.get("segment")
        today = timezone.localdate()
        if segment == "serviced":
            vehicles = aftersales_selectors.serviced_not_insured(self.request.user, today)
        else:
            segment = "gone" if segment == "gone" else "lapsed"
            vehicles = selectors.lapsed(self.request.user, today, segment)
        return super().get_context_data(segment=segment, vehicles=vehicles[:200], total=vehicles.count(), **kwargs)
