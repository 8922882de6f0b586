"""Claims KPIs on small data sets built through the real services, worked out by hand:
the claim rate (出险率), repair retention (售后留修率) with the accident-repair share of
after-sales revenue, premium placed against repair work sent back per insurer, and claims
aging. Claim cases are opened now, so these reports look at the current month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chexian.aftersales.choices import ServiceKind
from chexian.claims import services as claim_services
from chexian.claims.choices import Step
from chexian.claims.testing import claims_crew, open_case, walk_to
from chexian.core.testing import make_service_order, make_vehicle
from chexian.insurers.models import Insurer
from chexian.leads import services as lead_services
from chexian.leads.choices import RepairStatus
from chexian.policies import services as policy_services
from chexian.policies.choices import CancellationReason, PolicyLine
from chexian.policies.tests.factories import active_contract, make_policy
from chexian.reports import engine
from chexian.reports.engine import Rate, Scope
from chexian.reports.periods import Period

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PERIOD = f"{TODAY:%Y-%m}"
_engines = iter(range(1, 1_000_000))


def days(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def run(user, code, store="A01"):
    return engine.get(code).run(Scope.for_user(user, store_code=store), Period.parse(PERIOD, today=TODAY),
                                today=TODAY)


def figures(result) -> dict:
    return {figure.key: figure.value for figure in result.figures}


def car(actor, store):
    return make_vehicle(actor, store, engine_no=f"CK{next(_engines):06d}")


def insured(cast, insurer_code="PICC", line=PolicyLine.COMMERCIAL, start=None, issuer=None):
    issuer = issuer or cast.a_issuer
    store = cast.store_b if issuer == cast.b_issuer else cast.store_a
    start = start or days(100)
    return make_policy(issuer, car(issuer, store), insurer_code=insurer_code, line=line, start=start,
                       issued_on=min(start, TODAY))


def claim(crew, vehicle, insurer_code="PICC", store=None, actor=None):
    """A claim case of ``vehicle`` with its accident now (in the current month whatever the day)."""
    actor = actor or crew.adjuster
    return open_case(actor, store or vehicle.store, vehicle=vehicle, insurer_code=insurer_code,
                     accident_at=timezone.now())


def settled(amount: str) -> dict:
    return {"settlement_amount": D(amount), "insurer_amount": D(amount), "third_party_amount": D("0.00")}


def stable_queries(assert_max, pin: int, report, grow):
    """``report()`` runs in at most ``pin`` queries, and in the same number after ``grow()`` adds records."""
    report()  # the user's roles are cached on the first run
    with CaptureQueriesContext(connection) as before:
        report()
    grow()
    with assert_max(pin), CaptureQueriesContext(connection) as after:
        report()
    assert len(after) == len(before) <= pin


@pytest.fixture
def crew(cast):
    for store in (cast.store_a, cast.store_b):
        for code in ("PICC", "CPIC"):
            active_contract(cast, store, insurer_code=code, valid_from=days(800), valid_until=TODAY
                            + dt.timedelta(days=400))
    return claims_crew(cast)


# ---------------------------------------------------------------- claim rate
@pytest.fixture
def claim_rate_data(cast, crew):
    """In force this month: PICC commercial v1, v2, v3 and a new one issued today; CPIC CTPL v4 and a
    new one. Not in force: a PICC policy that ended months ago, a cancelled one. Claims: two on v1,
    one on v2 withdrawn, one on v4 (CPIC); a car insured elsewhere; store B's car with a claim."""
    v1, v2, v3 = (insured(cast) for _ in range(3))
    insured(cast, start=TODAY)
    v4 = insured(cast, "CPIC", PolicyLine.CTPL)
    insured(cast, "CPIC", PolicyLine.CTPL, start=TODAY)
    insured(cast, start=days(500))  # ended about 135 days ago
    cancelled = insured(cast)
    policy_services.cancel_policy(actor=cast.a_supervisor, policy=cancelled,
                                  reason=CancellationReason.POLICYHOLDER_REQUEST, effective_date=days(50),
                                  refund_amount=D("500.00"))
    claim(crew, v1.vehicle)
    claim(crew, v1.vehicle)
    claim_services.withdraw_claim(actor=crew.adjuster, case=claim(crew, v2.vehicle), reason="客户自行处理")
    claim(crew, v4.vehicle, "CPIC")
    claim(crew, car(crew.adjuster, cast.store_a))
    b_policy = insured(cast, issuer=cast.b_issuer)
    claim(crew, b_policy.vehicle, actor=crew.b_adjuster)
    claim(crew, cancelled.vehicle)  # its policy was cancelled: no policy in force, insured elsewhere
    return {"v1": v1, "v4": v4}


