"""Demo policy history: years of CTPL, commercial and non-motor policies per store.

Each vehicle is walked through its policy years, which follow its purchase date
(period *k* starts on the *k*-th anniversary; CTPL runs ``one_year_end``). A car
sold here is usually insured here at purchase (新车首保); each year after, a car
insured here last year renews here with a chance that falls with its age (about
72 % at the first renewal of an own-brand car), and a car insured elsewhere
transfers in with a small chance. Claims drawn each year drive the CTPL floating
rate and the NCD of the next year, wherever the car was insured.

Policies are written in bulk (one prepared INSERT per table, ``COPY`` on
PostgreSQL — ``issue_policy`` per row would take many minutes), but every field
is computed by the rules the services use, so the demo data obeys them:

- the business type is derived from the *recorded* history exactly as
  ``services.derive_business_type`` defines it (see ``derive_business_types``):
  a car's first policy inside the history window counts as transfer-in even if
  the store insured it the year before, because that year is not recorded;
- the clause family comes from ``clause_family_for`` (new-energy cars on the NEV
  clauses), the commission from ``commission_for`` with the contract in force on
  the issue date (the store's one ACTIVE contract with the insurer, which covers
  the whole history), the CTPL period from ``one_year_end``;
- periods of one vehicle follow each other, so no two CTPL overlap; policy
  numbers are unique per insurer; premiums are in fen and split 6 % VAT.

Premiums imitate what insurers return (Chexian never computes one): CTPL is the
base premium (950/1,100 family, 1,000/1,130 enterprise) × (1 + floating rate);
commercial is the sum of its coverages × NCD × the insurer's pricing
coefficient, about ¥2,000–6,000 for a new car depending on its price.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.utils import timezone

from chexian.catalog.models import Coverage
from chexian.core.audit import log_action
from chexian.core.choices import AuditAction
from chexian.customers.choices import VehicleUsage
from chexian.customers.demo import _reserve_ids, _write
from chexian.customers.models import Customer, Vehicle
from chexian.insurers import demo as insurers_demo
from chexian.insurers.services import premium_months
from chexian.policies.choices import REQUIRED_DOCUMENTS, PolicyLine, PolicySource, PolicyStatus
from chexian.policies.models import Policy, PolicyCoverage
from chexian.policies.services import (
    Held,
    business_type_from_history,
    clause_family_for,
    commission_for,
    one_year_end,
)

CENT = Decimal("0.01")
VAT_RATE = Decimal("1.06")
CTPL, COMMERCIAL, NON_MOTOR = PolicyLine.CTPL.value, PolicyLine.COMMERCIAL.value, PolicyLine.NON_MOTOR.value
LINE_ORDER = {CTPL: 0, COMMERCIAL: 1, NON_MOTOR: 2}
LINE_CODE = {CTPL: "JQ", COMMERCIAL: "SY", NON_MOTOR: "YW"}  # 交强 / 商业 / 意外
ENTERPRISE = VehicleUsage.ENTERPRISE.value

# Chance that a car insured here last year renews here, by policy year (1 = first renewal).
RENEWAL_CHANCE = [0.0, 0.72, 0.66, 0.61, 0.57, 0.53, 0.50, 0.47, 0.45]
OTHER_BRAND_PENALTY = 0.08
NEW_CAR_CHANCE = 0.92  # a car sold here is insured here at purchase
TRANSFER_CHANCE = {"sold_here": 0.10, "own_brand": 0.08, "other": 0.05}
RENEWAL_LEAD_DAYS = 30  # renewals are issued up to a month before the old policy ends
# (upper bound of the price, yearly vehicle and vessel tax): price as a stand-in for displacement.
VEHICLE_TAX = [(110_000, 360), (200_000, 420), (320_000, 720), (10**9, 1800)]
THIRD_PARTY = [
    (1_000_000, 760, 25),
    (1_500_000, 850, 15),
    (2_000_000, 930, 30),
    (3_000_000, 1050, 20),
    (5_000_000, 1250, 10),
]  # (limit, yearly premium before NCD, weight %)
_TP_CUM = list(itertools.accumulate(w for *_x, w in THIRD_PARTY))
INSURER_WEIGHTS = {1: [1.0], 2: [0.6, 1.0], 3: [0.45, 0.8, 1.0]}  # cumulative shares of the partners
TRANSFER_SOURCES = ["售后进店", "部门联动", "电话营销", "客户转介绍"]


@dataclass(slots=True)
class Planned:
    """One policy of the plan, before its insurer is known. Money in fen."""

    vehicle_id: int
    owner_id: int
    line: str
    family: str
    start: dt.date
    end: dt.date
    issued_on: dt.date
    premium: int
    tax: int
    pref: float  # insurer preference in [0, 1): the same value keeps the same insurer
    issuer_id: int
    salesperson_id: int | None
    lead_source: str
    coverages: list = field(default_factory=list)  # (coverage id, limit or None, premium in fen)
    business_type: str = ""


@dataclass(slots=True)
class Car:
    pk: int
    owner_id: int
    purchase_date: dt.date
    first_registration_date: dt.date | None
    sold_here: bool
    is_own_brand: bool
    is_new_energy: bool
    seats: int
    new_car_price: Decimal
    usage: str


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def build(*, stores, office, rng: random.Random, today: dt.date, years: int) -> dict:
    """Contracts and ``years`` years of policies for every demo store. Returns counts."""
    history_start = years_before(today, years)
    catalog = dict(Coverage.objects.values_list("code", "pk"))
    valid_from = dt.date(history_start.year, 1, 1)
    valid_until = dt.date(today.year + 1, 12, 31)
    numbers: dict[str, itertools.count] = {}
    totals = {"contracts": 0, "policies": 0, "coverages": 0}
    for store in stores:
        plan = plan_store(store, rng=rng, today=today, history_start=history_start, catalog=catalog)
        contracts = insurers_demo.build_store(
            store,
            office=office,
            monthly_premium=monthly_premium(plan, today),
            valid_from=valid_from,
            valid_until=valid_until,
            rng=rng,
        )
        policies, coverages = write_store(store, plan, contracts, rng=rng, today=today, numbers=numbers)
        totals["contracts"] += len(contracts)
        totals["policies"] += policies
        totals["coverages"] += coverages
    return totals


def monthly_premium(plan: list[Planned], today: dt.date) -> Decimal:
    """The plan's figure for the partner limit, as ``insurers.services.store_monthly_premium``
    sums it: CTPL and commercial premium issued in the three full months before today, / 3."""
    start, end = premium_months(today)
    months = (end.year - start.year) * 12 + end.month - start.month
    fen = sum(p.premium for p in plan if p.line != NON_MOTOR and start <= p.issued_on < end)
    return (Decimal(fen).scaleb(-2) / months).quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- planning
def plan_store(store, *, rng, today, history_start, catalog) -> list[Planned]:
    """Every policy of the store's vehicles issued in [history_start, today], in issue order."""
    names = [f.name for f in dataclasses.fields(Car)]
    cars = [Car(*row) for row in Vehicle.objects.filter(store=store).order_by("pk").values_list(*names)]
    staff = store.staff
    ctx = {
        "issuers": [staff["issuer1"].pk, staff["issuer2"].pk, staff["supervisor"].pk],
        "sales": staff["sales1"].pk,
        "catalog": catalog,
    }
    plan: list[Planned] = []
    for car in cars:
        policies = walk(car, rng=rng, today=today, history_start=history_start, ctx=ctx)
        derive_business_types(policies, car.purchase_date or car.first_registration_date)
        plan.extend(policies)
    plan.sort(key=lambda p: (p.issued_on, p.vehicle_id, LINE_ORDER[p.line]))
    return plan


