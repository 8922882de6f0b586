"""Demo service orders (工单): the workshop visits of every store's vehicles over
the years of policy history, written in bulk after the policies.

Visits follow each car's insurance at the store, so the orders carry the signal
the desk uses them for:

- while a car is insured here it comes 1–4 times a year (``RATE_INSURED``):
  maintenance mostly, some repairs, washes and beauty work;
- in the policy year before a car *leaves* (its period here is not renewed) it
  comes far less (``RATE_LEAVING``) — so the likelihood's ``service_visits``
  feature learns something;
- about ``PROSPECT_SHARE`` of the store's vehicles are serviced here but insured
  elsewhere today (在修不在保): they come regularly and at least once in the last
  year; the other cars not insured here come now and then (``RATE_ELSEWHERE``);
- a car has an accident in a year with ``ACCIDENT_CHANCE``; the accident repair
  is done here when the car is insured or serviced here.

Rows are written with ``customers.demo._write`` (one prepared INSERT per batch;
``COPY`` on PostgreSQL), with one ``bulk_create`` audit entry per store, as the
other demo modules do; then every vehicle's last visit date is set from its
orders in one statement per store.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from chexian.aftersales.choices import ServiceKind, ServiceSource
from chexian.aftersales.models import ServiceOrder
from chexian.core.audit import log_action
from chexian.core.choices import AuditAction
from chexian.core.demo_data import person_name
from chexian.customers.demo import _write
from chexian.customers.models import Vehicle
from chexian.policies.choices import PolicyLine, PolicyStatus
from chexian.policies.demo import years_before
from chexian.policies.models import Policy

YEAR = 365.0
RATE_INSURED = 2.4  # visits a year while insured here (a Poisson process: 1–4 for most cars)
RATE_LEAVING = 1.1  # … in the policy year before the car leaves the store
RATE_PROSPECT = 2.0  # 在修不在保: serviced here, insured elsewhere
RATE_ELSEWHERE = 0.1  # other cars not insured here: a wash now and then
PROSPECT_SHARE = 0.15  # of the store's vehicles: serviced here in the last year, insured elsewhere today
ACCIDENT_CHANCE = 0.12  # a year
RENEWAL_GAP_DAYS = 30  # a period followed this soon by the next one was renewed
# (kind, weight, (lowest, highest) amount in yuan, labour share) of an ordinary visit.
VISITS = [
    (ServiceKind.MAINTENANCE.value, 55, (350, 1500), 0.3),
    (ServiceKind.REPAIR.value, 15, (300, 6000), 0.4),
    (ServiceKind.WASH.value, 20, (30, 80), 1.0),
    (ServiceKind.BEAUTY.value, 6, (200, 3000), 0.2),
    (ServiceKind.OTHER.value, 4, (100, 800), 0.5),
]
_KINDS = [kind for kind, *_rest in VISITS]
_WEIGHTS = list(itertools.accumulate(weight for _kind, weight, *_rest in VISITS))
ACCIDENT = (ServiceKind.ACCIDENT_REPAIR.value, (2000, 25000), 0.35)
DAYS_IN_SHOP = {ServiceKind.REPAIR.value: (0, 3), ServiceKind.ACCIDENT_REPAIR.value: (3, 20),
                ServiceKind.BEAUTY.value: (0, 1)}
ADVISORS_PER_STORE = 4


def build(*, stores, rng: random.Random, today: dt.date, years: int) -> int:
    """Service orders for every demo store's vehicles over ``years`` years. Returns the count."""
    history_start = years_before(today, years)
    return sum(build_store(store, rng=rng, today=today, history_start=history_start) for store in stores)


def build_store(store, *, rng: random.Random, today: dt.date, history_start: dt.date) -> int:
    from chexian.aftersales.services import refresh_last_visit

    cars = list(Vehicle.objects.filter(store=store).order_by("pk").values_list(
        "pk", "owner_id", "purchase_date", "mileage"))
    periods = _periods(store, today)
    insured_today = {pk for pk, spans in periods.items() if any(start <= today <= end for start, end, _r in spans)}
    starts = {pk: max(history_start, purchase or history_start) for pk, _owner, purchase, _km in cars}
    visits = {pk: _visits(periods.get(pk, []), starts[pk], today, False, rng) for pk, *_rest in cars}
    # 在修不在保: cars already serviced here in the last year but insured elsewhere (a car that
    # left the store lately), and as many more regular visitors as make PROSPECT_SHARE.
    recent = {pk for pk, days in visits.items() if any((today - day).days < 365 for day, _kind in days)}
    candidates = [pk for pk, *_rest in cars if pk not in insured_today and pk not in recent]
    missing = PROSPECT_SHARE * len(cars) - len(recent - insured_today)
    chance = min(1.0, max(missing, 0) / len(candidates)) if candidates else 0.0
    for pk in candidates:
        if rng.random() < chance:
            visits[pk] = _visits(periods.get(pk, []), starts[pk], today, True, rng)
    advisors = [person_name(rng) for _ in range(ADVISORS_PER_STORE)]
    serial = itertools.count(1)
    rows = []
    for pk, owner_id, purchase, mileage in cars:
        km_a_day = (mileage or 0) / max((today - purchase).days, 1) if purchase else 40.0
        for opened, kind in visits[pk]:
            rows.append(_row(store, pk, owner_id, opened, kind, today, purchase, km_a_day, advisors, serial, rng))
    _write(ServiceOrder, rows, timezone.now())
    refresh_last_visit(Vehicle.objects.filter(store=store).values("pk"))
    log_action(AuditAction.BULK_CREATE, store, store_id=store.pk, after={"service_orders": len(rows)},
               reason="chexian demo")
    return len(rows)


