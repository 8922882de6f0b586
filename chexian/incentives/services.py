"""Workflows of gifts and rebates: the one place that writes them.

- ``save_gift_item``: the store's catalogue (supervisors and store managers);
- ``record_incentive``: the desk records a gift package or rebate against a policy,
  pending approval;
- ``decide``: a supervisor approves or rejects it, always with a reason
  (``TRANSITIONS`` is the whole state machine: only a pending one is decided);
- ``redeem``: a department records that a granted item was used, at its real cost —
  only on an approved package, never beyond the quantity granted.

Every write checks the matrix action in the policy's store, runs ``full_clean()``
and saves inside ``audit_actor`` so the audit log names the person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chexian.core.audit import audit_actor
from chexian.incentives.choices import IncentiveKind, IncentiveStatus
from chexian.incentives.models import GiftItem, Incentive, IncentiveLine, Redemption
from chexian.org.permissions import can

S = IncentiveStatus
CENT = Decimal("0.01")

# decision -> the statuses it may be taken from
TRANSITIONS: dict[str, frozenset[str]] = {
    S.APPROVED: frozenset({S.PENDING}),
    S.REJECTED: frozenset({S.PENDING}),
}


def _require(actor, action: str, store_id: int):
    if not can(actor, action, store_id):
        raise PermissionDenied(_("Your role may not do this in this store."))


def _field_error(field: str, message: str, code: str) -> ValidationError:
    """A field's error that keeps its stable code (the API's ``codes``)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT)


# ------------------------------------------------------------------ the catalogue
@transaction.atomic
def save_gift_item(*, actor, data: dict, instance: GiftItem | None = None) -> GiftItem:
    """Add a gift item to a store's catalogue, or change one (its cost applies to later grants only)."""
    item = instance or GiftItem()
    store = data.get("store", item.store if item.pk else None)
    if store is None:
        raise _field_error("store", _("Choose the store."), "store_required")
    if item.pk and store.pk != item.store_id:
        raise _field_error("store", _("A gift item cannot move to another store."), "store_immutable")
    _require(actor, "incentive.approve", store.pk)
    for field in ("name", "department", "unit_cost", "is_active"):
        if field in data:
            setattr(item, field, data[field].strip() if field == "name" else data[field])
    item.store = store
    item.full_clean()
    with audit_actor(actor):
        item.save()
    return item


# ------------------------------------------------------------------ recording
@transaction.atomic
def record_incentive(*, actor, policy, kind: str, reason: str, granted_on: dt.date | None = None,
                     lines: Iterable[tuple[GiftItem, int]] = (), rebate_amount: Decimal | None = None,
                     rebate_method: str = "") -> Incentive:
    """Record a gift package (``lines`` of item and quantity) or a rebate (amount and
    how it was paid) given against ``policy``. It starts pending: the supervisor decides."""
    _require(actor, "incentive.add", policy.store_id)
    incentive = Incentive(
        store_id=policy.store_id, policy=policy, kind=kind, granted_on=granted_on or timezone.localdate(),
        reason=(reason or "").strip(), rebate_amount=rebate_amount if kind == IncentiveKind.REBATE else None,
        rebate_method=rebate_method if kind == IncentiveKind.REBATE else "", recorded_by=actor,
    )
    if kind == IncentiveKind.GIFT_PACKAGE and (rebate_amount or rebate_method):
        incentive.rebate_amount, incentive.rebate_method = rebate_amount, rebate_method  # clean() says why not
    incentive.full_clean()
    prepared: list[IncentiveLine] = []
    if kind == IncentiveKind.GIFT_PACKAGE:
        merged: dict[int, list] = {}
        for item, quantity in lines:
            if item is None or not quantity:
                continue
            if item.store_id != policy.store_id or not item.is_active:
                raise _field_error("lines", _("%(item)s is not an active gift item of the policy's store.")
                                   % {"item": item.name}, "item_store")
            merged.setdefault(item.pk, [item, 0])[1] += int(quantity)
        if not merged:
            raise _field_error("lines", _("A gift package needs at least one item and its quantity."),
                               "lines_required")
        prepared = [IncentiveLine(item=item, quantity=quantity, unit_cost=item.unit_cost)
                    for item, quantity in merged.values()]
        for line in prepared:
            line.full_clean(exclude=["incentive"])
        total = sum((line.cost for line in prepared), Decimal("0"))
    else:
        total = incentive.rebate_amount
    incentive.cost_at_grant = incentive.cost = _money(total)
    with audit_actor(actor):
        incentive.save()
        for line in prepared:
            line.incentive = incentive
            line.save()
    return incentive


