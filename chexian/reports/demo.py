"""Demo for the reports: each store's yearly commission target (about a fifth above last
year's commission), and last month closed by the supervisors of the first stores — one
of them after the deadline — so the group's close list shows both."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum

from chexian.policies.models import Policy
from chexian.reports import services
from chexian.reports.models import StoreTarget

CLOSED_STORES = 3


def build(*, stores, today: dt.date) -> int:
    last_year = dict(Policy.objects.filter(store__in=stores, issued_on__year=today.year - 1)
                     .values("store_id").annotate(total=Sum("commission_amount")).values_list("store_id", "total"))
    StoreTarget.objects.bulk_create(
        StoreTarget(store=store, year=today.year,
                    commission_target=(Decimal(last_year.get(store.pk) or 100000) * Decimal("1.2")).quantize(
                        Decimal("1000")))
        for store in stores)
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    closed = 0
    for index, store in enumerate(stores[:CLOSED_STORES]):
        supervisor = store.staff.get("supervisor")
        if supervisor is None:
            continue
        closed_on = services.deadline(month) + dt.timedelta(days=2 if index == CLOSED_STORES - 1 else -3)
        services.close_month(actor=supervisor, store=store, month=month, today=min(closed_on, today))
        closed += 1
    return closed
