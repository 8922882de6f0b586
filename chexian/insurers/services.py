"""Workflows that write partner insurers' agency contracts and the store's agency
licence (SPEC §3.10, seed-002 §2.1–2.3). Views, the API and commands call these;
none of them saves a contract on its own.

A contract moves through the approval flow only here: the store proposes, the
group insurance office approves (or rejects), the legal review is recorded and
the contract is active; the office can later terminate it. Each move is checked
against ``TRANSITIONS``, needs the matrix action of ``MOVE_ACTIONS`` in the
contract's store, and writes a ``ContractEvent``; the saves themselves are in
the audit log through ``AuditedModel``'s signals.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from chexian.core.audit import audit_actor
from chexian.insurers.choices import PARTNER_STATUSES, ContractStatus
from chexian.insurers.models import AgencyContract, AgencyLicence, ContractEvent, Insurer
from chexian.org.models import Store
from chexian.org.permissions import can

S = ContractStatus

# The approval flow: from each status, the statuses a contract may move to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PROPOSED: (S.APPROVED, S.REJECTED),
    S.APPROVED: (S.ACTIVE, S.REJECTED),  # the legal review may still stop it
    S.ACTIVE: (S.TERMINATED,),
    S.REJECTED: (),
    S.TERMINATED: (),
}

# Who makes each move: the matrix action (org.permissions) needed in the contract's store.
# Ending a partnership changes the store's partners, so it is the group office's call too.
MOVE_ACTIONS: dict[str, str] = {
    S.APPROVED: "contract.approve",
    S.REJECTED: "contract.approve",
    S.ACTIVE: "contract.legal_review",
    S.TERMINATED: "contract.approve",
}

# What a store proposes; everything else of a contract is written by the flow.
PROPOSAL_FIELDS = (
    "valid_from", "valid_until", "rate_ctpl", "rate_commercial", "rate_nev_commercial", "rate_non_motor",
    "commission_base", "parts_terms", "labour_terms", "claim_payment_days", "replaces",
)
LICENCE_FIELDS = ("licence_no", "valid_from", "valid_until", "registered_staff")

# Months over which the store's premium is averaged for the partner limit.
PREMIUM_MONTHS = 3
CENT = Decimal("0.01")


class ContractTransitionError(ValidationError):
    """A move the approval flow does not allow from the contract's current status."""

    def __init__(self, current: str, requested: str):
        self.current = S(current)
        self.requested = S(requested)
        allowed = TRANSITIONS.get(self.current, ())
        params = {"current": _status(self.current), "requested": _status(self.requested)}
        if allowed:
            params["allowed"] = ", ".join(_status(status) for status in allowed)
            message = _(
                "A contract that is %(current)s cannot become %(requested)s; from %(current)s it can only "
                "become %(allowed)s."
            )
        else:
            message = _("A contract that is %(current)s cannot become %(requested)s: %(current)s is final.")
        super().__init__(message % params, code="contract_transition")


def _status(status: str) -> str:
    status = S(status)
    return f"“{status.label}” ({status.value})"


def allowed_moves(user, contract: AgencyContract) -> list[str]:
    """The statuses ``user`` may move ``contract`` to now (the buttons of its page)."""
    return [to for to in TRANSITIONS.get(contract.status, ()) if can(user, MOVE_ACTIONS[to], contract.store_id)]


# ---------------------------------------------------------------- queries the rules use
def contract_in_force(store, insurer, date: dt.date) -> AgencyContract | None:
    """The ACTIVE contract between ``store`` and ``insurer`` whose period covers
    ``date``, or None. A policy takes its commission rate from it (SPEC §3.3);
    without one the policy is refused. ``store`` and ``insurer`` may be objects or ids."""
    return pick_contract(active_contracts(store, insurer), date)


def active_contracts(store, insurer) -> list[AgencyContract]:
    """The ACTIVE contracts between ``store`` and ``insurer`` (a handful at most)."""
    return list(AgencyContract.objects.filter(store=store, insurer=insurer, status=S.ACTIVE))


