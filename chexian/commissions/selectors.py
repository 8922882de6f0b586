"""Daily commission (SPEC §3.7; issue 6): every policy already carries its commission,
computed at issue from the agency contract in force (rate, base with or without VAT
as the contract says — ``policies.services``). Here it is added up per day, per
issuer and per insurer, in the database; cancellations count on the day they took
effect, with the commission clawed back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, DecimalField, Sum, Value
from django.db.models.functions import Coalesce

from chexian.policies.models import Cancellation, Policy

MONEY = DecimalField(max_digits=16, decimal_places=2)
CENT = Decimal("0.01")
MONEY_KEYS = ("premium", "base", "commission", "clawback", "net")


def _cents(row: dict) -> dict:
    """Money to the fen: SQLite adds decimals up as floats and hands back 806.600000000000."""
    for key in MONEY_KEYS:
        if key in row:
            row[key] = Decimal(row[key]).quantize(CENT)
    return row
ZERO = Value(Decimal("0.00"), output_field=MONEY)
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
    money = {"policies": Count("pk"), "premium": Coalesce(Sum("premium"), ZERO, output_field=MONEY),
             "base": Coalesce(Sum("commission_base_amount"), ZERO, output_field=MONEY),
             "commission": Coalesce(Sum("commission_amount"), ZERO, output_field=MONEY)}
    issued = policies(user, since, until, store)
    rows = [_cents(row) for row in issued.values(*fields).annotate(**money).order_by(*fields)]
    totals = issued.aggregate(**money)
    cancelled = Cancellation.objects.filter(
        policy__in=Policy.objects.restrict(user, "view").filter(**({"store": store} if store else {})),
        effective_date__gte=since, effective_date__lte=until)
    totals["clawback"] = cancelled.aggregate(total=Coalesce(Sum("commission_clawback"), ZERO,
                                                            output_field=MONEY))["total"]
    totals = _cents(totals)
    totals["net"] = totals["commission"] - totals["clawback"]
    return {"rows": rows, "totals": totals, "by": by}
