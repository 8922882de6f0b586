"""Read-side queries of claims: the board by step, and tracking (seed-002 §4.3 step 10).

Everything is counted and bucketed in the database; pages and the API call these
with the user, so scoping is ``restrict`` as everywhere."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, IntegerField, Q, Sum, Value, When

from chexian.claims.choices import AGING_BUCKETS, ORDER, WITH_INSURER, Step
from chexian.claims.models import ClaimCase

CENT = Decimal("0.01")  # SQLite sums decimals as floats: money is shown to the fen
BOARD_CARDS = 20  # cards shown per column; the column header has the full count


def cases(user, action: str = "view"):
    return ClaimCase.objects.restrict(user, action).select_related("store", "insurer", "vehicle", "customer",
                                                                  "adjuster")


def overdue_q(today: dt.date) -> Q:
    """With the insurer, not paid in full, and past the promised payment date (handover + at most 30 days)."""
    return Q(step__in=WITH_INSURER, payment_due_on__lt=today) & Q(paid_amount__lt=F("insurer_amount"))


def board(queryset, today: dt.date, *, cards: int = BOARD_CARDS) -> list[dict]:
    """Columns of the claims board: each open step with its count, overdue count and first ``cards``
    cards (one query per column shown; ``cards=0``, as the reports ask, makes it one query in all)."""
    counts = {row["step"]: row for row in queryset.values("step").annotate(
        total=Count("pk"), overdue=Count("pk", filter=overdue_q(today)))}
    columns = []
    for step in ORDER[:-1]:
        row = counts.get(step, {"total": 0, "overdue": 0})
        shown = list(queryset.filter(step=step).order_by("step_since", "pk")[:cards]) if row["total"] and cards \
            else []
        columns.append({"step": step, "label": Step(step).label, "total": row["total"], "overdue": row["overdue"],
                        "cards": shown})
    return columns


def _age_bucket(today: dt.date):
    whens = []
    for index, (low, high) in enumerate(AGING_BUCKETS):
        start = today - dt.timedelta(days=low)
        condition = Q(handed_over_on__lte=start)
        if high is not None:
            condition &= Q(handed_over_on__gte=today - dt.timedelta(days=high))
        whens.append(When(condition, then=Value(index)))
    return Case(*whens, default=Value(len(AGING_BUCKETS) - 1), output_field=IntegerField())


def aging(user, today: dt.date, *, overdue_only: bool = False, stores=None):
    """Cases with the insurer and not paid in full, by days since the handover: the cases, and per
    bucket the count and the money outstanding (one grouped query). ``stores`` (ids) narrows to
    those of the user's stores (a report's scope); ``today`` may be a past day (a report's period
    end): cases handed over after it are not counted."""
    waiting = cases(user).filter(step__in=WITH_INSURER, paid_amount__lt=F("insurer_amount"),
                                 handed_over_on__lte=today)
    if stores is not None:
        waiting = waiting.filter(store_id__in=stores)
    if overdue_only:
        waiting = waiting.filter(overdue_q(today))
    waiting = waiting.annotate(bucket=_age_bucket(today))
    totals = {row["bucket"]: row for row in waiting.values("bucket").annotate(
        count=Count("pk"), outstanding=Sum(F("insurer_amount") - F("paid_amount"),
                                            output_field=DecimalField(max_digits=16, decimal_places=2)),
        overdue=Count("pk", filter=overdue_q(today)))}
    buckets = []
    for index, (low, high) in enumerate(AGING_BUCKETS):
        row = totals.get(index, {})
        buckets.append({"index": index, "low": low, "high": high, "count": row.get("count", 0),
                        "outstanding": Decimal(row.get("outstanding") or 0).quantize(CENT),
                        "overdue": row.get("overdue", 0)})
    return waiting.order_by("handed_over_on", "pk"), buckets


def returned(user):
    """Cases the insurer sent back (核赔退回) that are not handed over again yet."""
    return cases(user).filter(returned_count__gt=0, step__in=ORDER[: ORDER.index(Step.HANDOVER) + 1])