def test_claim_rate_counts_policies_in_force_with_a_claim_once(cast, claim_rate_data):
    result = run(cast.a_supervisor, "claim_rate")
    # In force: 4 PICC commercial + 2 CPIC CTPL = 6; with a claim: v1 (twice, counted once) and v4 = 2.
    assert figures(result)["claim_rate"] == Rate(2, 6)
    rows = {(row["key"], row["label"]): (row["claimed"], row["in_force"]) for row in result.rows}
    picc, cpic = Insurer.objects.get(code="PICC").short_name, Insurer.objects.get(code="CPIC").short_name
    assert rows == {("insurer", picc): (1, 4), ("insurer", cpic): (1, 2),
                    ("line", str(PolicyLine.COMMERCIAL.label)): (1, 4), ("line", str(PolicyLine.CTPL.label)): (1, 2)}
    queryset, _columns = engine.get("claim_rate").drill(result.ctx, "claimed")
    assert {policy.pk for policy in queryset} == {claim_rate_data["v1"].pk, claim_rate_data["v4"].pk}
    assert result.charts[0].kind == "bar"


def test_claim_rate_of_store_b_shows_none_of_store_a(cast, claim_rate_data):
    assert figures(run(cast.b_supervisor, "claim_rate", store="B01"))["claim_rate"] == Rate(1, 1)
    with pytest.raises(engine.ReportError):
        run(cast.b_supervisor, "claim_rate", store="A01")


def test_claim_rate_queries_do_not_grow_with_the_records(cast, crew, claim_rate_data, django_assert_max_num_queries):
    def grow():
        for _ in range(3):
            claim(crew, insured(cast).vehicle)

    stable_queries(django_assert_max_num_queries, 6, lambda: run(cast.a_supervisor, "claim_rate"), grow)


# ---------------------------------------------------------------- repair retention
@pytest.fixture
def retention_data(cast, crew):
    """Accidents of insured customers opened this month: c1 at the repair step, c2 at the report step,
    c3 withdrawn, c4 settled (past repair). A car insured elsewhere repaired here. Service orders
    settled today: accident repair 4,000.00, maintenance 680.00, repair 5,320.00 (an open accident
    order and store B's do not count). Two repair opportunities, one converted."""
    p1, p2, p3 = (insured(cast) for _ in range(3))
    p4 = insured(cast, "CPIC", PolicyLine.CTPL)
    walk_to(claim(crew, p1.vehicle), Step.REPAIR, crew.adjuster)
    claim(crew, p2.vehicle)
    reported = walk_to(claim(crew, p3.vehicle), Step.ASSESSMENT, crew.adjuster)
    claim_services.withdraw_claim(actor=crew.adjuster, case=reported, reason="客户去别处修")
    walk_to(claim(crew, p4.vehicle, "CPIC"), Step.SIGNING, crew.adjuster)
    elsewhere = walk_to(claim(crew, car(crew.adjuster, cast.store_a)), Step.REPAIR, crew.adjuster)
    for kind, amount, closed in ((ServiceKind.ACCIDENT_REPAIR, "4000.00", TODAY),
                                 (ServiceKind.MAINTENANCE, "680.00", TODAY), (ServiceKind.REPAIR, "5320.00", TODAY),
                                 (ServiceKind.ACCIDENT_REPAIR, "9999.00", None)):
        make_service_order(cast.a_supervisor, p1.vehicle, kind=kind, amount=D(amount), opened_on=TODAY,
                           closed_on=closed)
    make_service_order(cast.b_supervisor, car(cast.b_issuer, cast.store_b), kind=ServiceKind.ACCIDENT_REPAIR,
                       amount=D("7777.00"), closed_on=TODAY)
    won = lead_services.note_repair(actor=cast.a_dept, store=cast.store_a, plate=p2.vehicle.plate, damage="左前门凹陷")
    lead_services.update_repair(actor=cast.a_supervisor, opportunity=won, status=RepairStatus.CONVERTED,
                                repair_order="RO20260001")
    lead_services.note_repair(actor=cast.a_dept, store=cast.store_a, plate="粤A00001", damage="后保险杠划痕")
    return {"elsewhere": elsewhere}