def walk(car: Car, *, rng, today, history_start, ctx) -> list[Planned]:
    """The policies of one car issued at this store between ``history_start`` and ``today``."""
    policies: list[Planned] = []
    start = car.purchase_date
    year = 0
    here_before = False  # insured here in the previous policy year
    pref = 0.0
    claim_free = 0  # consecutive claim-free years before this one
    last_claims = 0  # claims in the previous policy year
    horizon = today + dt.timedelta(days=RENEWAL_LEAD_DAYS)
    while start <= horizon:
        end = one_year_end(start)
        roll = rng.random()
        if year == 0:
            here = car.sold_here and roll < NEW_CAR_CHANCE
            issued = start
            pref = rng.random()
        elif here_before:
            chance = RENEWAL_CHANCE[min(year, len(RENEWAL_CHANCE) - 1)]
            here = roll < chance - (0 if car.is_own_brand else OTHER_BRAND_PENALTY)
            issued = start - dt.timedelta(days=rng.randrange(1, RENEWAL_LEAD_DAYS + 1))
            if rng.random() >= 0.8:
                pref = rng.random()  # one in five renewals changes insurer
        else:
            kind = "sold_here" if car.sold_here else "own_brand" if car.is_own_brand else "other"
            here = roll < TRANSFER_CHANCE[kind]
            issued = start - dt.timedelta(days=rng.randrange(0, 21))
            pref = rng.random()
        if here and issued > today:
            break  # not issued yet: the renewal case is still open
        if here and issued >= history_start:
            policies.extend(
                _period_policies(car, year, start, end, issued, pref, here_before, claim_free, last_claims, rng, ctx)
            )
        here_before = here
        claims = 0 if (r := rng.random()) >= 0.16 else 1 if r >= 0.03 else 2
        claim_free = claim_free + 1 if claims == 0 else 0
        last_claims = claims
        start = end + dt.timedelta(days=1)
        year += 1
    return policies


