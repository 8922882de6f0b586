"""What the finance pages read about statements, aggregated in the database.

``aged`` is seed-002 §4.9.4's rule: commission still unpaid more than three
months after the statement month is flagged — a statement of July is flagged
from 1 November (``Statement.flag_from``) while it is not paid or closed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from chexian.statements.choices import UNPAID_STATES, Difference, State
from chexian.statements.models import Statement, StatementLine, add_months

MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)
CENT = Decimal("0.01")


def statements(user):
    return Statement.objects.restrict(user, "view").select_related("store", "insurer")


def aged_before(today: dt.date) -> dt.date:
    """Statements of months before this day's month three months back are aged."""
    return add_months(today.replace(day=1), -3)


def _owed():
    """What the insurer still owes on a statement: its confirmed figure (else ours) less what was paid."""
    # Never negative: a statement is paid only once invoiced, after the insurer's figure is final, and never
    # beyond it (services.apply_payment).
    return ExpressionWrapper(Coalesce("insurer_commission", "commission") - F("paid_amount"), output_field=MONEY)


def _aged(user, today: dt.date | None, stores=None):
    today = today or timezone.localdate()
    rows = Statement.objects.restrict(user, "view").filter(state__in=UNPAID_STATES, month__lt=aged_before(today))
    return rows if stores is None else rows.filter(store_id__in=stores)


def aged(user, today: dt.date | None = None, *, stores=None):
    """Statements whose commission is unpaid more than three months after their month, oldest first
    (of ``stores``, ids, among the user's when given: a report's scope)."""
    return (_aged(user, today, stores).select_related("store", "insurer").annotate(owed=_owed())
            .order_by("month", "store__code", "insurer__short_name"))


def aging_summary(user, today: dt.date | None = None, *, stores=None) -> dict:
    """The flag for dashboards: how many statements are aged and what they still owe (one query)."""
    # The sum names its expression itself: aggregating over an annotation leaves SQLite a bare "owed" name.
    result = _aged(user, today, stores).aggregate(count=Count("pk"), owed=Coalesce(Sum(_owed()), ZERO))
    result["owed"] = Decimal(result["owed"]).quantize(CENT)
    return result


def by_state(user, store=None, *, stores=None) -> list[dict]:
    """Per state: statements, our commission, the insurer's, paid and still owed (one grouped query);
    of one ``store`` or of ``stores`` (ids) among the user's."""
    rows = statements(user)
    if store is not None:
        rows = rows.filter(store=store)
    if stores is not None:
        rows = rows.filter(store_id__in=stores)
    # Annotation names unlike the fields: an annotation named "commission" would shadow the field in _owed().
    money = {
        "statements": Count("pk"),
        "sum_commission": Coalesce(Sum("commission"), ZERO),
        "sum_insurer_commission": Coalesce(Sum("insurer_commission"), ZERO),
        "sum_paid": Coalesce(Sum("paid_amount"), ZERO),
        "sum_owed": Coalesce(Sum(_owed(), filter=Q(state__in=UNPAID_STATES)), ZERO),
    }
    found = {row["state"]: row for row in rows.order_by().values("state").annotate(**money)}
    result = []
    for state in State:
        row = found.get(state.value, {})
        result.append({"state": state.value, "label": state.label, "count": row.get("statements", 0),
                       **{key: Decimal(row.get(f"sum_{key}", 0)).quantize(CENT)
                          for key in ("commission", "insurer_commission", "paid", "owed")}})
    return result


def differences(statement: Statement) -> list[dict]:
    """Per difference reason: lines and the commission gap theirs − ours (one grouped query)."""
    rows = (statement.lines.exclude(difference="").order_by().values("difference")
            .annotate(lines=Count("pk"), ours=Coalesce(Sum("commission"), ZERO),
                      theirs=Coalesce(Sum("their_commission"), ZERO)))
    labels = dict(Difference.choices)
    return [{"difference": row["difference"], "label": labels[row["difference"]], "lines": row["lines"],
             "gap": (Decimal(row["theirs"]) - Decimal(row["ours"])).quantize(CENT)} for row in rows]


def lines(statement: Statement, difference: str | None = None):
    rows = StatementLine.objects.filter(statement=statement).select_related("policy")
    if difference == "any":
        rows = rows.exclude(difference="")
    elif difference:
        rows = rows.filter(difference=difference)
    return rows.order_by("day", "policy_number", "pk")


def aging_flag(user) -> dict | None:
    """The aging summary for a dashboard banner, for users who see statements (else None, no query)."""
    from chexian.org.permissions import can

    return aging_summary(user) if can(user, "statement.view") else None
