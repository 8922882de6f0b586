"""Pages of leads: the referral form for any department on a phone, the desk's
list and follow-up, and the linkage leaderboard (公示), also full-screen for the
store's TV. Scoped as everywhere: ``restrict``, ``get_or_404``, services."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from chexian.core.views import ActionRequiredMixin, ObjectListView, apply_service_error, field_rows
from chexian.core.views import StoreChoiceMixin as BaseStoreChoiceMixin
from chexian.leads import services
from chexian.leads.choices import LeadSource, LeadStatus
from chexian.leads.forms import FollowUpForm, LeadForm, ReferralForm
from chexian.leads.models import Lead
from chexian.org.permissions import can


class StoreChoiceMixin(BaseStoreChoiceMixin):
    """The store a lead is logged in: the user's only one, or chosen."""

    store_action = "lead.add"

    def capture(self, form, **extra):
        """The lead of a valid form in the chosen store, or None with the errors on the form."""
        if not form.is_valid():
            return None
        store = self.chosen_store()
        if store is None:
            form.add_error(None, _("Choose the store."))
            return None
        try:
            return services.capture_lead(actor=self.request.user, store=store, data={**form.cleaned_data, **extra})
        except ValidationError as exc:
            apply_service_error(form, exc)
            return None


class ReferralView(ActionRequiredMixin, StoreChoiceMixin, TemplateView):
    """联动: a department logs a customer for the insurance desk."""

    required_action = "lead.add"
    template_name = "leads/referral.html"

    def get_context_data(self, form=None, **kwargs):
        mine = Lead.objects.filter(referred_by=self.request.user).order_by("-created_at")[:10]
        return super().get_context_data(form=form or ReferralForm(), stores=self.stores(), mine=mine, **kwargs)

    def post(self, request, *args, **kwargs):
        form = ReferralForm(request.POST)
        if self.capture(form, source=LeadSource.REFERRAL) is not None:
            messages.success(request, _("Thank you: the insurance desk will follow up."))
            return redirect("leads:referral")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LeadFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=gettext_lazy("Search"),
                                  widget=django_forms.TextInput(attrs={"type": "search"}))
    status = django_filters.ChoiceFilter(choices=LeadStatus.choices, label=gettext_lazy("Status"))
    source = django_filters.ChoiceFilter(choices=LeadSource.choices, label=gettext_lazy("Source"))

    class Meta:
        model = Lead
        fields = ["q", "status", "source"]

    def search(self, queryset, name, value):
        from django.db.models import Q

        value = value.strip()
        return queryset.filter(Q(name__startswith=value) | Q(plate__icontains=value.upper()) | Q(mobile=value)) \
            if value else queryset


class LeadListView(ObjectListView):
    required_action = "lead.view"
    filterset_class = LeadFilterSet
    template_name = "leads/lead_list.html"
    title = gettext_lazy("Intention customers and referrals")
    add_action = "lead.work"
    add_url_name = "leads:lead_create"

    def get_queryset(self):
        return (Lead.objects.restrict(self.request.user, "view")
                .select_related("store", "department", "referred_by", "assigned_to").order_by("-created_at", "-pk"))