# ------------------------------------------------------------------ the supervisor's decision
@transaction.atomic
def decide(*, actor, incentive: Incentive, status: str, reason: str) -> Incentive:
    """Approve or reject a pending gift or rebate. Needs ``incentive.approve`` in its
    store and a reason, which the compliance report shows beside the approver's name."""
    if status not in TRANSITIONS:
        raise _field_error("status", _("Choose approve or reject."), "bad_decision")
    _require(actor, "incentive.approve", incentive.store_id)
    reason = (reason or "").strip()
    if not reason:
        raise _field_error("reason", _("Give the reason for the decision: an approval or rejection without a "
                                       "reason is refused (the compliance report shows it)."), "reason_required")
    # Locked: two supervisors deciding at the same moment queue here; the second sees it decided.
    locked = Incentive.objects.select_for_update().get(pk=incentive.pk)
    if locked.status not in TRANSITIONS[status]:
        raise ValidationError(_("This %(kind)s is already %(status)s; a decision is final.")
                              % {"kind": locked.get_kind_display().lower(), "status": locked.get_status_display()},
                              code="already_decided")
    locked.status = status
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_reason = reason
    locked.full_clean()
    with audit_actor(actor):
        locked.save()
    return locked


# ------------------------------------------------------------------ redemptions
@transaction.atomic
def redeem(*, actor, line: IncentiveLine, quantity: int, redeemed_on: dt.date | None = None,
           unit_cost: Decimal | None = None, note: str = "") -> Redemption:
    """A department gives ``quantity`` of a granted item. Refused on a package that is
    not approved, and beyond what is left to redeem. The real cost per unit defaults
    to the unit cost granted; the package's redeemed cost and best-known cost follow."""
    # Locked, incentive first then line: two redemptions of the same package queue, so neither can take
    # the last wash twice.
    incentive = Incentive.objects.select_for_update().get(pk=line.incentive_id)
    _require(actor, "incentive.redeem", incentive.store_id)
    locked = IncentiveLine.objects.select_for_update().select_related("item").get(pk=line.pk)
    if incentive.status == S.PENDING:
        raise ValidationError(_("This gift package is pending approval: nothing can be redeemed until a supervisor "
                                "approves it."), code="not_approved")
    if incentive.status == S.REJECTED:
        raise ValidationError(_("This gift package was rejected by the supervisor: its items may not be given."),
                              code="rejected")
    quantity = int(quantity or 0)
    if quantity < 1:
        raise _field_error("quantity", _("Redeem at least one."), "quantity")
    if quantity > locked.left:
        raise _field_error("quantity", _("Only %(left)s of the %(granted)s %(item)s granted are left to redeem; "
                                         "%(asked)s asked.")
                           % {"left": locked.left, "granted": locked.quantity, "item": locked.item.name,
                              "asked": quantity}, "beyond_granted")
    unit_cost = locked.unit_cost if unit_cost is None else _money(unit_cost)
    redemption = Redemption(store_id=incentive.store_id, line=locked, redeemed_on=redeemed_on or timezone.localdate(),
                            quantity=quantity, unit_cost=unit_cost, real_cost=_money(unit_cost * quantity),
                            redeemed_by=actor, note=(note or "").strip())
    redemption.full_clean()
    locked.redeemed_quantity += quantity
    incentive.redeemed_cost = _money(incentive.redeemed_cost + redemption.real_cost)
    # Best cost known: what was redeemed at its real cost, what is still owed at its grant cost.
    incentive.cost = _money(incentive.cost - locked.unit_cost * quantity + redemption.real_cost)
    with audit_actor(actor):
        redemption.save()
        locked.save()
        incentive.save()
    return redemption
