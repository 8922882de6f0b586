"""Pages for partner insurers, agency contracts and agency licences (SPEC §3.10),
NetBox-style: each view declares its queryset, filterset, form and template, and
delegates the writing to ``services``.

Scoping: lists go through ``restrict(user, action)``; a single object is looked
up with ``restrict(user, "view").get_or_404(pk=…)``, so another store's contract
is the same 404 as a missing one. The moves of the approval flow need their
matrix action (``services.MOVE_ACTIONS``) in the contract's store: 403 otherwise.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView

from chexian.core.models import AuditLog
from chexian.core.views import ActionRequiredMixin, ObjectEditView, ObjectListView, ObjectMixin, field_rows
from chexian.insurers import services
from chexian.insurers.choices import ContractStatus
from chexian.insurers.filtersets import (
    AgencyContractFilterSet,
    AgencyLicenceFilterSet,
    InsurerFilterSet,
    contract_stores,
)
from chexian.insurers.forms import AgencyLicenceForm, ContractDecisionForm, ContractProposeForm, LegalReviewForm
from chexian.insurers.models import AgencyContract, AgencyLicence, Insurer
from chexian.org.permissions import can

AUDIT_ENTRIES_SHOWN = 50
S = ContractStatus

# Badge colour per status (the stylesheet has green and the neutral default).
STATUS_BADGES = {S.ACTIVE: "green"}

# The page and button of each move: (url name, button label, button id).
MOVES = {
    S.APPROVED: ("insurers:contract_approve", gettext_lazy("Approve"), "approve-contract"),
    S.REJECTED: ("insurers:contract_reject", gettext_lazy("Reject"), "reject-contract"),
    S.ACTIVE: ("insurers:contract_legal_review", gettext_lazy("Record legal review"), "legal-review-contract"),
    S.TERMINATED: ("insurers:contract_terminate", gettext_lazy("Terminate"), "terminate-contract"),
}


def audit_entries(user, obj):
    if not can(user, "audit.view", obj.store_id):
        return None
    return AuditLog.objects.restrict(user).for_object(obj)[:AUDIT_ENTRIES_SHOWN]


# ---------------------------------------------------------------- insurers
class InsurerListView(ObjectListView):
    """Every insurer, and for each of the user's stores whether a contract with it is in force today."""

    required_action = "insurer.view"
    filterset_class = InsurerFilterSet
    template_name = "insurers/insurer_list.html"
    title = gettext_lazy("Insurers")

    def get_queryset(self):
        return Insurer.objects.restrict(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = context["filter"]
        stores = contract_stores(self.request)
        chosen = filterset.form.cleaned_data.get("store") if filterset.is_bound and filterset.is_valid() else None
        if chosen is not None:
            stores = stores.filter(pk=chosen.pk)
        stores = list(stores)
        insurers = list(context["object_list"])
        today = timezone.localdate()
        in_force = {
            (insurer_id, store_id): pk
            for insurer_id, store_id, pk in AgencyContract.objects.restrict(self.request.user, "view")
            .filter(
                store__in=stores,
                insurer__in=insurers,
                status=S.ACTIVE,
                valid_from__lte=today,
                valid_until__gte=today,
            )
            .values_list("insurer_id", "store_id", "pk")
        }
        for insurer in insurers:
            insurer.store_cells = [(store, in_force.get((insurer.pk, store.pk))) for store in stores]
        context.update(stores=stores, insurers=insurers, today=today)
        return context


# ---------------------------------------------------------------- contracts
class AgencyContractObjectMixin(ObjectMixin):
    model = AgencyContract

    def get_queryset(self):
        return AgencyContract.objects.restrict(self.request.user, "view").select_related(
            "store", "insurer", "proposed_by", "decided_by", "legal_reviewed_by", "replaces", "replaces__insurer"
        )


class AgencyContractListView(ObjectListView):
    required_action = "contract.view"
    filterset_class = AgencyContractFilterSet
    template_name = "insurers/contract_list.html"
    title = gettext_lazy("Agency contracts")
    add_action, add_url_name = "contract.propose", "insurers:contract_propose"

    def get_queryset(self):
        return AgencyContract.objects.restrict(self.request.user, "view").select_related(
            "store", "insurer", "proposed_by"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for contract in context["object_list"]:
            contract.badge = STATUS_BADGES.get(contract.status, "")
        return context


class AgencyContractDetailView(ActionRequiredMixin, AgencyContractObjectMixin, DetailView):
    required_action = "contract.view"
    template_name = "insurers/contract_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, contract = self.request.user, self.object
        moves = []
        for status in services.allowed_moves(user, contract):
            url_name, label, element_id = MOVES[status]
            moves.append({"url": reverse(url_name, args=[contract.pk]), "label": label, "id": element_id})
        context.update(
            badge=STATUS_BADGES.get(contract.status, ""),
            terms=field_rows(
                contract,
                ["store", "insurer", "valid_from", "valid_until", "commission_base", "parts_terms", "labour_terms",
                 "claim_payment_days", "replaces"],
            ),
            rates=field_rows(contract, ["rate_ctpl", "rate_commercial", "rate_nev_commercial", "rate_non_motor"]),
            decision=field_rows(
                contract,
                ["proposed_by", "decided_by", "decided_at", "decision_reason", "legal_reviewed_by",
                 "legal_reviewed_at", "legal_opinion"],
            ),
            events=contract.events.select_related("actor"),
            replaced_by=AgencyContract.objects.restrict(user, "view").filter(replaces=contract),
            moves=moves,
            audit_entries=audit_entries(user, contract),
        )
        return context


class AgencyContractProposeView(ObjectEditView):
    """contract_propose: a store proposes an insurer with its terms."""

    model = AgencyContract
    required_action = "contract.propose"
    form_class = ContractProposeForm
    template_name = "insurers/contract_form.html"
    detail_url_name = "insurers:contract_detail"
    list_url_name = "insurers:contract_list"

    def save(self, form):
        return services.propose_contract(
            actor=self.request.user,
            store=form.cleaned_data["store"],
            insurer=form.cleaned_data["insurer"],
            data=form.service_data(),
        )

    def success_message(self, obj):
        return _("Proposed %(object)s; the group insurance office decides on it.") % {"object": obj}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=_("Propose a partner insurer"), form_id="contract-form")
        return context


class AgencyContractMoveView(ActionRequiredMixin, AgencyContractObjectMixin, FormView):
    """One move of the approval flow: a form with the reason or the legal opinion,
    posted to the service. 403 without the move's action in the contract's store."""

    to_status: str = ""
    form_class = ContractDecisionForm
    template_name = "insurers/contract_move.html"
    title = ""
    submit_label = ""

    @property
    def required_action(self):
        return services.MOVE_ACTIONS[self.to_status]

    @property
    def object_action(self):
        return services.MOVE_ACTIONS[self.to_status]

    def get(self, request, *args, **kwargs):
        if self.to_status not in services.TRANSITIONS[self.object.status]:
            messages.error(request, services.ContractTransitionError(self.object.status, self.to_status).messages[0])
            return redirect("insurers:contract_detail", pk=self.object.pk)
        return super().get(request, *args, **kwargs)

    def move(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.move(form)
        except ValidationError as exc:
            form.add_service_error(exc)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message())
        return redirect("insurers:contract_detail", pk=self.object.pk)

    def success_message(self):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            title=self.title % {"object": self.object},
            submit_label=self.submit_label,
            form_id="move-form",
            cancel_url=reverse("insurers:contract_detail", kwargs={"pk": self.object.pk}),
            rates=field_rows(
                self.object, ["rate_ctpl", "rate_commercial", "rate_nev_commercial", "rate_non_motor"]
            ),
        )
        return context


