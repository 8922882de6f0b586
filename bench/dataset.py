"""The group-scale data set (issue 8): a dealer group of N stores × V vehicles × Y years on PostgreSQL.

    .venv/bin/python bench/dataset.py                      # 40 stores × 10,000 vehicles × 5 years
    .venv/bin/python bench/dataset.py --small              # 2 × 1,000 × 2: a check of the script (CI)
    .venv/bin/python bench/dataset.py --stores 10 --verify # any size; --verify runs the app on it
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/other_name .venv/bin/python bench/dataset.py

The database (default ``chexian_bench_group``) is dropped and created again, migrated, and
marked with the ``bench_group_dataset`` table; a database that has tables but not this
marker is never touched.

What one store gets, built store by store (one transaction each):

* **structure through the demo builders** — the group, regions, stores, departments and
  staff (``org.demo``), each store's agency licence and ACTIVE contracts with their
  approval history (``insurers.demo.build_store``, the partner count from the store's
  monthly premium as the demo computes it);
* **the insured book** — ``--vehicles-per-store`` is the number of vehicles the store
  insures in a year (its book), not the size of its customer register. At the start of
  the history the book is V cars of every age; on each anniversary a car insured here
  renews with the demo's chances (``policies.demo.RENEWAL_CHANCE``: 72 % at the first
  renewal, falling with age, less for other brands) or is lost, a lost car comes back
  with the demo's transfer-in chance, and every year the cars lost are replaced by new
  cars sold here (新车首保) and transfer-ins from elsewhere so the book stays at V.
  Lost cars stay in the register (they are the 在修不在保 prospects of the service
  orders): the register ends at about 2.5 V vehicles, the policies at about
  2 × V × Y (CTPL + commercial, and a few non-motor);
* **customers, vehicles, ownerships, policies and their coverages** — rows generated
  in Python and written with ``COPY`` (``customers.demo._write``), every value as the
  services store it: the owners and the identity numbers from ``customers.demo`` (each
  resident ID encrypted with ``core.crypto.encrypt`` and blind-indexed with
  ``blind_index``, per row: 35–60 µs, about 1.5 s a store, so no pool of values is needed), each period's
  policies from ``policies.demo._period_policies`` (premiums, NCD, floating rate,
  coverages, clause family), business types from ``derive_business_types``, insurer,
  number and commission from ``policies.demo.write_store``;
* **renewal cases** (one per vehicle and expiring period that ended before today,
  closed: renewed here with its renewal policy, or lost with a reason and where it
  went), **contact logs** (1–3 calls per case, outcomes that match) and **quotes** (one
  per called case, an offer per partner insurer, the chosen one issued for renewals);
  the cases of periods ending from today on are left to the daily job (the benchmark's
  busy day makes them);
* **leads and referrals** (every transfer-in policy converted from a lead — a referral
  from a department, a walk-in, a call — and as many more not converted), their
  follow-ups, and repair opportunities;
* **claim cases** — historical, closed ones in bulk (about 12 % of the commercial policy
  years), numbered as the services number them, and the demo's dozen live cases per
  store walked through the real services (``claims.demo``), with their remittances;
* **service orders** (``aftersales.demo.build_store``, from the policies written),
  **commission statements** and their remittances (``statements.demo``), gifts and
  rebates (``incentives.demo``), targets and month closes (``reports.demo``).

Not written: audit log rows for the bulk rows (one BULK_CREATE entry per store and
table, as the demo writes), renewal contact tasks and messages of the past, quote
items and offer lines, claim documents, photos and transitions of the bulk claims.

Then ``ANALYZE``, a summary (rows and seconds per table, database size) and
``bench/results/dataset-<date>-<machine>.json``. ``--verify`` then runs the report
engine (renewal_rate and daily_operations for one store and last month, the group
ranking), a customer search and ``chexian daily`` for today on the data set, timed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import socket
import sys
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
MARKER = "bench_group_dataset"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/chexian_bench_group"
SEED = 2026

# Age (policy year) mix of the book at the start of the history, years 1..8.
AGE_WEIGHTS = [16, 15, 14, 13, 12, 11, 10, 9]
NEW_CAR_SHARE = 0.6  # of the cars joining the book in a year: new cars sold here; the rest transfer in
LOST_REASONS = [("price", 30), ("insurer_direct", 22), ("other_4s", 14), ("agent", 12), ("car_sold", 7),
                ("unreachable", 8), ("moved_away", 3), ("service_complaint", 2), ("other", 2)]
LOST_CHANNELS = ["保险公司电销", "其他4S店", "代理人", "互联网平台", ""]
CALL_NOTES = ["已报价，客户考虑", "客户同意续保", "客户嫌贵", "无人接听", "客户已在别处投保", "约下周回电"]
REFERRAL_KINDS = ["sales", "aftersales", "wash", "quick_repair"]
DAMAGE = ["前保险杠剐蹭", "左后门凹陷", "右前大灯破裂", "后视镜损坏", "车身多处划痕"]
CLAIM_PLACES = ["环城高速", "小区地下车库", "十字路口", "商场停车场", "国道"]
CLAIM_WHAT = ["追尾前车，前保险杠受损", "倒车撞到立柱", "侧面剐蹭", "暴雨涉水熄火", "停放时被刮"]


# ---------------------------------------------------------------- database (before Django)
def prepare_database(rebuild: bool = True) -> dict:
    import import_bench  # the same guard and admin connection as the other benchmarks

    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    import dj_database_url

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    if not config["ENGINE"].endswith("postgresql"):
        raise SystemExit("The group data set is built on PostgreSQL only (DATABASE_URL=postgres://…).")
    import_bench.MARKER = MARKER
    import_bench.configure_database()  # creates the database if it is missing
    import psycopg

    conninfo = {"host": config["HOST"] or None, "port": config["PORT"] or None, "user": config["USER"] or None,
                "password": config["PASSWORD"] or None, "dbname": config["NAME"]}
    with psycopg.connect(**conninfo) as conn:
        tables = {r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")}
    if tables and MARKER not in tables:
        raise SystemExit(f"{config['NAME']} has tables but no {MARKER} table: not a benchmark database, "
                         "not touching it.")
    if rebuild:
        import_bench._postgres_admin(config, f'DROP DATABASE IF EXISTS "{config["NAME"]}"')
        import_bench._postgres_admin(config, f'CREATE DATABASE "{config["NAME"]}"')
    import_bench.setup_django()
    return config


# ---------------------------------------------------------------- writing
def copy_rows(model, rows: list[dict], now) -> int:
    """COPY ``rows`` (attname → value) into ``model``'s table: like ``customers.demo._write``
    but a row may carry its own ``created_at`` / ``updated_at`` (history is dated)."""
    from django.db import connection

    if not rows:
        return 0
    given = list(rows[0])
    rest = [f for f in model._meta.concrete_fields if f.attname not in given and not f.primary_key]
    constants = tuple(
        f.get_db_prep_save(now if f.attname in ("created_at", "updated_at") else f.get_default(), connection)
        for f in rest)
    columns = [model._meta.get_field(name).column for name in given] + [f.column for f in rest]
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {qn(model._meta.db_table)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(tuple(row[name] for name in given) + constants)
    return len(rows)


def at(day: dt.date, rng: random.Random, first_hour: int = 9, last_hour: int = 18) -> dt.datetime:
    from django.utils import timezone

    return dt.datetime.combine(day, dt.time(rng.randrange(first_hour, last_hour), rng.randrange(60)),
                               tzinfo=timezone.get_current_timezone())


class Timer:
    def __init__(self):
        self.seconds: Counter = Counter()
        self.rows: Counter = Counter()

    def add(self, table: str, started: float, rows: int = 0):
        self.seconds[table] += time.perf_counter() - started
        self.rows[table] += rows


# ---------------------------------------------------------------- the book of one store
class Slot:
    """A car of the register and its state between anniversaries."""

    __slots__ = ("row", "car", "next_start", "year", "here_before", "pref", "claim_free", "last_claims",
                 "entry", "periods")

    def __init__(self, row, next_start, year, entry):
        self.row, self.car, self.next_start, self.year, self.entry = row, None, next_start, year, entry
        self.here_before, self.pref, self.claim_free, self.last_claims = entry == "book", 0.0, 0, 0
        self.periods = []  # (start, end, issued, here)


def plan_book(store, store_index, *, vehicles: int, years: int, today, history_start, rng, catalog, timer, now):
    """Customers, vehicles and ownerships written; returns (slots, planned policies in issue order)."""
    from chexian.core.demo_data import plate, vin
    from chexian.customers import demo as cdemo
    from chexian.customers.models import Customer, Vehicle, VehicleOwnership
    from chexian.policies import demo as pdemo
    from chexian.policies.services import one_year_end

    slots: list[Slot] = []

    def add_car(kind: str, start: dt.date):
        """A car joining the register whose first period here starts on ``start``."""
        if kind == "new":
            age, own, sold = 0, True, True
        elif kind == "book":
            age = rng.choices(range(1, 9), weights=AGE_WEIGHTS)[0]
            own = rng.random() < 0.85
            sold = own and rng.random() < 0.8
        else:  # transfer-in
            age = rng.choices(range(1, 9), weights=AGE_WEIGHTS)[0]
            own = rng.random() < 0.6
            sold = own and rng.random() < 0.3
        purchase = pdemo.years_before(start, age)
        slots.append(Slot({"own": own, "sold": sold, "purchase": purchase}, start, age, kind))

    for _ in range(vehicles):
        add_car("book", history_start + dt.timedelta(days=rng.randrange(365)))
    horizon = today + dt.timedelta(days=pdemo.RENEWAL_LEAD_DAYS)
    for y in range(years + 1):
        low = pdemo.years_before(today, years - y)
        high = pdemo.years_before(today, years - y - 1)
        here_count = 0
        for s in slots:
            if not (low <= s.next_start < high) or s.next_start > horizon:
                continue
            start = s.next_start
            roll = rng.random()
            if s.entry in ("new", "transfer") and not s.periods:
                here, issued = True, start - dt.timedelta(days=0 if s.entry == "new" else rng.randrange(0, 21))
                s.pref = rng.random()
            elif s.here_before:
                chance = pdemo.RENEWAL_CHANCE[min(s.year, len(pdemo.RENEWAL_CHANCE) - 1)]
                here = roll < chance - (0 if s.row["own"] else pdemo.OTHER_BRAND_PENALTY)
                issued = start - dt.timedelta(days=rng.randrange(1, pdemo.RENEWAL_LEAD_DAYS + 1))
                if not s.periods or rng.random() >= 0.8:
                    s.pref = rng.random()
            else:
                kind = "sold_here" if s.row["sold"] else "own_brand" if s.row["own"] else "other"
                here = roll < pdemo.TRANSFER_CHANCE[kind]
                issued = start - dt.timedelta(days=rng.randrange(0, 21))
                s.pref = rng.random()
            end = one_year_end(start)
            if here and issued > today:
                here = None  # not issued yet: the renewal is still open
            s.periods.append((start, end, issued, here, s.here_before, s.claim_free, s.last_claims, s.year))
            here_count += bool(here)
            s.here_before = bool(here)
            claims = 0 if (r := rng.random()) >= 0.16 else 1 if r >= 0.03 else 2
            s.claim_free = s.claim_free + 1 if claims == 0 else 0
            s.last_claims = claims
            s.next_start = end + dt.timedelta(days=1)
            s.year += 1
        if y < years:  # cars lost this year are replaced: new cars sold here and transfer-ins
            for _ in range(max(vehicles - here_count, 0)):
                day = low + dt.timedelta(days=rng.randrange(max((min(high, today) - low).days, 1)))
                add_car("new" if rng.random() < NEW_CAR_SHARE else "transfer", day)
                # processed in this window year: step it now
                s = slots[-1]
                start = s.next_start
                issued = start - dt.timedelta(days=0 if s.entry == "new" else rng.randrange(0, 21))
                s.pref = rng.random()
                end = one_year_end(start)
                s.periods.append((start, end, issued, True, False, 0, 0, s.year))
                s.here_before = True
                claims = 0 if (r := rng.random()) >= 0.16 else 1 if r >= 0.03 else 2
                s.claim_free, s.last_claims = (1 if claims == 0 else 0), claims
                s.next_start, s.year = end + dt.timedelta(days=1), s.year + 1

    # Customers: the demo's owners (companies own two cars, 6 % of people two).
    t0 = time.perf_counter()
    customers, owner_of = cdemo._customer_rows(store, len(slots), rng, now)
    for row, pk in zip(customers, cdemo._reserve_ids(Customer, len(customers)), strict=True):
        row["id"] = pk
    first_seen = {}
    for s, owner_index in zip(slots, owner_of, strict=True):
        first = s.periods[0][0] if s.periods else s.row["purchase"]
        first_seen[owner_index] = min(first_seen.get(owner_index, first), first)
    for index, row in enumerate(customers):
        day = min(first_seen.get(index, today), today)
        row["created_at"] = row["updated_at"] = at(day - dt.timedelta(days=rng.randrange(0, 30)), rng)
    timer.add("customers (generate)", t0)
    t0 = time.perf_counter()
    timer.add("customers", t0, copy_rows(Customer, customers, now))

    t0 = time.perf_counter()
    plant = cdemo.PLANTS[store_index % len(cdemo.PLANTS)]
    first_serial = store_index * vehicles * 4  # plate and VIN serials apart between stores
    vehicle_rows = []
    ids = cdemo._reserve_ids(Vehicle, len(slots))
    for i, (s, owner_index, pk) in enumerate(zip(slots, owner_of, ids, strict=True)):
        owner = customers[owner_index]
        energy = rng.choice(cdemo.NEW_ENERGY) if rng.random() < 0.18 else cdemo.FUEL
        new_energy = energy != cdemo.FUEL
        purchase = s.row["purchase"]
        age_days = max((today - purchase).days, 1)
        number = plate(first_serial + i, store.province, store.city_letter, new_energy)
        vin_ = vin(rng, first_serial + i, plant, purchase.year)
        price = Decimal(rng.randrange(90, 450) * 1000)
        row = {
            "id": pk, "store_id": store.pk, "owner_id": owner["id"], "archive_no": f"{store.code}-{i + 1:07d}",
            "plate": number, "plate_key": number[1:], "vin": vin_, "vin_tail": vin_[-6:],
            "engine_no": f"{rng.choice('ABCDEFGH')}{rng.randrange(10**8):08d}",
            "brand": store.brand if s.row["own"] else rng.choice(cdemo.OTHER_BRANDS),
            "series": rng.choice(cdemo.SERIES), "model_name": f"{purchase.year}款 {rng.choice(cdemo.TRIMS)}",
            "is_own_brand": s.row["own"], "energy_type": energy, "is_new_energy": new_energy,
            "first_registration_date": purchase, "purchase_date": purchase, "sold_here": s.row["sold"],
            "usage": cdemo.ENTERPRISE if owner["kind"] == cdemo.COMPANY else cdemo.FAMILY,
            "seats": rng.choice([5, 5, 5, 7]), "new_car_price": price, "mileage": age_days * rng.randrange(20, 60),
        }
        created = at(min(s.periods[0][2] if s.periods else today, today), rng)
        row["created_at"] = row["updated_at"] = created
        vehicle_rows.append(row)
        s.car = pdemo.Car(pk, owner["id"], purchase, purchase, s.row["sold"], s.row["own"], new_energy,
                          row["seats"], price, row["usage"])
    timer.add("vehicles (generate)", t0)
    t0 = time.perf_counter()
    timer.add("vehicles", t0, copy_rows(Vehicle, vehicle_rows, now))
    t0 = time.perf_counter()
    timer.add("vehicle ownerships", t0, copy_rows(VehicleOwnership, [
        {"vehicle_id": v["id"], "customer_id": v["owner_id"], "start_date": v["purchase_date"],
         "reason": "purchase"} for v in vehicle_rows], now))
    store.__class__.objects.filter(pk=store.pk).update(next_archive_seq=len(vehicle_rows) + 1)

    # Policies: each period insured here, by the demo's rules.
    t0 = time.perf_counter()
    staff = store.staff
    ctx = {"issuers": [staff["issuer1"].pk, staff["issuer2"].pk, staff["supervisor"].pk],
           "sales": staff["sales1"].pk, "catalog": catalog}
    plan = []
    for s in slots:
        mine = []
        for start, end, issued, here, renewing, claim_free, last_claims, year in s.periods:
            if here and issued >= history_start:
                mine.extend(pdemo._period_policies(s.car, year, start, end, issued, s.pref,
                                                   renewing, claim_free, last_claims, rng, ctx))
        pdemo.derive_business_types(mine, s.car.purchase_date)
        plan.extend(mine)
    plan.sort(key=lambda p: (p.issued_on, p.vehicle_id, pdemo.LINE_ORDER[p.line]))
    timer.add("policies (plan)", t0)
    return slots, plan


# ---------------------------------------------------------------- what follows from the policies
def write_renewals(store, policies, *, today, rng, now, timer, contracts):
    """Closed renewal cases for periods that ended before today, their calls and quotes."""
    from chexian.customers.demo import _reserve_ids
    from chexian.quotes.models import Quote, QuoteOffer
    from chexian.renewals.models import ContactLog, RenewalCase
    from chexian.renewals.services import EARLY_RENEWAL_DAYS, PERIOD_DAYS, SEGMENT_OF

    t0 = time.perf_counter()
    issuers = [store.staff["issuer1"].pk, store.staff["issuer2"].pk]
    insurers = [c.insurer_id for c in contracts]
    by_vehicle = defaultdict(list)
    for p in policies:
        if p["line"] in ("ctpl", "commercial"):
            by_vehicle[p["vehicle_id"]].append(p)
    reasons, weights = zip(*LOST_REASONS, strict=True)
    cases, calls, quotes, offers = [], [], [], []
    lookahead = store.renewal_lookahead_days
    for rows in by_vehicle.values():
        rows.sort(key=lambda p: (p["end_date"], p["line"]))
        done_until = None
        for i, first in enumerate(rows):
            due = first["end_date"]
            if due >= today:
                break
            if done_until and due <= done_until:
                continue
            period = [r for r in rows[i:] if (r["end_date"] - due).days <= PERIOD_DAYS]
            done_until = due + dt.timedelta(days=PERIOD_DAYS)
            renewal = next((r for r in rows if r["start_date"] >= due - dt.timedelta(days=EARLY_RENEWAL_DAYS)
                            and r["end_date"] > due), None)
            assignee = rng.choice(issuers)
            created = at(max(due - dt.timedelta(days=lookahead), first["issued_on"]), rng)
            case = {"store_id": store.pk, "vehicle_id": first["vehicle_id"], "customer_id": first["policyholder_id"],
                    "expiring_policy_id": first["id"], "due_date": due,
                    "expiring_premium": sum((r["premium"] for r in period), Decimal("0")),
                    "segment": SEGMENT_OF[first["business_type"]].value, "assigned_to_id": assignee,
                    "created_at": created, "likelihood_reasons": "{}"}
            if renewal is not None:
                closed = at(min(renewal["issued_on"], today), rng)
                case.update(status="renewed", renewed_policy_id=renewal["id"], lost_reason="",
                            lost_to_insurer_id=None, lost_to_channel="", closed_at=closed, closed_by_id=None)
            else:
                closed = at(min(due + dt.timedelta(days=rng.randrange(0, 20)), today), rng)
                case.update(status="lost", renewed_policy_id=None, lost_reason=rng.choices(reasons, weights)[0],
                            lost_to_insurer_id=rng.choice(insurers) if rng.random() < 0.6 else None,
                            lost_to_channel=rng.choice(LOST_CHANNELS), closed_at=closed, closed_by_id=assignee)
            case["updated_at"] = closed
            cases.append(case)
    for case, pk in zip(cases, _reserve_ids(RenewalCase, len(cases)), strict=True):
        case["id"] = pk
    timer.add("renewal cases (generate)", t0)
    t0 = time.perf_counter()
    timer.add("renewal cases", t0, copy_rows(RenewalCase, cases, now))

    t0 = time.perf_counter()
    policy_of = {p["id"]: p for p in policies}
    quoted = [c for c in cases if rng.random() < 0.75]
    quote_ids = _reserve_ids(Quote, len(quoted))
    offer_ids = iter(_reserve_ids(QuoteOffer, len(quoted) * len(insurers)))
    for case in cases:
        renewed = case["status"] == "renewed"
        due = case["due_date"]
        for _call in range(rng.choice([1, 1, 2, 3])):
            day = min(due - dt.timedelta(days=rng.randrange(1, 31)), today)
            outcome = (rng.choice(["will_renew", "quote_sent", "interested"]) if renewed
                       else rng.choice(["declined", "no_answer", "call_back", "quote_sent", "wrong_number"]))
            calls.append({"case_id": case["id"], "channel": "call", "outcome": outcome,
                          "note": rng.choice(CALL_NOTES), "next_contact_on": None, "by_id": case["assigned_to_id"],
                          "created_at": at(max(day, case["created_at"].date()), rng), "updated_at": now})
    for case, qid in zip(quoted, quote_ids, strict=True):
        expiring = policy_of[case["expiring_policy_id"]]
        renewed = case["status"] == "renewed"
        day = max(case["created_at"].date(), case["due_date"] - dt.timedelta(days=rng.randrange(5, 35)))
        chosen = None
        base = expiring["premium"]
        renewal = policy_of.get(case["renewed_policy_id"]) if renewed else None
        for insurer in insurers:
            oid = next(offer_ids)
            premium = (renewal["premium"] if renewal and renewal["insurer_id"] == insurer
                       else (base * Decimal(rng.uniform(0.85, 1.05))).quantize(Decimal("0.01")))
            without = (premium / Decimal("1.06")).quantize(Decimal("0.01"))
            offers.append({"id": oid, "quote_id": qid, "insurer_id": insurer, "commercial_premium": premium,
                           "commercial_premium_without_vat": without, "ctpl_premium": Decimal("0"),
                           "ctpl_premium_without_vat": Decimal("0"), "vehicle_tax": Decimal("0"),
                           "ncd_coefficient": None, "pricing_coefficient": None, "ctpl_floating_rate": None,
                           "ctpl_float_reason": "", "query_code": f"Q{qid:010d}{insurer:02d}",
                           "entered_by_id": case["assigned_to_id"], "created_at": at(day, rng), "updated_at": now})
            if renewal and renewal["insurer_id"] == insurer:
                chosen = oid
        quotes.append({"id": qid, "store_id": store.pk, "vehicle_id": case["vehicle_id"],
                       "customer_id": case["customer_id"], "clause_family": expiring["clause_family"],
                       "template_id": None, "status": "issued" if chosen else "expired",
                       "start_date": case["due_date"] + dt.timedelta(days=1),
                       "valid_until": case["due_date"] + dt.timedelta(days=1),
                       "previous_policy_id": expiring["id"], "chosen_offer_id": chosen,
                       "created_by_id": case["assigned_to_id"], "note": "",
                       "created_at": at(day, rng), "updated_at": now})
    timer.add("contact logs + quotes (generate)", t0)
    t0 = time.perf_counter()
    timer.add("contact logs", t0, copy_rows(ContactLog, calls, now))
    t0 = time.perf_counter()
    timer.add("quotes", t0, copy_rows(Quote, quotes, now))
    t0 = time.perf_counter()
    timer.add("quote offers", t0, copy_rows(QuoteOffer, offers, now))


def write_leads(store, policies, vehicles, *, today, history_start, rng, now, timer):
    """Every transfer-in policy's converting lead, as many lost ones, follow-ups, repair opportunities."""
    from chexian.core.demo_data import mobile, person_name
    from chexian.customers.demo import _reserve_ids
    from chexian.leads.models import Lead, LeadFollowUp, RepairOpportunity
    from chexian.org.models import Department

    t0 = time.perf_counter()
    departments = dict(Department.objects.filter(store=store).values_list("kind", "pk"))
    staff = store.staff
    referrers = {"sales": staff["sales1"].pk, "aftersales": staff["aftersales"].pk, "wash": staff["wash"].pk,
                 "quick_repair": staff["repair"].pk}
    desk = [staff["issuer1"].pk, staff["issuer2"].pk]
    plates = {v[0]: v[1] for v in vehicles}
    names = dict(vehicles_owner_names(store))
    leads = []

    def lead(day, vehicle_id, status, policy_id):
        source = rng.choices(["referral", "walk_in", "phone", "online", "claim", "other"], [40, 25, 15, 10, 7, 3])[0]
        kind = rng.choice(REFERRAL_KINDS) if source == "referral" else None
        created = at(day, rng)
        converted = status == "converted"
        return {"store_id": store.pk, "name": names.get(vehicle_id) or person_name(rng), "mobile": mobile(rng),
                "plate": plates.get(vehicle_id, ""), "vehicle_id": vehicle_id, "source": source,
                "department_id": departments.get(kind) if kind else None,
                "referred_by_id": referrers[kind] if kind else None, "note": "", "status": status,
                "assigned_to_id": rng.choice(desk),
                "next_follow_up": None if status in ("converted", "lost") else today + dt.timedelta(
                    days=rng.randrange(1, 15)),
                "converted_policy_id": policy_id if converted else None,
                "converted_at": at(day + dt.timedelta(days=rng.randrange(0, 10)), rng) if converted else None,
                "created_by_id": referrers[kind] if kind else rng.choice(desk),
                "created_at": created, "updated_at": created}

    for p in policies:
        if p["business_type"] == "transfer_in" and p["line"] == "commercial" and p["issued_on"] > history_start:
            leads.append(lead(p["issued_on"] - dt.timedelta(days=rng.randrange(1, 40)), p["vehicle_id"],
                              "converted", p["id"]))
    span = max((today - history_start).days, 1)
    for _ in range(len(leads)):
        day = history_start + dt.timedelta(days=rng.randrange(span))
        recent = (today - day).days < 30
        leads.append(lead(day, rng.choice(vehicles)[0] if rng.random() < 0.7 else None,
                          rng.choice(["new", "following"]) if recent else "lost", None))
    for row, pk in zip(leads, _reserve_ids(Lead, len(leads)), strict=True):
        row["id"] = pk
    follow = []
    for row in leads:
        for k in range(rng.choice([0, 1, 1, 2])):
            day = min(row["created_at"].date() + dt.timedelta(days=2 + 5 * k), today)
            follow.append({"lead_id": row["id"], "note": rng.choice(CALL_NOTES), "next_follow_up": None,
                           "by_id": row["assigned_to_id"], "created_at": at(day, rng), "updated_at": now})
    opportunities = []
    for _ in range(len(vehicles) // 20 * max((today - history_start).days // 365, 1)):
        vid, plate_ = rng.choice(vehicles)
        day = history_start + dt.timedelta(days=rng.randrange(span))
        status = rng.choices(["converted", "declined", "offered", "noticed"], [40, 35, 15, 10])[0]
        opportunities.append({"store_id": store.pk, "plate": plate_, "vehicle_id": vid, "damage": rng.choice(DAMAGE),
                              "estimate": Decimal(rng.randrange(3, 60) * 100), "status": status,
                              "repair_order": f"WX{day:%y%m%d}{rng.randrange(10**5):05d}" if status == "converted"
                              else "", "outcome_note": "", "noticed_by_id": staff["wash"].pk,
                              "department_id": departments.get("wash"), "created_at": at(day, rng),
                              "updated_at": now})
    timer.add("leads (generate)", t0)
    t0 = time.perf_counter()
    timer.add("leads", t0, copy_rows(Lead, leads, now))
    t0 = time.perf_counter()
    timer.add("lead follow-ups", t0, copy_rows(LeadFollowUp, follow, now))
    t0 = time.perf_counter()
    timer.add("repair opportunities", t0, copy_rows(RepairOpportunity, opportunities, now))


def vehicles_owner_names(store):
    from chexian.customers.models import Vehicle

    return Vehicle.objects.filter(store=store).values_list("pk", "owner__name")


def write_claims(store, policies, *, today, rng, now, timer):
    """Historical claim cases, closed and paid: about 12 % of the commercial policy years."""
    from chexian.claims.choices import REQUIRED_DOCUMENTS, tier_of
    from chexian.claims.models import ClaimCase

    t0 = time.perf_counter()
    adjuster = store.staff["adjuster"].pk
    serial: Counter = Counter()
    rows = []
    for p in sorted((p for p in policies if p["line"] == "commercial"), key=lambda p: p["start_date"]):
        if rng.random() >= 0.12:
            continue
        span = (min(p["end_date"], today) - p["start_date"]).days
        if span < 60:
            continue
        accident = p["start_date"] + dt.timedelta(days=rng.randrange(span - 45))
        if (today - accident).days < 45:
            continue
        claim_type = rng.choices(["collision", "single", "glass", "theft", "disaster"], [45, 30, 15, 1, 9])[0]
        amount = Decimal(rng.choice([1800, 2600, 3600, 4800, 6500, 9200, 15800, 26400]))
        serial[accident.year] += 1
        handed = accident + dt.timedelta(days=rng.randrange(10, 25))
        paid = handed + dt.timedelta(days=rng.randrange(10, 40))
        rows.append({
            "store_id": store.pk, "number": f"{store.code}-LP{accident.year}-{serial[accident.year]:05d}",
            "insurer_id": p["insurer_id"],
            "report_no": f"RD{accident:%Y%m%d}{store.code}{rng.randrange(10**8):08d}",
            "vehicle_id": p["vehicle_id"], "customer_id": p["policyholder_id"], "policy_id": p["id"],
            "insured_here": True, "claim_type": claim_type,
            "coverage": "both" if claim_type == "collision" else "own_damage",
            "accident_at": at(accident, rng, 7, 22), "accident_place": rng.choice(CLAIM_PLACES),
            "accident_description": rng.choice(CLAIM_WHAT),
            "documents_received": list(REQUIRED_DOCUMENTS[claim_type]), "step": "closed",
            "step_since": at(min(paid, today), rng), "adjuster_id": adjuster, "assessed_amount": amount,
            "assessed_on": accident + dt.timedelta(days=2), "assessor": "", "repair_order_no": "",
            "quality_checked_by": "", "quality_checked_on": None, "settlement_amount": amount,
            "insurer_amount": amount, "third_party_amount": Decimal("0.00"), "invoice_no": "",
            "signed_on": handed - dt.timedelta(days=2), "tier": tier_of(amount).value, "handover_batch_id": None,
            "handed_over_on": handed, "payment_due_on": handed + dt.timedelta(days=30), "old_parts_id": None,
            "paid_amount": amount, "paid_on": min(paid, today), "returned_count": 0,
            "closed_at": at(min(paid, today), rng), "created_by_id": adjuster,
            "created_at": at(accident, rng), "updated_at": now})
    for row in rows:
        row["documents_received"] = json.dumps(row["documents_received"])
    timer.add("claim cases (generate)", t0)
    t0 = time.perf_counter()
    timer.add("claim cases", t0, copy_rows(ClaimCase, rows, now))


# ---------------------------------------------------------------- build
def build(args, timer: Timer) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from chexian.aftersales import demo as aftersales_demo
    from chexian.catalog.models import Coverage
    from chexian.claims import demo as claims_demo
    from chexian.incentives import demo as incentives_demo
    from chexian.insurers import demo as insurers_demo
    from chexian.org import demo as org_demo
    from chexian.policies import demo as pdemo
    from chexian.policies.models import Policy
    from chexian.reports import demo as reports_demo
    from chexian.statements import demo as statements_demo

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MARKER} (name VARCHAR(40) PRIMARY KEY, value TEXT NOT NULL)")
    timer.add("migrate", t0)
    today = args.today or timezone.localdate()
    history_start = pdemo.years_before(today, args.years)
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    with transaction.atomic():
        _group, stores, users = org_demo.build(stores=args.stores, rng=rng)
    timer.add("org (demo builder)", t0)
    office = users[0]
    t0 = time.perf_counter()
    foreign_keys = drop_foreign_keys() if not args.keep_foreign_keys else []
    timer.add("foreign keys dropped", t0, len(foreign_keys))
    catalog = dict(Coverage.objects.values_list("code", "pk"))
    numbers: dict = {}
    valid_from, valid_until = dt.date(history_start.year, 1, 1), dt.date(today.year + 1, 12, 31)
    fields = ["id", "vehicle_id", "policyholder_id", "line", "start_date", "end_date", "issued_on", "premium",
              "business_type", "insurer_id", "clause_family"]
    for index, store in enumerate(stores):
        started = time.perf_counter()
        now = timezone.now()
        with transaction.atomic():
            slots, plan = plan_book(store, index, vehicles=args.vehicles_per_store, years=args.years, today=today,
                                    history_start=history_start, rng=rng, catalog=catalog, timer=timer, now=now)
            t0 = time.perf_counter()
            contracts = insurers_demo.build_store(
                store, office=office, monthly_premium=pdemo.monthly_premium(plan, today),
                valid_from=valid_from, valid_until=valid_until, rng=rng)
            timer.add("agency contracts (demo builder)", t0, len(contracts))
            if args.no_coverages:
                for p in plan:
                    p.coverages = []
            t0 = time.perf_counter()
            written, coverages = pdemo.write_store(store, plan, contracts, rng=rng, today=today, numbers=numbers)
            timer.add("policies + coverages (write_store)", t0, written)
            timer.rows["policy coverages"] += coverages
            policies = list(Policy.objects.filter(store=store).values(*fields))
            vehicles = [(s.car.pk, "") for s in slots]
            write_renewals(store, policies, today=today, rng=rng, now=now, timer=timer, contracts=contracts)
            write_leads(store, policies, vehicles, today=today, history_start=history_start, rng=rng, now=now,
                        timer=timer)
            write_claims(store, policies, today=today, rng=rng, now=now, timer=timer)
            t0 = time.perf_counter()
            orders = aftersales_demo.build_store(store, rng=rng, today=today, history_start=history_start)
            timer.add("service orders (demo builder)", t0, orders)
            t0 = time.perf_counter()
            made = claims_demo.build(stores=[store], rng=rng, today=today)
            timer.add("live claim cases + remittances (demo builder)", t0, made)
            t0 = time.perf_counter()
            made = statements_demo.build(stores=[store], rng=rng, today=today)
            timer.add("commission statements + remittances (demo builder)", t0, made)
            t0 = time.perf_counter()
            made = incentives_demo.build_store(store, rng=rng, today=today)
            timer.add("gifts and rebates (demo builder)", t0, made)
        print(f"  store {store.code}: {len(slots):,} vehicles, {len(plan):,} policies in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
    t0 = time.perf_counter()
    restore_foreign_keys(foreign_keys)
    timer.add("foreign keys added and validated", t0, len(foreign_keys))
    t0 = time.perf_counter()
    closes = reports_demo.build(stores=stores, today=today)
    timer.add("targets + month closes (demo builder)", t0, closes)
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timer.add("analyze", t0)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {MARKER} VALUES ('complete', %s)", [json.dumps(
            {"stores": args.stores, "vehicles_per_store": args.vehicles_per_store, "years": args.years,
             "seed": args.seed, "today": today.isoformat()})])
    return {"today": today, "stores": stores}