def _period_policies(car, year, start, end, issued, pref, renewing, claim_free, last_claims, rng, ctx):
    catalog = ctx["catalog"]
    issuer = ctx["issuers"][0 if (r := rng.random()) < 0.45 else 1 if r < 0.9 else 2]
    salesperson = ctx["sales"] if year == 0 else None
    lead = "新车销售" if year == 0 else "续保" if renewing else rng.choice(TRANSFER_SOURCES)

    def planned(line, premium, tax=0, coverages=()):
        return Planned(
            vehicle_id=car.pk,
            owner_id=car.owner_id,
            line=line,
            family=str(clause_family_for(car, line)),
            start=start,
            end=end,
            issued_on=issued,
            premium=premium,
            tax=tax,
            pref=pref,
            issuer_id=issuer,
            salesperson_id=salesperson,
            lead_source=lead,
            coverages=list(coverages),
        )

    # CTPL: base premium × (1 + floating rate), plan E (DOMAIN.md §1).
    if year == 0:
        floating = 0
    elif last_claims >= 2:
        floating = 10
    elif last_claims == 1:
        floating = 0
    else:
        floating = -10 * min(claim_free, 3)
    big = car.seats >= 6
    base = (1130 if big else 1000) if car.usage == ENTERPRISE else (1100 if big else 950)
    ctpl = base * (100 + floating)  # fen
    tax = 0
    if not car.is_new_energy:  # new-energy cars are exempt from vehicle and vessel tax
        yearly = next(t for limit, t in VEHICLE_TAX if car.new_car_price < limit)
        months = 13 - start.month if year == 0 else 12  # pro rata in the year of purchase
        tax = (yearly * 100 * months * 2 + 12) // 24
    result = [planned(CTPL, ctpl, tax, [(catalog["ctpl"], None, ctpl)])]

    commercial_chance = 0.96 if year == 0 else 0.92 if year <= 3 else 0.85 if year <= 6 else 0.75
    if rng.random() < commercial_chance:
        coverages = _commercial_coverages(car, year, claim_free, last_claims, rng, catalog)
        result.append(planned(COMMERCIAL, sum(c[2] for c in coverages), coverages=coverages))
    if rng.random() < (0.12 if year == 0 else 0.07):
        per_person = rng.choice([100_000, 200_000])
        premium = car.seats * (3000 if per_person == 100_000 else 5000)
        result.append(
            planned(
                NON_MOTOR, premium, coverages=[(catalog["driver_passenger_accident"], Decimal(per_person), premium)]
            )
        )
    return result


def _commercial_coverages(car, year, claim_free, last_claims, rng, catalog):
    """(coverage id, limit, premium in fen) of a commercial policy, on the car's clauses."""
    nev = car.is_new_energy
    prefix = "nev_" if nev else ""
    if year == 0 or last_claims == 1:
        ncd = 1.0
    elif last_claims >= 2:
        ncd = 1.25
    else:
        ncd = (1.0, 0.85, 0.7, 0.6, 0.5)[min(claim_free, 4)]
    factor = ncd * rng.uniform(0.75, 1.0)  # × the insurer's pricing coefficient

    def fen(yuan):
        return int(round(yuan * factor * 100))

    items = []
    has_damage = not (year >= 6 and rng.random() < 0.3)  # some old cars carry liability only
    if has_damage:
        value = float(car.new_car_price) * max(0.2, 1 - 0.072 * year)  # 0.6 % a month depreciation
        fixed, rate = (500, 0.012) if nev else (450, 0.0095)  # NEV damage covers the battery too
        items.append((catalog[prefix + "vehicle_damage"], None, fen(fixed + rate * value)))
    limit, premium, _w = THIRD_PARTY[bisect.bisect_right(_TP_CUM, rng.random() * _TP_CUM[-1])]
    items.append((catalog[prefix + "third_party"], Decimal(limit), fen(premium * (1.05 if nev else 1))))
    if rng.random() < 0.8:
        seat = rng.choice([10_000, 10_000, 20_000, 50_000])
        items.append((catalog[prefix + "onboard_driver"], Decimal(seat), fen(seat * 0.0035)))
        if rng.random() < 0.7:
            items.append((catalog[prefix + "onboard_passenger"], Decimal(seat), fen(seat * 0.0022 * (car.seats - 1))))
    if has_damage and year <= 1 and rng.random() < 0.3:
        scratch = rng.choice([2000, 5000])
        items.append((catalog[prefix + "scratch"], Decimal(scratch), fen(400 if scratch == 2000 else 570)))
    if nev and has_damage and rng.random() < 0.3:
        items.append((catalog["nev_grid_failure"], None, fen(40)))
    if rng.random() < 0.25:  # the lawful way to add a service: inside the policy
        items.append((catalog[prefix + "service_roadside_rescue"], None, fen(50)))
    return items