def pick_contract(contracts, date: dt.date) -> AgencyContract | None:
    """Of ``contracts``, the one in force on ``date``: the latest start, then the latest created."""
    covering = [c for c in contracts if c.valid_from <= date <= c.valid_until]
    return max(covering, key=lambda c: (c.valid_from, c.pk), default=None)


def premium_months(today: dt.date) -> tuple[dt.date, dt.date]:
    """The three full calendar months before ``today``'s month: [start, end)."""
    end = today.replace(day=1)
    year, month = end.year, end.month - PREMIUM_MONTHS
    if month < 1:
        year, month = year - 1, month + 12
    return dt.date(year, month, 1), end


def store_monthly_premium(store, today: dt.date | None = None) -> Decimal:
    """The store's average monthly premium of compulsory and commercial policies
    issued in the three full months before ``today`` (cancelled policies left
    out): the figure of the partner limit (seed-002 §2.3.1). Summed in the database."""
    from chexian.policies.choices import PolicyLine, PolicyStatus
    from chexian.policies.models import Policy

    start, end = premium_months(today or timezone.localdate())
    total = (
        Policy.objects.filter(
            store=store,
            line__in=[PolicyLine.CTPL, PolicyLine.COMMERCIAL],
            issued_on__gte=start,
            issued_on__lt=end,
        )
        .exclude(status=PolicyStatus.CANCELLED)
        .aggregate(total=Coalesce(Sum("premium"), Value(Decimal("0")), output_field=DecimalField()))["total"]
    )
    return (Decimal(total) / PREMIUM_MONTHS).quantize(CENT, rounding=ROUND_HALF_UP)


def partner_limit(store, today: dt.date | None = None) -> tuple[int, Decimal]:
    """(how many partner insurers the store may have, its monthly premium)."""
    premium = store_monthly_premium(store, today)
    high = premium >= Decimal(settings.CHEXIAN_PARTNER_PREMIUM_THRESHOLD)
    return (settings.CHEXIAN_PARTNER_LIMIT_HIGH if high else settings.CHEXIAN_PARTNER_LIMIT), premium


def check_partner_limit(contract: AgencyContract, today: dt.date | None = None) -> None:
    """Refuse a contract that would give its store more partner insurers than allowed.

    The partners are the store's other insurers with a contract proposed, approved
    or active; the contract it replaces does not count (changing a partner is not
    adding one), nor do other contracts with the same insurer.
    """
    partners = AgencyContract.objects.filter(store_id=contract.store_id, status__in=PARTNER_STATUSES).exclude(
        insurer_id=contract.insurer_id
    )
    if contract.pk:
        partners = partners.exclude(pk=contract.pk)
    if contract.replaces_id:
        partners = partners.exclude(pk=contract.replaces_id)
    count = partners.aggregate(n=Count("insurer", distinct=True))["n"]
    if count < settings.CHEXIAN_PARTNER_LIMIT:
        return  # within the basic limit whatever the premium: no need to sum it
    limit, premium = partner_limit(contract.store, today)
    if count < limit:
        return
    names = Insurer.objects.filter(pk__in=partners.values("insurer_id")).values_list("short_name", flat=True)
    raise ValidationError(
        _(
            "A store may have at most %(limit)s partner insurers; %(high)s only when its monthly premium "
            "(compulsory + commercial, average of the last three months) reaches ¥%(threshold)s — this "
            "store's is ¥%(premium)s. %(store)s already has %(count)s (proposed, approved or active): "
            "%(partners)s. To change a partner, propose the new contract as replacing one of these."
        )
        % {
            "limit": settings.CHEXIAN_PARTNER_LIMIT,
            "high": settings.CHEXIAN_PARTNER_LIMIT_HIGH,
            "threshold": f"{Decimal(settings.CHEXIAN_PARTNER_PREMIUM_THRESHOLD):,}",
            "premium": f"{premium:,.2f}",
            "store": contract.store,
            "count": count,
            "partners": "、".join(names),
        },
        code="partner_limit",
    )


# ---------------------------------------------------------------- the approval flow
def _lock_store(store_id: int) -> Store:
    # The partner limit counts the store's contracts: lock the store row so that two
    # proposals or approvals for one store at once cannot both fit under the limit.
    return Store.objects.select_for_update().get(pk=store_id)