def test_repair_retention_and_the_accident_repair_share(cast, retention_data):
    result = run(cast.a_supervisor, "repair_retention")
    found = figures(result)
    # Accidents of insured customers: c1, c2, c3 (withdrawn: taken elsewhere), c4 = 4; reached repair: c1, c4.
    assert found["retention"] == Rate(2, 4)
    # Accident repair 4,000.00 of 4,000.00 + 680.00 + 5,320.00 = 10,000.00 settled: 40 %.
    assert found["accident_share"] == Rate(D("4000.00"), D("10000.00"))
    assert str(found["accident_share"].value) == "40.0"
    assert found["insured_elsewhere"] == 1
    assert found["opportunities"] == Rate(1, 2)
    [row] = result.rows
    assert (row["label"], row["accidents"], row["repaired"], row["accident_revenue"], row["revenue"]) == (
        PERIOD, 4, 2, D("4000.00"), D("10000.00"))
    queryset, _columns = engine.get("repair_retention").drill(result.ctx, "insured_elsewhere")
    assert list(queryset) == [retention_data["elsewhere"]]
    # The leads page counts the same claims through the same helper.
    assert lead_services.repair_retention(cast.a_supervisor, TODAY.replace(day=1), TODAY)["claims"] == 4


def test_repair_retention_of_store_b_shows_none_of_store_a(cast, retention_data):
    found = figures(run(cast.b_supervisor, "repair_retention", store="B01"))
    assert found["retention"] == Rate(0, 0) and str(found["retention"]).startswith("—")
    assert found["accident_share"] == Rate(D("7777.00"), D("7777.00"))
    assert found["insured_elsewhere"] == 0 and found["opportunities"] == Rate(0, 0)


def test_repair_retention_queries_do_not_grow_with_the_records(cast, crew, retention_data,
                                                                django_assert_max_num_queries):
    def grow():
        for _ in range(3):
            policy = insured(cast)
            walk_to(claim(crew, policy.vehicle), Step.REPAIR, crew.adjuster)
            make_service_order(cast.a_supervisor, policy.vehicle, kind=ServiceKind.ACCIDENT_REPAIR,
                               amount=D("100.00"), closed_on=TODAY)

    stable_queries(django_assert_max_num_queries, 15, lambda: run(cast.a_supervisor, "repair_retention"), grow)


# ---------------------------------------------------------------- premium placed against repair work sent back
@pytest.fixture
def balance_data(cast, crew):
    """Issued this month: PICC commercial 3,180.00 and CPIC CTPL 855.00 (an older PICC policy and a
    cancelled one do not count). Cases opened this month: PICC — our policy's car settled 3,000.00 and
    one not settled yet, a car insured elsewhere settled 2,500.00, one withdrawn; CPIC — 5,000.00."""
    picc = insured(cast, start=TODAY)
    cpic = insured(cast, "CPIC", PolicyLine.CTPL, start=TODAY)
    old = insured(cast)
    cancelled = insured(cast, start=TODAY)
    policy_services.cancel_policy(actor=cast.a_supervisor, policy=cancelled,
                                  reason=CancellationReason.DUPLICATE, effective_date=TODAY,
                                  refund_amount=cancelled.premium)
    walk_to(claim(crew, old.vehicle), Step.SIGNING, crew.adjuster, settlement=settled("3000.00"))
    claim(crew, picc.vehicle)
    walk_to(claim(crew, car(crew.adjuster, cast.store_a)), Step.SIGNING, crew.adjuster, settlement=settled("2500.00"))
    claim_services.withdraw_claim(actor=crew.adjuster, case=claim(crew, old.vehicle), reason="重复报案")
    walk_to(claim(crew, cpic.vehicle, "CPIC"), Step.SIGNING, crew.adjuster, settlement=settled("5000.00"))
    b_policy = insured(cast, issuer=cast.b_issuer, start=TODAY)
    walk_to(claim(crew, b_policy.vehicle, actor=crew.b_adjuster), Step.SIGNING, crew.b_adjuster,
            settlement=settled("8000.00"))


def test_insurer_balance_sets_premium_placed_against_repair_work_sent_back(cast, balance_data):
    result = run(cast.a_supervisor, "insurer_balance")
    picc, cpic = Insurer.objects.get(code="PICC").short_name, Insurer.objects.get(code="CPIC").short_name
    assert [(row["label"], row["policies"], row["premium"], row["cases"], row["settled"]) for row in result.rows] == [
        (picc, 1, D("3180.00"), 3, D("5500.00")),  # 3,000.00 + 2,500.00; the open case has no settlement yet
        (cpic, 1, D("855.00"), 1, D("5000.00")),
    ]
    assert result.rows[0]["ratio"] == Rate(D("5500.00"), D("3180.00"))
    found = figures(result)
    assert (found["premium"], found["settled"]) == (D("4035.00"), D("10500.00"))
    assert found["ratio"] == Rate(D("10500.00"), D("4035.00"))
    assert result.totals["cases"] == 4
    [chart] = result.charts
    assert chart.kind == "hbar" and chart.categories == [picc, cpic]
    assert chart.series[0]["data"] == [D("3180.00"), D("855.00")]