def derive_business_types(policies: list[Planned], first_date: dt.date | None) -> None:
    """Set each policy's business type from the vehicle's recorded (non-cancelled)
    policies — ``services.business_type_from_history``, applied in memory."""
    history = [Held(None, q.line, q.start, q.end, "") for q in policies]
    for p in policies:
        p.business_type = business_type_from_history(history, p.line, p.start, first_date).value


# ---------------------------------------------------------------- writing
def write_store(store, plan, contracts, *, rng, today, numbers) -> tuple[int, int]:
    """Assign insurers and contracts, number and write the store's policies and their
    coverages. ``numbers`` holds one running counter per insurer (numbers are unique
    per insurer across stores). Returns (policies, coverage rows)."""
    now = timezone.now()
    names = dict(Customer.objects.filter(store=store).values_list("pk", "name"))
    shares = INSURER_WEIGHTS[len(contracts)]
    documents = {
        bt: Policy._meta.get_field("documents").get_db_prep_save(list(docs), connection)
        for bt, docs in REQUIRED_DOCUMENTS.items()
    }
    rows, coverage_rows = [], []
    ids = _reserve_ids(Policy, len(plan))
    for p, pk in zip(plan, ids, strict=True):
        contract = contracts[bisect.bisect_right(shares, p.pref)]
        # The contract in force on the issue date (insurers.services.contract_in_force).
        assert contract.valid_from <= p.issued_on <= contract.valid_until
        code = contract.insurer.code
        counter = numbers.setdefault(code, itertools.count(1))
        premium = Decimal(p.premium).scaleb(-2)
        without_vat = (premium / VAT_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
        rate, base, amount = commission_for(contract, p.line, p.family, premium, without_vat)
        rows.append(
            {
                "id": pk,
                "store_id": store.pk,
                "vehicle_id": p.vehicle_id,
                "policyholder_id": p.owner_id,
                "insured_name": names[p.owner_id],
                "insurer_id": contract.insurer_id,
                "contract_id": contract.pk,
                "line": p.line,
                "clause_family": p.family,
                "number": f"{code}{LINE_CODE[p.line]}{p.start.year}{next(counter):010d}",
                "confirm_code": "" if p.line == NON_MOTOR else f"V{p.issued_on:%y%m%d}{rng.randrange(10**12):012d}",
                "start_date": p.start,
                "end_date": p.end,
                "short_term_reason": "",
                "premium": premium,
                "premium_without_vat": without_vat,
                "vat": premium - without_vat,
                "vehicle_tax": Decimal(p.tax).scaleb(-2),
                "commission_rate": rate,
                "commission_base_amount": base,
                "commission_amount": amount,
                "business_type": p.business_type,
                "status": PolicyStatus.EXPIRED.value if p.end < today else PolicyStatus.IN_FORCE.value,
                "source": PolicySource.DIRECT.value,
                "issued_on": p.issued_on,
                "issuer_id": p.issuer_id,
                "salesperson_id": p.salesperson_id,
                "lead_source": p.lead_source,
                "payment_ref": f"ZF{p.issued_on:%Y%m%d}{rng.randrange(10**8):08d}",
                "documents": documents[p.business_type],
            }
        )
        coverage_rows.extend(
            {"policy_id": pk, "coverage_id": cov, "limit": limit, "premium": Decimal(fen).scaleb(-2), "deductible": ""}
            for cov, limit, fen in p.coverages
        )
    _write(Policy, rows, now)
    _write(PolicyCoverage, coverage_rows, now)
    log_action(
        AuditAction.BULK_CREATE,
        store,
        store_id=store.pk,
        after={"policies": len(rows), "policy_coverages": len(coverage_rows)},
        reason="chexian demo",
    )
    return len(rows), len(coverage_rows)
