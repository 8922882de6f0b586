"""Read side of gifts and rebates: the list's rows and the monthly compliance report.

The report (SPEC §3.7) lists every gift and rebate recorded in a month in the
stores where the user may see it (``compliance.view``), with its status, approver
and reason, cost at grant and redeemed cost so far; the counts and totals come
from one grouped query, never a loop over rows.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from chexian.incentives.choices import IncentiveKind, IncentiveStatus
from chexian.incentives.models import Incentive
from chexian.org.models import Store
from chexian.org.permissions import stores_for

MONEY = DecimalField(max_digits=16, decimal_places=2)
CENT = Decimal("0.01")
ZERO = Value(Decimal("0.00"), output_field=MONEY)
MONEY_KEYS = ("at_grant", "redeemed", "unapproved", "rebates", "gifts")


def _cents(row: dict) -> dict:
    """Money to the fen: SQLite adds decimals up as floats (see commissions.selectors._cents)."""
    for key in MONEY_KEYS:
        if key in row:
            row[key] = Decimal(row[key] or 0).quantize(CENT)
    return row


def compliance_stores(user):
    """The stores whose compliance report ``user`` may read."""
    stores = stores_for(user, "compliance.view")
    return Store.objects.all() if stores is None else Store.objects.filter(pk__in=stores)


def for_compliance(user):
    """Incentives the user may see on the compliance report: seen (``incentive.view``) and
    in a store where they read the report (``compliance.view``)."""
    return Incentive.objects.restrict(user, "view").filter(store__in=compliance_stores(user))


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, value: str | None, default: dt.date) -> Month:
        try:
            year, month = (int(part) for part in (value or "").split("-"))
            dt.date(year, month, 1)
        except (TypeError, ValueError):
            return cls(default.year, default.month)
        return cls(year, month)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __str__(self):
        return f"{self.year:04d}-{self.month:02d}"


TOTALS = {
    "count": Count("pk"),
    "approved": Count("pk", filter=Q(status=IncentiveStatus.APPROVED)),
    "pending": Count("pk", filter=Q(status=IncentiveStatus.PENDING)),
    "rejected": Count("pk", filter=Q(status=IncentiveStatus.REJECTED)),
    "at_grant": Coalesce(Sum("cost_at_grant"), ZERO, output_field=MONEY),
    "redeemed": Coalesce(Sum("redeemed_cost"), ZERO, output_field=MONEY),
    "unapproved": Coalesce(Sum("cost_at_grant", filter=~Q(status=IncentiveStatus.APPROVED)), ZERO,
                                output_field=MONEY),
    "rebates": Coalesce(Sum("cost_at_grant", filter=Q(kind=IncentiveKind.REBATE)), ZERO, output_field=MONEY),
    "gifts": Coalesce(Sum("cost_at_grant", filter=Q(kind=IncentiveKind.GIFT_PACKAGE)), ZERO, output_field=MONEY),
}


def granted(user, since: dt.date, until: dt.date, *, store=None, stores=None):
    """Gifts and rebates granted from ``since`` to ``until`` that the user sees on the compliance report
    (one ``store``, or ``stores`` (ids) among the user's: a report's scope)."""
    rows = for_compliance(user).filter(granted_on__gte=since, granted_on__lte=until)
    if store is not None:
        rows = rows.filter(store=store)
    if stores is not None:
        rows = rows.filter(store_id__in=stores)
    return rows


def summarise(rows, *by: str) -> list[dict]:
    """``TOTALS`` of ``rows`` per group ``by`` (values or annotations), money to the fen; one query."""
    return [_cents(r) for r in rows.values(*by).annotate(**TOTALS).order_by(*by)]


def totals_of(rows) -> dict:
    return _cents(rows.aggregate(**TOTALS))


def compliance_report(user, month: Month, store=None) -> dict:
    """Every gift and rebate granted in ``month`` (one store or all the user's), the
    counts and totals per store and overall. Three queries whatever the size."""
    rows = granted(user, month.first, month.last, store=store)
    per_store = summarise(rows, "store__code", "store_id", "store__name")
    totals = totals_of(rows)
    listing = (rows.select_related("store", "policy", "recorded_by", "decided_by")
               .order_by("store__code", "granted_on", "pk"))
    return {"month": month, "store": store, "rows": listing, "per_store": per_store, "totals": totals}
