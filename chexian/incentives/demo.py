"""Demo gifts and rebates: every store's gift catalogue and a handful of gift packages
and rebates on its latest commercial policies — most approved with a reason, one
still pending (flagged), one rejected, some washes and maintenance services already
redeemed — so the compliance report, the warning and the profit page have something
to show. Written with ``bulk_create`` (a few dozen rows per store), the costs worked
out here as the services would, and one ``bulk_create`` audit entry per store."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from chexian.core.audit import log_action
from chexian.core.choices import AuditAction
from chexian.incentives.choices import GiftDepartment, IncentiveKind, IncentiveStatus, RebateMethod
from chexian.incentives.models import GiftItem, Incentive, IncentiveLine, Redemption
from chexian.policies.choices import PolicyLine, PolicyStatus
from chexian.policies.models import Policy

CATALOGUE = [
    ("精洗", GiftDepartment.WASH, "35.00"),
    ("小保养（机油机滤）", GiftDepartment.MAINTENANCE, "280.00"),
    ("内饰清洁", GiftDepartment.DETAILING, "150.00"),
    ("玻璃镀膜", GiftDepartment.DETAILING, "420.00"),
]
# (kind, status, [(catalogue index, quantity, redeemed)] or the rebate amount)
PLAN = [
    (IncentiveKind.GIFT_PACKAGE, IncentiveStatus.APPROVED, [(0, 10, 4), (1, 2, 1)]),
    (IncentiveKind.GIFT_PACKAGE, IncentiveStatus.APPROVED, [(0, 5, 5), (2, 1, 0)]),
    (IncentiveKind.GIFT_PACKAGE, IncentiveStatus.PENDING, [(3, 1, 0), (0, 6, 0)]),
    (IncentiveKind.REBATE, IncentiveStatus.APPROVED, Decimal("300.00")),
    (IncentiveKind.REBATE, IncentiveStatus.REJECTED, Decimal("800.00")),
]
REASONS = ["老客户续保，要求赠送洗车保养", "客户比价，要求返现", "转保客户，承诺赠送礼包"]
APPROVALS = ["老客户，同意按成本登记", "金额在门店限额内"]
REJECTIONS = ["违反报行合一，不得返现"]


def build(*, stores, rng: random.Random, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    return sum(build_store(store, rng=rng, today=today) for store in stores)


def build_store(store, *, rng: random.Random, today: dt.date) -> int:
    staff = store.staff
    supervisor, issuer, wash = staff["supervisor"], staff.get("issuer1", staff["supervisor"]), staff.get("wash")
    items = GiftItem.objects.bulk_create(
        GiftItem(store=store, name=name, department=department, unit_cost=Decimal(cost))
        for name, department, cost in CATALOGUE)
    policies = list(Policy.objects.filter(store=store, line=PolicyLine.COMMERCIAL, status=PolicyStatus.IN_FORCE,
                                          issued_on__lte=today).order_by("-issued_on", "-pk")[:len(PLAN)])
    now = timezone.now()
    incentives, lines_of = [], []
    for policy, (kind, status, content) in zip(policies, PLAN, strict=False):
        decided = status != IncentiveStatus.PENDING
        incentive = Incentive(
            store=store, policy=policy, kind=kind, granted_on=policy.issued_on, reason=rng.choice(REASONS),
            status=status, recorded_by=issuer, decided_by=supervisor if decided else None,
            decided_at=now if decided else None,
            decision_reason=(rng.choice(APPROVALS) if status == IncentiveStatus.APPROVED
                             else rng.choice(REJECTIONS) if status == IncentiveStatus.REJECTED else ""))
        lines = []
        if kind == IncentiveKind.REBATE:
            incentive.rebate_amount, incentive.rebate_method = content, RebateMethod.TRANSFER
            incentive.cost_at_grant = incentive.cost = content
        else:
            for index, quantity, redeemed in content:
                item = items[index]
                lines.append((IncentiveLine(item=item, quantity=quantity, unit_cost=item.unit_cost,
                                            redeemed_quantity=redeemed), redeemed))
            # Redeemed at the granted cost here, so the cost now equals the cost at grant.
            incentive.cost_at_grant = incentive.cost = sum((line.cost for line, _r in lines), Decimal("0"))
            incentive.redeemed_cost = sum((line.unit_cost * redeemed for line, redeemed in lines), Decimal("0"))
        incentives.append(incentive)
        lines_of.append(lines)
    Incentive.objects.bulk_create(incentives)
    all_lines = []
    for incentive, lines in zip(incentives, lines_of, strict=True):
        for line, _redeemed in lines:
            line.incentive = incentive
            all_lines.append(line)
    IncentiveLine.objects.bulk_create(all_lines)
    redemptions = [
        Redemption(store=store, line=line, quantity=line.redeemed_quantity, unit_cost=line.unit_cost,
                   real_cost=line.unit_cost * line.redeemed_quantity, redeemed_by=wash or supervisor,
                   redeemed_on=min(today, line.incentive.granted_on + dt.timedelta(days=rng.randint(3, 20))))
        for line in all_lines if line.redeemed_quantity]
    Redemption.objects.bulk_create(redemptions)
    log_action(AuditAction.BULK_CREATE, store, store_id=store.pk, reason="chexian demo",
               after={"gift_items": len(items), "incentives": len(incentives), "incentive_lines": len(all_lines),
                      "redemptions": len(redemptions)})
    return len(incentives)