def _periods(store, today: dt.date) -> dict[int, list[tuple[dt.date, dt.date, bool | None]]]:
    """Each vehicle's periods insured here: (start, end, renewed here — None while running)."""
    spans: dict[int, list[list]] = defaultdict(list)
    rows = (Policy.objects.filter(store=store, line__in=[PolicyLine.CTPL, PolicyLine.COMMERCIAL])
            .exclude(status=PolicyStatus.CANCELLED).order_by("vehicle_id", "start_date")
            .values_list("vehicle_id", "start_date", "end_date"))
    for vehicle_id, start, end in rows:
        own = spans[vehicle_id]
        if own and start <= own[-1][1] + dt.timedelta(days=RENEWAL_GAP_DAYS) and start <= own[-1][0] + \
                dt.timedelta(days=60):
            own[-1][1] = max(own[-1][1], end)  # the CTPL and commercial policy of one period
        else:
            own.append([start, end])
    result = {}
    for vehicle_id, own in spans.items():
        result[vehicle_id] = [
            (start, end, True if index + 1 < len(own) and own[index + 1][0] <= end + dt.timedelta(
                days=RENEWAL_GAP_DAYS) else None if end >= today else False)
            for index, (start, end) in enumerate(own)
        ]
    return result


def _visits(periods, first: dt.date, today: dt.date, prospect: bool, rng: random.Random):
    """(day, kind) of one car's visits from ``first`` to ``today``."""
    segments = []  # (start, end, visits a year, repaired here after an accident)
    cursor = first
    for start, end, renewed in periods:
        if end < first:
            continue
        if start > cursor:
            segments.append((cursor, start - dt.timedelta(days=1), None))
        rate = RATE_LEAVING if renewed is False else RATE_INSURED
        segments.append((max(start, first), min(end, today), rate))
        cursor = end + dt.timedelta(days=1)
    if cursor <= today:
        segments.append((cursor, today, None))
    visits = []
    for start, end, rate in segments:
        if start > end:
            continue
        if rate is None:  # insured elsewhere
            rate = RATE_PROSPECT if prospect and (today - end).days < 2 * 365 else RATE_ELSEWHERE
        visits.extend(_poisson(start, end, rate, rng))
        length = (end - start).days + 1
        if rate >= RATE_LEAVING and rng.random() < ACCIDENT_CHANCE * length / YEAR:
            visits.append((start + dt.timedelta(days=rng.randrange(length)), ACCIDENT[0]))
    if prospect and not any((today - day).days < 365 for day, _kind in visits):
        visits.append((max(first, today - dt.timedelta(days=rng.randrange(1, 300))), _kind_of_visit(rng)))
    return visits


def _poisson(start: dt.date, end: dt.date, rate: float, rng: random.Random):
    day = start
    while True:
        day += dt.timedelta(days=int(rng.expovariate(rate / YEAR)) + 1)
        if day > end:
            return
        yield day, _kind_of_visit(rng)


def _kind_of_visit(rng: random.Random) -> str:
    return rng.choices(_KINDS, cum_weights=_WEIGHTS)[0]


IMPORTED = ServiceSource.IMPORT.value
WASH = ServiceKind.WASH.value
PRICES = {**{kind: (prices, labour) for kind, _w, prices, labour in VISITS}, ACCIDENT[0]: (ACCIDENT[1], ACCIDENT[2])}


def _row(store, vehicle_id, owner_id, opened, kind, today, purchase, km_a_day, advisors, serial, rng) -> dict:
    (low, high), labour_share = PRICES[kind]
    amount = rng.randrange(low, high + 1)  # whole yuan, as most work orders settle
    labour = round(amount * labour_share)
    low_days, high_days = DAYS_IN_SHOP.get(kind, (0, 0))
    closed = opened + dt.timedelta(days=rng.randint(low_days, high_days)) if high_days else opened
    return {
        "store_id": store.pk,
        "vehicle_id": vehicle_id,
        "customer_id": owner_id,
        "number": f"WX{opened:%y%m%d}{next(serial):05d}",
        "kind": kind,
        "opened_on": opened,
        "closed_on": closed if closed <= today else None,
        "amount": Decimal(amount),
        "labour_amount": Decimal(labour),
        "parts_amount": None if kind == WASH else Decimal(amount - labour),
        "mileage": max(int(km_a_day * (opened - purchase).days), 0) if purchase else None,
        "advisor": rng.choice(advisors),
        "source": IMPORTED,
        "note": "",
    }