def drop_foreign_keys() -> list[tuple[str, str, str]]:
    """Drop every foreign key of the schema and return (table, name, definition) to add them back.

    Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: each row COPY writes queues a
    trigger that checks its keys one by one at COMMIT (about a third of a store's build at
    10,000 vehicles, and growing with the tables). Added back after the build, each key is
    checked in one pass (``ALTER TABLE … ADD CONSTRAINT`` validates with a join), so a row
    that breaks a key still fails the build — only later."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = 'public'")
        keys = cursor.fetchall()
        for table, name, _definition in keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return keys


def restore_foreign_keys(keys) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def table_counts() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE n_live_tup > 0 ORDER BY 2 DESC")
        counts = dict(cursor.fetchall())
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    return {"rows": counts, "bytes": size}


# ---------------------------------------------------------------- verify
def verify(today: dt.date) -> dict:
    from django.contrib.auth import get_user_model

    from chexian.core.daily import run_daily
    from chexian.reports import engine
    from chexian.reports.periods import Period

    results = {}
    office = get_user_model().objects.get(username="group-office")
    month_end = today.replace(day=1) - dt.timedelta(days=1)
    period = Period.of("month", month_end)
    for code, kwargs in (("renewal_rate", {"store_code": "S01"}), ("daily_operations", {"store_code": "S01"}),
                         ("group_ranking", {"group": True})):
        t0 = time.perf_counter()
        try:
            scope = engine.Scope.for_user(office, **kwargs)
            report = engine.get(code)
            result = report.run(scope, period, today=today)
            payload = json.dumps(result.as_json(), default=str)
            results[code] = {"seconds": round(time.perf_counter() - t0, 3), "json_bytes": len(payload)}
        except Exception as exc:  # noqa: BLE001 — a verify step reports what fails, all of it
            results[code] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"  verify {code}: {results[code]}", flush=True)
    t0 = time.perf_counter()
    try:
        from chexian.customers import selectors
        from chexian.customers.models import Vehicle

        plate = Vehicle.objects.filter(store__code="S01").values_list("plate", flat=True).first()
        found = selectors.search_vehicles(office, plate).count()
        results["search_plate"] = {"seconds": round(time.perf_counter() - t0, 3), "found": found}
    except Exception as exc:  # noqa: BLE001
        results["search_plate"] = {"error": f"{type(exc).__name__}: {exc}"}
    print(f"  verify search_plate: {results['search_plate']}", flush=True)
    t0 = time.perf_counter()
    try:
        steps = {r.name: {"changed": r.changed, "seconds": r.seconds} for r in run_daily(today)}
        results["daily"] = {"seconds": round(time.perf_counter() - t0, 2), "steps": steps}
    except Exception as exc:  # noqa: BLE001
        results["daily"] = {"error": f"{type(exc).__name__}: {exc}"}
    print(f"  verify chexian daily {today}: {results['daily']}", flush=True)
    return results


# ---------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", type=int, default=40)
    parser.add_argument("--vehicles-per-store", type=int, default=10_000, help="the store's insured book a year")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--small", action="store_true", help="2 stores × 1,000 vehicles × 2 years, and --verify")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--no-coverages", action="store_true",
                        help="skip policy coverage rows (the reports do not read them)")
    parser.add_argument("--keep-foreign-keys", action="store_true",
                        help="load with the foreign keys in place (checked row by row at each store's commit)")
    parser.add_argument("--verify", action="store_true", help="run reports, a search and the daily job after the build")
    args = parser.parse_args()
    if args.small:
        args.stores, args.vehicles_per_store, args.years, args.verify = 2, 1_000, 2, True
    if args.stores < 1 or args.vehicles_per_store < 1 or args.years < 1:
        raise SystemExit("--stores, --vehicles-per-store and --years must be at least 1")
    config = prepare_database()
    settings_note()
    timer = Timer()
    started = time.perf_counter()
    built = build(args, timer)
    total = time.perf_counter() - started
    counts = table_counts()
    today = built["today"]
    run_day = dt.datetime.now().astimezone().date().isoformat()
    print(f"\n{'step / table':58} {'rows':>12} {'seconds':>9}")
    for name in sorted(timer.seconds, key=lambda n: -timer.seconds[n]):
        print(f"{name:58} {timer.rows[name] or '':>12,} {timer.seconds[name]:9.1f}" if timer.rows[name]
              else f"{name:58} {'':>12} {timer.seconds[name]:9.1f}")
    print(f"\n{'table':40} {'rows':>12}")
    for table, n in counts["rows"].items():
        if n >= 100:
            print(f"{table:40} {n:>12,}")
    print(f"\ntotal {total:.1f} s, database {config['NAME']} {counts['bytes'] / 2**30:.2f} GiB")
    report = {
        "benchmark": "group data set", "date": run_day, "today": today.isoformat(),
        "machine": {"host": socket.gethostname(), "python": platform.python_version(), "cpus": os.cpu_count(),
                    "postgres": _pg_version(), "load": os.getloadavg()},
        "parameters": {"stores": args.stores, "vehicles_per_store": args.vehicles_per_store, "years": args.years,
                       "seed": args.seed, "coverages": not args.no_coverages,
                       "foreign_keys_during_load": args.keep_foreign_keys},
        "total_seconds": round(total, 1), "database_bytes": counts["bytes"],
        "steps": {n: {"seconds": round(s, 2), "rows": timer.rows[n]} for n, s in timer.seconds.items()},
        "tables": counts["rows"],
    }
    if args.verify:
        report["verify"] = verify(today)
    machine = socket.gethostname().split(".")[0] or "machine"
    size = "small" if args.small else f"{args.stores}x{args.vehicles_per_store}x{args.years}"
    out = ROOT / "bench" / "results" / f"dataset-{run_day}-{machine}-{size}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n")
    print(f"written {out.relative_to(ROOT)}")


def settings_note() -> None:
    from django.conf import settings

    settings.CHEXIAN_MESSAGE_LOG = ROOT / "var" / "bench" / "messages.log"
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)


def _pg_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    main()