class AgencyContractApproveView(AgencyContractMoveView):
    to_status = S.APPROVED
    title = gettext_lazy("Approve %(object)s")
    submit_label = gettext_lazy("Approve")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "reason_required": False}

    def move(self, form):
        services.approve_contract(actor=self.request.user, contract=self.object, reason=form.cleaned_data["reason"])

    def success_message(self):
        return _("Approved %(object)s; it becomes active once the legal review is recorded.") % {
            "object": self.object
        }


class AgencyContractRejectView(AgencyContractMoveView):
    to_status = S.REJECTED
    title = gettext_lazy("Reject %(object)s")
    submit_label = gettext_lazy("Reject")

    def move(self, form):
        services.reject_contract(actor=self.request.user, contract=self.object, reason=form.cleaned_data["reason"])

    def success_message(self):
        return _("Rejected %(object)s.") % {"object": self.object}


class AgencyContractLegalReviewView(AgencyContractMoveView):
    to_status = S.ACTIVE
    form_class = LegalReviewForm
    title = gettext_lazy("Legal review of %(object)s")
    submit_label = gettext_lazy("Record and activate")

    def move(self, form):
        services.record_legal_review(
            actor=self.request.user, contract=self.object, opinion=form.cleaned_data["opinion"]
        )

    def success_message(self):
        return _("Recorded the legal review; %(object)s is active.") % {"object": self.object}


class AgencyContractTerminateView(AgencyContractMoveView):
    to_status = S.TERMINATED
    title = gettext_lazy("Terminate %(object)s")
    submit_label = gettext_lazy("Terminate")

    def move(self, form):
        services.terminate_contract(
            actor=self.request.user, contract=self.object, reason=form.cleaned_data["reason"]
        )

    def success_message(self):
        return _("Terminated %(object)s.") % {"object": self.object}


# ---------------------------------------------------------------- agency licences
class AgencyLicenceObjectMixin(ObjectMixin):
    model = AgencyLicence

    def get_queryset(self):
        return AgencyLicence.objects.restrict(self.request.user, "view").select_related("store")


class AgencyLicenceListView(ObjectListView):
    required_action = "contract.view"
    filterset_class = AgencyLicenceFilterSet
    template_name = "insurers/licence_list.html"
    title = gettext_lazy("Agency licences")
    add_action, add_url_name = "contract.propose", "insurers:licence_create"

    def get_queryset(self):
        return (
            AgencyLicence.objects.restrict(self.request.user, "view")
            .select_related("store")
            .order_by("store__code", "-valid_from")
        )


class AgencyLicenceDetailView(ActionRequiredMixin, AgencyLicenceObjectMixin, DetailView):
    required_action = "contract.view"
    template_name = "insurers/licence_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, licence = self.request.user, self.object
        context.update(
            properties=field_rows(licence, ["store", "licence_no", "valid_from", "valid_until"]),
            staff=[line.strip() for line in licence.registered_staff.splitlines() if line.strip()],
            can_edit=can(user, "contract.propose", licence.store_id),
            audit_entries=audit_entries(user, licence),
        )
        return context


class AgencyLicenceEditView(AgencyLicenceObjectMixin, ObjectEditView):
    """licence_create (no pk) and licence_edit."""

    required_action = "contract.propose"
    object_action = "contract.propose"
    form_class = AgencyLicenceForm
    template_name = "insurers/licence_form.html"
    detail_url_name = "insurers:licence_detail"
    list_url_name = "insurers:licence_list"

    def save(self, form):
        return services.save_licence(
            actor=self.request.user, data=form.service_data(), licence=getattr(self, "object", None)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = context["object"]
        context["title"] = _("Edit licence %(object)s") % {"object": obj} if obj else _("Register agency licence")
        context["form_id"] = "licence-form"
        return context
