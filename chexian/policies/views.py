"""Pages for policies (SPEC §3.3): the list, the policy, the guided issuing flow
of the seed's six steps, endorsement and cancellation.

Scoping as everywhere: lists go through ``restrict(user, action)``; one policy
is looked up with ``restrict(user, "view").get_or_404(pk=…)``, so another
store's policy is the same 404 as a missing one; what the user may do with a
policy they can see is checked against its store (403). The writing is done by
``services``; their ``ValidationError`` goes back onto the form.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, View

from chexian.core.models import AuditLog
from chexian.core.views import ActionRequiredMixin, ObjectExportView, ObjectListView, ObjectMixin, field_rows
from chexian.customers import selectors
from chexian.customers.forms import staff_label, stores_where
from chexian.customers.models import Vehicle
from chexian.org.permissions import can
from chexian.policies import services
from chexian.policies.choices import (
    DOCUMENT_LABELS,
    REQUIRED_DOCUMENTS,
    BusinessType,
    EndorsementKind,
    IssueStep,
    PolicyLine,
    PolicySource,
    PolicyStatus,
)
from chexian.policies.filtersets import PolicyFilterSet
from chexian.policies.forms import (
    STEPS,
    IssueFlow,
    PolicyCancelForm,
    PolicyEndorseForm,
    issuing_vehicles,
    suggested_start,
    vehicle_label,
)
from chexian.policies.models import Cancellation, Endorsement, Policy, PolicyCoverage

AUDIT_ENTRIES_SHOWN = 50
PICKER_RESULTS = 20
HISTORY_SHOWN = 20
# The step indicator names the seed's steps as the desk says them (引导: 1 介绍 2 方案
# 3 录入 4 缴费打印 5 确认 6 归档), with the translated label under each.
STEP_SHORT_NAMES = {
    IssueStep.INTRODUCE: "介绍",
    IssueStep.PLAN: "方案",
    IssueStep.ENTER: "录入",
    IssueStep.PAY_PRINT: "缴费打印",
    IssueStep.CONFIRM: "确认",
    IssueStep.ARCHIVE: "归档",
}
ENDORSE_KINDS = [EndorsementKind.PLATE, EndorsementKind.OWNER, EndorsementKind.COVERAGE, EndorsementKind.OTHER]


class PolicyObjectMixin(ObjectMixin):
    model = Policy

    def get_queryset(self):
        return Policy.objects.restrict(self.request.user, "view").select_related(
            "store", "vehicle", "vehicle__owner", "policyholder", "insurer", "contract", "issuer", "salesperson"
        )


# ---------------------------------------------------------------- list and detail
class PolicyListView(ObjectListView):
    required_action = "policy.view"
    filterset_class = PolicyFilterSet
    template_name = "policies/policy_list.html"
    title = gettext_lazy("Policies")
    add_action, add_url_name = "policy.add", "policies:policy_issue"
    export_action, export_url_name = "policy.export", "policies:policy_export"

    def get_queryset(self):
        return Policy.objects.restrict(self.request.user, "view").select_related(
            "store", "insurer", "vehicle", "policyholder"
        )


class PolicyDetailView(ActionRequiredMixin, PolicyObjectMixin, DetailView):
    required_action = "policy.view"
    template_name = "policies/policy_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, policy = self.request.user, self.object
        in_force = policy.status == PolicyStatus.IN_FORCE
        cancellation = Cancellation.objects.filter(policy=policy).select_related("created_by").first()
        context.update(
            properties=field_rows(
                policy,
                ["store", "line", "clause_family", "business_type", "status", "insurer", "number", "confirm_code",
                 "insured_name", "start_date", "end_date", "short_term_reason", "issued_on", "issuer",
                 "salesperson", "source", "quote", "lead_source", "payment_ref", "payer_is_policyholder",
                 "blank_form_serial"],
                {
                    "issuer": staff_label(policy.issuer) if policy.issuer else "",
                    "salesperson": staff_label(policy.salesperson) if policy.salesperson else "",
                },
            ),
            money_rows=field_rows(policy, ["premium", "premium_without_vat", "vat", "vehicle_tax"]),
            commission_rows=field_rows(
                policy, ["contract", "commission_rate", "commission_base_amount", "commission_amount"]
            ),
            coverages=PolicyCoverage.objects.filter(policy=policy)
            .select_related("coverage")
            .order_by("coverage__sort_order", "coverage__code"),
            endorsements=Endorsement.objects.restrict(user, "view")
            .filter(policy=policy)
            .select_related("created_by"),
            cancellation=cancellation,
            documents=[
                (label, key in policy.documents)
                for key, label in DOCUMENT_LABELS.items()
                if key in policy.documents or key in REQUIRED_DOCUMENTS.get(policy.business_type, ())
            ],
            can_endorse=in_force and can(user, "policy.change", policy.store_id),
            can_cancel=in_force and can(user, "policy.cancel", policy.store_id),
            sibling_url=self.sibling_url(policy),
            audit_entries=self.audit_entries(policy, cancellation),
            **self.incentives(policy),
        )
        return context

    def incentives(self, policy) -> dict:
        """Gifts and rebates recorded against the policy (SPEC §3.7), shown with the compliance warning."""
        from chexian.incentives.models import Incentive

        user = self.request.user
        if not can(user, "incentive.view", policy.store_id):
            return {"incentives": None, "can_record_incentive": False}
        return {
            "incentives": Incentive.objects.restrict(user, "view").filter(policy=policy)
            .select_related("recorded_by", "decided_by"),
            "can_record_incentive": can(user, "incentive.add", policy.store_id),
        }

    def sibling_url(self, policy) -> str:
        """From a quote: the link to issue the other motor line of the same chosen offer."""
        if policy.source != PolicySource.QUOTE or not policy.quote_id:
            return ""
        if not can(self.request.user, "policy.add", policy.store_id):
            return ""
        other = PolicyLine.CTPL if policy.line == PolicyLine.COMMERCIAL else PolicyLine.COMMERCIAL
        if Policy.objects.filter(quote_id=policy.quote_id, line=other).exclude(status=PolicyStatus.CANCELLED).exists():
            return ""
        return reverse("policies:policy_issue") + f"?quote={policy.quote_id}&line={other}"

    def audit_entries(self, policy, cancellation):
        """The policy's entries with those of its endorsements and cancellation."""
        if not can(self.request.user, "audit.view", policy.store_id):
            return None
        types = ContentType.objects.get_for_models(Policy, Endorsement, Cancellation)
        query = Q(content_type=types[Policy], object_id=str(policy.pk)) | Q(
            content_type=types[Endorsement],
            object_id__in=[str(pk) for pk in Endorsement.objects.filter(policy=policy).values_list("pk", flat=True)],
        )
        if cancellation is not None:
            query |= Q(content_type=types[Cancellation], object_id=str(cancellation.pk))
        return AuditLog.objects.restrict(self.request.user).filter(query)[:AUDIT_ENTRIES_SHOWN]