class LeadCreateView(ActionRequiredMixin, StoreChoiceMixin, TemplateView):
    required_action = "lead.work"
    template_name = "leads/lead_form.html"
    store_action = "lead.work"

    def get_context_data(self, form=None, **kwargs):
        return super().get_context_data(form=form or LeadForm(), stores=self.stores(), **kwargs)

    def post(self, request, *args, **kwargs):
        form = LeadForm(request.POST)
        if (lead := self.capture(form)) is not None:
            return redirect("leads:lead_detail", pk=lead.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LeadDetailView(ActionRequiredMixin, TemplateView):
    required_action = "lead.view"
    template_name = "leads/lead_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.lead = (Lead.objects.restrict(request.user, "view")
                         .select_related("store", "department", "referred_by", "assigned_to", "vehicle",
                                         "converted_policy__insurer", "created_by")
                         .get_or_404(pk=kwargs["pk"]))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, **kwargs):
        lead = self.lead
        may_work = lead.status in services.OPEN and can(self.request.user, "lead.work", lead.store_id)
        return super().get_context_data(
            lead=lead,
            properties=field_rows(lead, ["store", "status", "source", "name", "mobile", "plate", "vehicle", "note",
                                         "department", "referred_by", "created_by", "assigned_to", "next_follow_up",
                                         "converted_policy", "converted_at"]),
            follow_ups=lead.follow_ups.select_related("by"),
            form=form or FollowUpForm(), may_work=may_work,
            may_quote=lead.vehicle_id and can(self.request.user, "quote.add", lead.store_id), **kwargs)

    def post(self, request, *args, **kwargs):
        if not can(request.user, "lead.work", self.lead.store_id):
            raise PermissionDenied
        form = FollowUpForm(request.POST)
        if form.is_valid():
            try:
                services.follow_up(actor=request.user, lead=self.lead, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Follow-up recorded."))
                return redirect("leads:lead_detail", pk=self.lead.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LeaderboardView(ActionRequiredMixin, TemplateView):
    """联动公示: this month's referrals and conversions per department and person."""

    required_action = "lead.board"
    template_name = "leads/leaderboard.html"
    refresh_seconds = None

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        try:
            since = dt.date.fromisoformat(self.request.GET.get("month", "") + "-01")
        except ValueError:
            since = today.replace(day=1)
        until = (since.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        return super().get_context_data(board=services.leaderboard(self.request.user, since, until), since=since,
                                         refresh_seconds=self.refresh_seconds, now=timezone.localtime(), **kwargs)


class LeaderboardTVView(LeaderboardView):
    """The same board full-screen for the store's TV; it reloads itself every minute."""

    template_name = "leads/leaderboard_tv.html"
    refresh_seconds = 60


# ---------------------------------------------------------------- customer visits (回访)
class VisitListView(ActionRequiredMixin, TemplateView):
    """回访: the policies whose customer is due a visit, and the visits recorded."""

    required_action = "lead.work"
    template_name = "leads/visits.html"

    def get_context_data(self, **kwargs):
        from chexian.leads.forms import VisitForm
        from chexian.leads.models import CustomerVisit

        today = timezone.localdate()
        return super().get_context_data(
            due=services.visits_due(self.request.user, today)[:100],
            claims_due=services.claim_visits_due(self.request.user, today)[:100],
            recent=CustomerVisit.objects.restrict(self.request.user, "view")
            .select_related("customer", "policy", "by")[:30],
            form=VisitForm(), **kwargs)

    def post(self, request, *args, **kwargs):
        from chexian.claims.models import ClaimCase
        from chexian.leads.forms import VisitForm
        from chexian.policies.models import Policy

        form = VisitForm(request.POST)
        case = policy = None
        if request.POST.get("claim"):
            case = ClaimCase.objects.restrict(request.user, "view").get_or_404(pk=request.POST.get("claim"))
        else:
            policy = Policy.objects.restrict(request.user, "view").get_or_404(pk=request.POST.get("policy"))
        if form.is_valid():
            try:
                if case is not None:
                    services.record_claim_visit(actor=request.user, case=case, **form.cleaned_data)
                else:
                    services.record_visit(actor=request.user, policy=policy, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
            else:
                messages.success(request, _("Visit recorded."))
        else:
            messages.error(request, _("Choose the customer's satisfaction, 1 to 5."))
        return redirect("leads:visits")


# ---------------------------------------------------------------- repair opportunities (留修机会)
class RepairListView(ActionRequiredMixin, StoreChoiceMixin, TemplateView):
    """Note damage on a visiting car (anyone, from a phone); after-sales records the outcome."""

    required_action = "lead.add"
    template_name = "leads/repairs.html"

    def get_context_data(self, form=None, **kwargs):
        from chexian.leads.forms import RepairNoteForm, RepairOutcomeForm
        from chexian.leads.models import RepairOpportunity

        user = self.request.user
        today = timezone.localdate()
        visible = RepairOpportunity.objects.restrict(user, "view") if can(user, "lead.view") else \
            RepairOpportunity.objects.filter(noticed_by=user)
        return super().get_context_data(
            form=form or RepairNoteForm(), stores=self.stores(),
            opportunities=visible.select_related("store", "noticed_by", "department")[:100],
            may_work=can(user, "repair.work"), outcome_form=RepairOutcomeForm(),
            retention=services.repair_retention(user, today.replace(day=1), today), **kwargs)

    def post(self, request, *args, **kwargs):
        from chexian.leads.forms import RepairNoteForm, RepairOutcomeForm
        from chexian.leads.models import RepairOpportunity

        if pk := request.POST.get("opportunity"):
            opportunity = RepairOpportunity.objects.restrict(request.user, "view").get_or_404(pk=pk)
            form = RepairOutcomeForm(request.POST)
            if form.is_valid():
                try:
                    services.update_repair(actor=request.user, opportunity=opportunity, **form.cleaned_data)
                except ValidationError as exc:
                    messages.error(request, "; ".join(exc.messages))
                else:
                    messages.success(request, _("Outcome recorded."))
            return redirect("leads:repairs")
        form = RepairNoteForm(request.POST)
        store = self.chosen_store()
        if form.is_valid():
            if store is None:
                form.add_error(None, _("Choose the store."))
            else:
                try:
                    services.note_repair(actor=request.user, store=store, **form.cleaned_data)
                except ValidationError as exc:
                    apply_service_error(form, exc)
                else:
                    messages.success(request, _("Thank you: after-sales will offer the repair."))
                    return redirect("leads:repairs")
        return self.render_to_response(self.get_context_data(form=form), status=400)
