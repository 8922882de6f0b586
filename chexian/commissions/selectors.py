"""Daily commission (SPEC §3.7; issue 6): every policy already carries its commission,
computed at issue from the agency contract in force (rate, base with or without VAT
as the contract says — ``policies.services``). Here it is added up per day, per
issuer and per insurer, in the database; cancellations count on the day they took
effect, with the commission clawed back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Sum, Value
from django.db.models.functions import Coalesce

from chexian.policies.models import Cancellation, Policy

ZERO = Value(Decimal("0.00"))
GROUPINGS = {
    "day": ("issued_on",),
    "issuer": ("issuer__username", "issuer__first_name"),
    "insurer": ("insurer__short_name",),
}


def policies(user, since: dt.date, until: dt.date, store=None):
    rows = Policy.objects.restrict(user, "view").filter(issued_on__gte=since, issued_on__lte=until)
    return rows.filter(store=store) if store is not None else rows


def daily_commission(user, since: dt.date, until: dt.date, *, by: str = "day", store=None) -> dict:
    """Rows grouped ``by`` day, issuer or insurer — policies, premium, commission base and
    commission — plus the period's totals and the commission clawed back by cancellations
    that took effect in it. Two grouped queries and one aggregate, whatever the size."""
    fields = GROUPINGS[by]
    money = {"policies": Count("pk"), "premium": Coalesce(Sum("premium"), ZERO),
             "base": Coalesce(Sum("commission_base_amount"), ZERO),
             "commission": Coalesce(Sum("commission_amount"), ZERO)}
    issued = policies(user, since, until, store)
    rows = list(issued.values(*fields).annotate(**money).order_by(*fields))
    totals = issued.aggregate(**money)
    cancelled = Cancellation.objects.filter(
        policy__in=Policy.objects.restrict(user, "view").filter(**({"store": store} if store else {})),
        effective_date__gte=since, effective_date__lte=until)
    totals["clawback"] = cancelled.aggregate(total=Coalesce(Sum("commission_clawback"), ZERO))["total"]
    totals["net"] = totals["commission"] - totals["clawback"]
    return {"rows": rows, "totals": totals, "by": by}