def test_insurer_balance_of_store_b_shows_none_of_store_a(cast, balance_data):
    result = run(cast.b_supervisor, "insurer_balance", store="B01")
    assert [(row["premium"], row["settled"]) for row in result.rows] == [(D("3180.00"), D("8000.00"))]


def test_insurer_balance_queries_do_not_grow_with_the_records(cast, crew, balance_data,
                                                               django_assert_max_num_queries):
    def grow():
        for code in ("PICC", "CPIC", "PICC"):
            policy = insured(cast, code, start=TODAY)
            walk_to(claim(crew, policy.vehicle, code), Step.SIGNING, crew.adjuster, settlement=settled("100.00"))

    stable_queries(django_assert_max_num_queries, 7, lambda: run(cast.a_supervisor, "insurer_balance"), grow)


# ---------------------------------------------------------------- claims aging
def at_payment(cast, crew, handed_over_days_ago: int, amount: str, in_b=False):
    actor, store = (crew.b_adjuster, cast.store_b) if in_b else (crew.adjuster, cast.store_a)
    case = claim(crew, car(actor, store), actor=actor)
    return walk_to(case, Step.PAYMENT, actor, settlement=settled(amount),
                   handed_over_on=days(handed_over_days_ago))


def pay(crew, case, amount: str):
    with transaction.atomic():
        return claim_services.apply_payment(actor=crew.finance, case_id=case.pk, amount=D(amount), on=TODAY)


@pytest.fixture
def aging_data(cast, crew):
    """With the insurer: 6,800.00 handed over 10 days ago with 1,800.00 paid (0–30 days, not due yet);
    2,000.00 handed over 45 days ago (31–60, overdue); 12,000.00 handed over 100 days ago (91+, overdue).
    Paid in full: 900.00 (not waiting). Store B: 3,000.00 handed over 70 days ago."""
    pay(crew, at_payment(cast, crew, 10, "6800.00"), "1800.00")
    at_payment(cast, crew, 45, "2000.00")
    at_payment(cast, crew, 100, "12000.00")
    pay(crew, at_payment(cast, crew, 5, "900.00"), "900.00")
    at_payment(cast, crew, 70, "3000.00", in_b=True)


def test_claims_aging_buckets_the_outstanding_money_and_counts_the_overdue(cast, aging_data):
    result = run(cast.a_supervisor, "claims_aging")
    found = figures(result)
    assert (found["waiting"], found["outstanding"], found["overdue"], found["returned"]) == (
        3, D("19000.00"), 2, 0)  # 5,000.00 + 2,000.00 + 12,000.00
    ages = [(row["count"], row["outstanding"], row["overdue"]) for row in result.rows if row["key"] == "age"]
    assert ages == [(1, D("5000.00"), 0), (1, D("2000.00"), 1), (0, D("0.00"), 0), (1, D("12000.00"), 1)]
    steps = {row["label"]: (row["count"], row["overdue"]) for row in result.rows if row["key"] == "step"}
    assert steps[str(Step.PAYMENT.label)] == (3, 2)
    assert result.figures[0].previous is None  # a snapshot: not compared
    queryset, _columns = engine.get("claims_aging").drill(result.ctx, "overdue")
    assert sorted(case.outstanding for case in queryset) == [D("2000.00"), D("12000.00")]


def test_claims_aging_of_store_b_shows_none_of_store_a(cast, aging_data):
    found = figures(run(cast.b_supervisor, "claims_aging", store="B01"))
    assert (found["waiting"], found["outstanding"], found["overdue"]) == (1, D("3000.00"), 1)


def test_claims_aging_queries_do_not_grow_with_the_records(cast, crew, aging_data, django_assert_max_num_queries):
    def grow():
        for handed_over in (20, 50, 95):
            at_payment(cast, crew, handed_over, "1000.00")

    stable_queries(django_assert_max_num_queries, 4, lambda: run(cast.a_supervisor, "claims_aging"), grow)