# ---------------------------------------------------------------- the guided flow
class PolicyIssueView(ActionRequiredMixin, View):
    """policy_issue: the seed's six steps (introduce → plan → enter → pay & print →
    confirm → archive) on one page, one step at a time.

    ``GET`` without ``flow`` starts a flow (``?quote=`` from a quote's chosen offer,
    ``?vehicle=`` from a vehicle's page, ``&line=`` optional) and redirects to its
    first step; ``GET ?flow=…&step=…`` shows a step (earlier ones to go back);
    ``POST`` keeps a step's input and moves on. Only the last step's ``POST`` calls
    ``issue_policy``; a refusal goes back to the step holding the offending field.
    """

    required_action = "policy.add"
    template_name = "policies/policy_issue.html"

    def get(self, request):
        flow = IssueFlow.load(request, request.GET.get("flow"))
        if flow is None:
            flow = self.start(request)
            return redirect(flow.url(IssueStep.INTRODUCE))
        step = request.GET.get("step", "")
        if step not in STEPS or not flow.reachable(step):
            return redirect(flow.url(flow.first_incomplete() or IssueStep.ARCHIVE))
        return self.render_step(flow, step, flow.form(step))

    def post(self, request):
        flow = IssueFlow.load(request, request.POST.get("flow"))
        if flow is None:
            messages.error(request, _("This issuing session has ended; start again."))
            return redirect("policies:policy_issue")
        step = request.POST.get("step", "")
        if step not in STEPS or not flow.reachable(step):
            return redirect(flow.url(flow.first_incomplete() or IssueStep.ARCHIVE))
        form = flow.form(step, data=request.POST)
        if not form.is_valid():
            return self.render_step(flow, step, form)
        flow.store(step, form)
        if step != IssueStep.ARCHIVE:
            return redirect(flow.url(STEPS[STEPS.index(step) + 1]))
        return self.issue(flow)

    def start(self, request) -> IssueFlow:
        user = request.user
        line = request.GET.get("line", "")
        line = line if line in PolicyLine.values else ""
        if pk := request.GET.get("quote", ""):
            from chexian.quotes.models import Quote

            quote = (
                Quote.objects.restrict(user, "view")
                .filter(store__in=stores_where(user, "policy.add"))
                .select_related("vehicle", "chosen_offer")
                .get_or_404(pk=pk)
            )
            if quote.chosen_offer is None:
                # Without a chosen offer there is nothing to issue from: direct entry for the same car.
                messages.warning(request, _("This quote has no chosen insurer yet: enter the plan by hand."))
                return IssueFlow.start(request, vehicle=quote.vehicle, line=line)
            return IssueFlow.start(request, quote=quote, line=line)
        vehicle = None
        if pk := request.GET.get("vehicle", ""):
            vehicle = issuing_vehicles(user).get_or_404(pk=pk)
        return IssueFlow.start(request, vehicle=vehicle, line=line)

    def issue(self, flow: IssueFlow):
        first = flow.first_incomplete()
        if first is not None:
            # A stored step no longer validates (e.g. the vehicle left the user's stores).
            return redirect(flow.url(first))
        try:
            policy = services.issue_policy(
                actor=self.request.user, data=flow.policy_input(), source=flow.source, quote=flow.quote
            )
        except ValidationError as exc:
            step = flow.record_errors(exc)
            messages.error(self.request, _("The policy was not issued: correct what is marked and try again."))
            for other_step, errors in flow.state["errors"].items():
                if other_step == step:
                    continue
                for field, field_errors in errors.items():
                    for error in field_errors:
                        messages.error(self.request, f"{IssueStep(other_step).label} · {field_label(field)}: {error}")
            return redirect(flow.url(step))
        flow.discard()
        messages.success(
            self.request,
            _("Issued %(policy)s (%(business_type)s).")
            % {"policy": policy, "business_type": policy.get_business_type_display()},
        )
        return redirect("policies:policy_detail", pk=policy.pk)

    def render_step(self, flow: IssueFlow, step: str, form):
        context = {
            "title": _("Issue a policy"),
            "flow": flow,
            "step": step,
            "step_label": IssueStep(step).label,
            "form": form,
            "steps": self.step_indicator(flow, step),
            "back_url": flow.url(STEPS[STEPS.index(step) - 1]) if step != IssueStep.INTRODUCE else "",
            "cancel_url": reverse("policies:policy_list"),
            "quote": flow.quote,
            "offer": flow.offer,
        }
        if step == IssueStep.INTRODUCE:
            pk, line = str(form["vehicle"].value() or ""), form["line"].value()
            vehicle = issuing_vehicles(self.request.user).filter(pk=pk).first() if pk.isdigit() else None
            line = line if line in PolicyLine.values else PolicyLine.COMMERCIAL
            context["preview"] = issue_preview(self.request.user, vehicle, line) if vehicle else None
        else:
            context["summary"] = self.summary(flow, step)
        if step == IssueStep.ARCHIVE:
            context["required_documents"] = flow.required_documents()
        return render(self.request, self.template_name, context)

    def step_indicator(self, flow: IssueFlow, current: str) -> list[dict]:
        first = flow.first_incomplete()
        done_until = STEPS.index(first) if first else len(STEPS)
        errors = flow.state.get("errors", {})
        return [
            {
                "number": i + 1,
                "step": step,
                "short": STEP_SHORT_NAMES[step],
                # In Chinese the label is the short name again: shown once.
                "label": "" if str(IssueStep(step).label) == STEP_SHORT_NAMES[step] else IssueStep(step).label,
                "current": step == current,
                "done": i < done_until,
                "url": flow.url(step) if i <= done_until and step != current else "",
                "has_errors": step in errors,
            }
            for i, step in enumerate(STEPS)
        ]

    def summary(self, flow: IssueFlow, step: str) -> dict:
        """What has been entered so far, read back on every step after the first."""
        from chexian.insurers.services import contract_in_force

        vehicle, line = flow.vehicle, flow.line
        business_type = flow.business_type()
        summary = {
            "vehicle": vehicle,
            "vehicle_label": vehicle_label(vehicle),
            "line": PolicyLine(line).label,
            "clause_family": services.clause_family_for(vehicle, line),
            "start_date": flow.start_date(),
            "business_type": business_type,
            "business_type_label": BusinessType(business_type).label,
            "required_documents": [DOCUMENT_LABELS[d] for d in flow.required_documents()],
        }
        if plan := flow.cleaned(IssueStep.PLAN):
            summary["coverages"] = plan["coverages"]
        if enter := flow.cleaned(IssueStep.ENTER):
            summary["enter"] = enter
            contract = contract_in_force(vehicle.store_id, enter["insurer"], timezone.localdate())
            summary["contract"] = contract
            if contract is not None:
                rate, base, amount = services.commission_for(
                    contract, line, services.clause_family_for(vehicle, line), enter["premium"],
                    enter["premium_without_vat"],
                )
                summary["commission"] = {"rate": rate, "base": base, "amount": amount}
        if pay := flow.cleaned(IssueStep.PAY_PRINT):
            summary["pay"] = pay
        if confirm := flow.cleaned(IssueStep.CONFIRM):
            summary["confirm"] = confirm
        return summary