def _require(actor, action: str, store_id: int, message: str) -> None:
    if not can(actor, action, store_id):
        raise PermissionDenied(message)


def _check_replaces(contract: AgencyContract) -> None:
    replaced = contract.replaces
    if replaced is None:
        return
    if replaced.store_id != contract.store_id:
        raise _field_error(
            "replaces", _("A contract can only replace another contract of the same store."), "replaces_store"
        )
    if replaced.status != S.ACTIVE:
        raise _field_error(
            "replaces",
            _("Only an active contract can be replaced; %(contract)s is %(status)s.")
            % {"contract": replaced, "status": _status(replaced.status)},
            "replaces_status",
        )


def _check_overlap(contract: AgencyContract) -> None:
    """One contract per store and insurer at a time, so that the contract in force
    on a date — and with it a policy's commission rate — is never ambiguous."""
    overlapping = (
        AgencyContract.objects.filter(
            store_id=contract.store_id,
            insurer_id=contract.insurer_id,
            status__in=PARTNER_STATUSES,
            valid_from__lte=contract.valid_until,
            valid_until__gte=contract.valid_from,
        )
        .exclude(pk=contract.replaces_id)
        .first()
    )
    if overlapping is not None:
        raise ValidationError(
            _(
                "%(store)s already has a contract with %(insurer)s from %(start)s to %(end)s (%(status)s) that "
                "overlaps this period. To change its terms, propose this contract as replacing it."
            )
            % {
                "store": contract.store,
                "insurer": contract.insurer,
                "start": overlapping.valid_from.isoformat(),
                "end": overlapping.valid_until.isoformat(),
                "status": _status(overlapping.status),
            },
            code="contract_overlap",
        )


def _record(contract: AgencyContract, from_status: str, *, actor, reason: str = "") -> ContractEvent:
    return ContractEvent.objects.create(
        contract=contract, from_status=from_status, to_status=contract.status, actor=actor, reason=reason[:300]
    )


def _apply(contract: AgencyContract, to_status: str, *, actor, reason: str = "", **fields) -> AgencyContract:
    """Move a locked contract, write its fields and its history row."""
    if to_status not in TRANSITIONS.get(contract.status, ()):
        raise ContractTransitionError(contract.status, to_status)
    from_status = contract.status
    contract.status = to_status
    for name, value in fields.items():
        setattr(contract, name, value)
    with audit_actor(actor):
        contract.save()
    _record(contract, from_status, actor=actor, reason=reason)
    return contract


def _lock_contract(contract: AgencyContract) -> AgencyContract:
    # Lock the row: two office users approving and rejecting at once must not both
    # succeed; the second one sees the first one's status and is refused.
    return AgencyContract.objects.select_for_update().select_related("store", "insurer").get(pk=contract.pk)


def _move(contract: AgencyContract, to_status: str, *, actor, reason: str = "", **fields) -> AgencyContract:
    _require(
        actor,
        MOVE_ACTIONS[to_status],
        contract.store_id,
        _("Your role may not make a contract %(status)s in this store.") % {"status": _status(to_status)},
    )
    return _apply(_lock_contract(contract), to_status, actor=actor, reason=reason, **fields)


