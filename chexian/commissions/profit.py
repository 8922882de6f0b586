"""Profit of the insurance desk (seed-000 十、, SPEC §3.7): per policy, per specialist
(the policy's issuer), per store and per month of issue, always shown in its parts.

    profit = motor commission + non-motor commission
             − commission clawed back by the policy's cancellation
             − gifts and rebates at cost
             + accident-repair margin

- *Commission* is what the policy carries (``Policy.commission_amount``, fixed at
  issue from the agency contract); non-motor policies (``PolicyLine.NON_MOTOR``,
  e.g. driver and passenger accident cover) are their own part.
- *Clawback* is ``Cancellation.commission_clawback`` of the policy, if cancelled.
- *Gifts and rebates* are the policy's incentives that are pending or approved
  (``incentives.choices.COUNTED_STATUSES``: money given, whether or not a supervisor
  has signed it off; a rejected one counts as not given), at ``Incentive.cost``:
  the real cost of what has been redeemed plus the grant cost of what is still owed
  (a rebate: its cash amount). So the figure moves from the estimate to the real
  cost as departments redeem the gifts, and never leaves out what is still owed.
- *Accident-repair margin* is the settlement amount of the policy's claim cases
  (``ClaimCase.policy``; settled, not withdrawn) × the store's accident-repair gross
  margin (``Store.accident_repair_margin``, a percentage; the store's current rate).

Everything follows the policy: a cancellation, a redemption or a claim settled
months later changes the profit of the policy's issue month. All of it is added up
in the database: one query per grouping and one for the totals, whatever the number
of policies; money is quantized to the fen here (SQLite adds decimals as floats).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth

from chexian.claims.choices import Step
from chexian.claims.models import ClaimCase
from chexian.incentives.choices import COUNTED_STATUSES
from chexian.incentives.models import Incentive
from chexian.org.permissions import stores_for
from chexian.policies.choices import PolicyLine
from chexian.policies.models import Policy

MONEY = DecimalField(max_digits=16, decimal_places=2)
RATE_MONEY = DecimalField(max_digits=20, decimal_places=6)
CENT = Decimal("0.01")
ZERO = Value(Decimal("0.00"), output_field=MONEY)
# The parts, in the order they are shown; ``repair_settled`` is the base of ``repair_margin``.
PARTS = ("motor_commission", "non_motor_commission", "clawback", "gifts", "repair_settled", "repair_margin",
         "profit")

GROUPINGS = {
    "month": {"month": TruncMonth("issued_on")},
    "issuer": {"issuer_id": F("issuer_id"), "issuer__username": F("issuer__username"),
               "issuer__first_name": F("issuer__first_name"), "issuer__last_name": F("issuer__last_name")},
    "store": {"store_id": F("store_id"), "store__code": F("store__code"), "store__name": F("store__name")},
}
ORDERING = {"month": ("month",), "issuer": ("issuer__username",), "store": ("store__code",)}


def _cents(row: dict) -> dict:
    for key in PARTS:
        if key in row:
            row[key] = Decimal(row[key] or 0).quantize(CENT)
    return row


def profit_policies(user, since: dt.date, until: dt.date, store=None, *, stores=None):
    """Policies issued in the period in the stores where the user may see profit (one ``store``, or
    ``stores`` (ids) among them: a report's scope)."""
    policies = Policy.objects.restrict(user, "view").filter(issued_on__gte=since, issued_on__lte=until)
    allowed = stores_for(user, "profit.view")
    if allowed is not None:
        policies = policies.filter(store__in=allowed)
    if stores is not None:
        policies = policies.filter(store_id__in=stores)
    return policies.filter(store=store) if store is not None else policies


def _per_policy() -> dict:
    """Each part of one policy's profit as an expression on the Policy row."""
    gifts = (Incentive.objects.filter(policy=OuterRef("pk"), status__in=COUNTED_STATUSES).order_by()
             .values("policy").annotate(total=Sum("cost")).values("total"))
    settled = (ClaimCase.objects.filter(policy=OuterRef("pk"), settlement_amount__isnull=False)
               .exclude(step=Step.WITHDRAWN).order_by().values("policy").annotate(total=Sum("settlement_amount"))
               .values("total"))
    non_motor = Q(line=PolicyLine.NON_MOTOR)
    parts = {
        "motor_commission": Case(When(non_motor, then=ZERO), default=F("commission_amount"), output_field=MONEY),
        "non_motor_commission": Case(When(non_motor, then=F("commission_amount")), default=ZERO,
                                     output_field=MONEY),
        "clawback": Coalesce(F("cancellation__commission_clawback"), ZERO, output_field=MONEY),
        "gifts": Coalesce(Subquery(gifts, output_field=MONEY), ZERO, output_field=MONEY),
        "repair_settled": Coalesce(Subquery(settled, output_field=MONEY), ZERO, output_field=MONEY),
    }
    parts["repair_margin"] = ExpressionWrapper(
        parts["repair_settled"] * F("store__accident_repair_margin") / Value(Decimal("100")),
        output_field=RATE_MONEY)
    parts["profit"] = ExpressionWrapper(
        parts["motor_commission"] + parts["non_motor_commission"] - parts["clawback"] - parts["gifts"]
        + parts["repair_margin"], output_field=RATE_MONEY)
    return parts


def _sums() -> dict:
    return {"policies": Count("pk"), **{name: Sum(expression) for name, expression in _per_policy().items()}}


def with_parts(policies):
    """``policies`` with every part of their profit annotated (the records behind a report's figure)."""
    return policies.annotate(**_per_policy())


def policy_rows(user, since: dt.date, until: dt.date, store=None):
    """One row per policy with every part (a values() queryset to paginate; quantize with ``cents``)."""
    return (with_parts(profit_policies(user, since, until, store))
            .values("pk", "number", "issued_on", "line", "store__code", "issuer__username", "issuer__first_name",
                    *PARTS)
            .order_by("-issued_on", "-pk"))


def cents(rows):
    return [_cents(dict(row)) for row in rows]


def profit(user, since: dt.date, until: dt.date, *, by: str = "month", store=None, stores=None) -> dict:
    """Rows grouped ``by`` month, issuer or store with every part, and the period's totals:
    two queries. ``by="policy"`` gives the totals only (the rows come from ``policy_rows``)."""
    policies = profit_policies(user, since, until, store, stores=stores)
    rows = []
    if by in GROUPINGS:
        keys = GROUPINGS[by]
        rows = [_cents(row) for row in policies.annotate(**{f"k_{k}": v for k, v in keys.items()})
                .values(*(f"k_{k}" for k in keys)).annotate(**_sums()).order_by(*(f"k_{k}" for k in ORDERING[by]))]
        for row in rows:
            for key in keys:
                row[key] = row.pop(f"k_{key}")
    totals = _cents(policies.aggregate(**_sums()))
    return {"rows": rows, "totals": totals, "by": by}