def field_label(name: str) -> str:
    try:
        return capfirst(Policy._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a service's error key that is no model field
        return capfirst(name.replace("_", " "))


def issue_preview(user, vehicle, line: str) -> dict:
    """The introduce step's panel: the vehicle's policies, the business type the new
    policy will have (derived, never typed) and the documents to collect for it."""
    start = suggested_start(vehicle, line)
    business_type = services.derive_business_type(vehicle, line, start)
    history = (
        Policy.objects.restrict(user, "view")
        .filter(vehicle=vehicle)
        .select_related("insurer")
        .order_by("-start_date", "-id")[:HISTORY_SHOWN]
    )
    return {
        "vehicle": vehicle,
        "line": PolicyLine(line).label,
        "start_date": start,
        "business_type": business_type,
        "business_type_label": BusinessType(business_type).label,
        "documents": [DOCUMENT_LABELS[d] for d in REQUIRED_DOCUMENTS[business_type]],
        "history": history,
        "clause_family": services.clause_family_for(vehicle, line),
    }


class PolicyIssuePreviewView(ActionRequiredMixin, View):
    """GET (htmx): the introduce step's panel for the vehicle and line chosen."""

    required_action = "policy.add"

    def get(self, request):
        line = request.GET.get("line", "")
        line = line if line in PolicyLine.values else PolicyLine.COMMERCIAL
        pk = request.GET.get("vehicle", "")
        vehicle = issuing_vehicles(request.user).select_related("owner").filter(pk=pk).first() if pk.isdigit() else None
        preview = issue_preview(request.user, vehicle, line) if vehicle else None
        return render(request, "policies/policy_issue_preview.html", {"preview": preview})


class VehicleChoicesView(ActionRequiredMixin, View):
    """GET (htmx): ``<option>``s of the vehicles matching ``q`` that the user may issue for."""

    required_action = "policy.add"

    def get(self, request):
        vehicles: list[Vehicle] = []
        if term := request.GET.get("q", "").strip():
            vehicles = list(
                selectors.search_vehicles(request.user, term)
                .filter(pk__in=issuing_vehicles(request.user).values("pk"))
                .order_by("plate", "pk")[:PICKER_RESULTS]
            )
        options = [(v.pk, vehicle_label(v)) for v in vehicles]
        return render(request, "policies/vehicle_options.html", {"options": options, "q": term})


# ---------------------------------------------------------------- endorse and cancel
class PolicyEndorseView(ActionRequiredMixin, PolicyObjectMixin, FormView):
    """批改: ``?kind=plate|owner|coverage|other`` chooses the fields; ``endorse_policy`` decides."""

    required_action = "policy.change"
    object_action = "policy.change"
    form_class = PolicyEndorseForm
    template_name = "policies/policy_endorse.html"

    def get_queryset(self):
        return super().get_queryset().prefetch_related(
            Prefetch("coverages", queryset=PolicyCoverage.objects.select_related("coverage"))
        )

    @property
    def kind(self) -> str:
        kind = self.request.POST.get("kind") or self.request.GET.get("kind") or EndorsementKind.PLATE
        if kind not in ENDORSE_KINDS:
            raise Http404
        return kind

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, policy=self.object, kind=self.kind)
        return kwargs

    def form_valid(self, form):
        try:
            services.endorse_policy(actor=self.request.user, policy=self.object, **form.service_kwargs())
        except ValidationError as exc:
            form.add_service_error(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Endorsed %(policy)s.") % {"policy": self.object})
        return redirect("policies:policy_detail", pk=self.object.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind = self.kind
        context.update(
            object=self.object,
            title=_("Endorse %(policy)s") % {"policy": self.object},
            kind=kind,
            kinds=[(k, EndorsementKind(k).label, k == kind) for k in ENDORSE_KINDS],
            form_id="endorse-form",
            cancel_url=reverse("policies:policy_detail", kwargs={"pk": self.object.pk}),
        )
        return context


class PolicyCancelView(ActionRequiredMixin, PolicyObjectMixin, FormView):
    """退保: the reason, the date and the refund; ``cancel_policy`` decides."""

    required_action = "policy.cancel"
    object_action = "policy.cancel"
    form_class = PolicyCancelForm
    template_name = "policies/policy_cancel.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, policy=self.object)
        return kwargs

    def form_valid(self, form):
        try:
            services.cancel_policy(actor=self.request.user, policy=self.object, **form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Cancelled %(policy)s.") % {"policy": self.object})
        return redirect("policies:policy_detail", pk=self.object.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            title=_("Cancel %(policy)s") % {"policy": self.object},
            form_id="cancel-form",
            cancel_url=reverse("policies:policy_detail", kwargs={"pk": self.object.pk}),
        )
        return context



class PolicyExportView(ObjectExportView):
    """The filtered policy list as CSV: one audit entry per store whose policies left."""

    required_action = "policy.export"
    filterset_class = PolicyFilterSet
    list_url_name = "policies:policy_list"

    def get_queryset(self):
        return Policy.objects.restrict(self.request.user, "export").select_related(
            "store", "insurer", "vehicle", "policyholder"
        )

    def export(self, *, user, queryset, filters, reason):
        from chexian.customers.exports import csv_response

        return csv_response(
            user=user, queryset=queryset, columns=policy_columns(), basename="policies", filters=filters,
            reason=reason,
        )


def policy_columns():
    return [
        (_("Store"), lambda p: p.store.code),
        (_("Policy number"), lambda p: p.number),
        (_("Insurer"), lambda p: p.insurer.short_name),
        (_("Line"), lambda p: p.get_line_display()),
        (_("Business type"), lambda p: p.get_business_type_display()),
        (_("Status"), lambda p: p.get_status_display()),
        (_("Plate"), lambda p: p.vehicle.plate),
        (_("VIN"), lambda p: p.vehicle.vin),
        (_("Policyholder"), lambda p: p.policyholder.name),
        (_("Start date"), lambda p: p.start_date.isoformat()),
        (_("End date"), lambda p: p.end_date.isoformat()),
        (_("Premium"), lambda p: p.premium),
        (_("Premium excluding VAT"), lambda p: p.premium_without_vat),
        (_("VAT"), lambda p: p.vat),
        (_("Vehicle and vessel tax"), lambda p: p.vehicle_tax),
        (_("Commission rate (%)"), lambda p: p.commission_rate),
        (_("Commission"), lambda p: p.commission_amount),
        (_("Issue date"), lambda p: p.issued_on.isoformat()),
    ]