def _field_error(field: str, message: str, code: str) -> ValidationError:
    """A ValidationError on one field that keeps its rule's code (for the API's ``codes``)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _required_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise _field_error(field, message, "required")
    return value


@transaction.atomic
def propose_contract(*, actor, store: Store, insurer: Insurer, data: dict) -> AgencyContract:
    """A store proposes an insurer as partner, with its rates and terms (→ PROPOSED).

    ``data`` holds the terms (``PROPOSAL_FIELDS``); ``replaces`` names the store's
    active contract this one would take over from. Refused beyond the partner
    limit, for a period overlapping another contract with the same insurer, or
    for an insurer no longer offered.
    """
    _require(
        actor,
        "contract.propose",
        store.pk,
        _("Your role may not propose partner insurers for %(store)s.") % {"store": store},
    )
    store = _lock_store(store.pk)
    contract = AgencyContract(
        store=store,
        insurer=insurer,
        status=S.PROPOSED,
        proposed_by=actor,
        **{name: data[name] for name in PROPOSAL_FIELDS if name in data},
    )
    contract.full_clean()
    if not insurer.is_active:
        raise _field_error(
            "insurer",
            _("%(insurer)s is no longer offered as a partner insurer.") % {"insurer": insurer},
            "insurer_inactive",
        )
    _check_replaces(contract)
    _check_overlap(contract)
    check_partner_limit(contract)
    with audit_actor(actor):
        contract.save()
    _record(contract, "", actor=actor)
    return contract


@transaction.atomic
def approve_contract(*, actor, contract: AgencyContract, reason: str = "") -> AgencyContract:
    """The group insurance office approves a proposed contract (→ APPROVED, awaiting
    the legal review). The partner limit is checked again: the store's premium or
    partners may have changed since the proposal."""
    _require(
        actor, MOVE_ACTIONS[S.APPROVED], contract.store_id, _("Only the group insurance office approves contracts.")
    )
    _lock_store(contract.store_id)
    contract = _lock_contract(contract)
    if S.APPROVED not in TRANSITIONS[contract.status]:
        raise ContractTransitionError(contract.status, S.APPROVED)
    check_partner_limit(contract)
    return _apply(
        contract,
        S.APPROVED,
        actor=actor,
        reason=reason.strip(),
        decided_by=actor,
        decided_at=timezone.now(),
        decision_reason=reason.strip()[:300],
    )


@transaction.atomic
def reject_contract(*, actor, contract: AgencyContract, reason: str) -> AgencyContract:
    """The group insurance office turns a proposed (or approved, before the legal
    review completes) contract down (→ REJECTED). The reason is required."""
    reason = _required_text(reason, "reason", _("Give the reason for rejecting the contract."))
    return _move(
        contract,
        S.REJECTED,
        actor=actor,
        reason=reason,
        decided_by=actor,
        decided_at=timezone.now(),
        decision_reason=reason[:300],
    )


@transaction.atomic
def record_legal_review(*, actor, contract: AgencyContract, opinion: str) -> AgencyContract:
    """Record the legal review of an approved contract; the contract is then active.

    If it replaces another contract of the store, that one is terminated in the
    same transaction: the store never holds both.
    """
    opinion = _required_text(opinion, "opinion", _("Record the legal opinion."))
    contract = _move(
        contract,
        S.ACTIVE,
        actor=actor,
        reason=opinion,
        legal_reviewed_by=actor,
        legal_reviewed_at=timezone.now(),
        legal_opinion=opinion,
    )
    if contract.replaces_id:
        replaced = _lock_contract(contract.replaces)
        if replaced.status == S.ACTIVE:
            _apply(
                replaced,
                S.TERMINATED,
                actor=actor,
                reason=_("Replaced by %(contract)s.") % {"contract": contract},
            )
    return contract


@transaction.atomic
def terminate_contract(*, actor, contract: AgencyContract, reason: str) -> AgencyContract:
    """End an active partnership (→ TERMINATED); the reason is required. Policies
    already issued keep the rate they were issued with."""
    reason = _required_text(reason, "reason", _("Give the reason for terminating the contract."))
    return _move(contract, S.TERMINATED, actor=actor, reason=reason)


# ---------------------------------------------------------------- agency licence
@transaction.atomic
def save_licence(*, actor, data: dict, licence: AgencyLicence | None = None) -> AgencyLicence:
    """Register or change a store's agency licence (兼业代理许可). On a change the
    store stays the same."""
    licence = licence or AgencyLicence(store=data.get("store"))
    if licence.store_id is None:
        raise _field_error("store", _("Choose the store."), "required")
    _require(
        actor,
        "contract.propose",
        licence.store_id,
        _("Your role may not register agency licences for this store."),
    )
    if licence.pk and "store" in data and data["store"].pk != licence.store_id:
        raise _field_error("store", _("A licence cannot move to another store."), "store_immutable")
    for name in LICENCE_FIELDS:
        if name in data:
            setattr(licence, name, data[name])
    licence.full_clean()
    if licence.valid_until and licence.valid_until < licence.valid_from:
        raise _field_error("valid_until", _("The licence expires before it is valid."), "end_before_start")
    with audit_actor(actor):
        licence.save()
    return licence
