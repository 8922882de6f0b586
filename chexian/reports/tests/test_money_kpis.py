"""Money reports on small data sets built through the real services, worked out by hand:
profit in its parts, commission statements aging, blank-form reconciliation and the gifts
and rebates compliance report.

October 2026 at store A (statements factory ``october_business``, contract rates CTPL 4 %,
commercial 18 %, non-motor 25 %, commission on the premium without VAT; accident-repair
gross margin 30 %, the default):
  a-issuer:     CTPL ctpl1, ctpl2, ctpl3: 4 % × 806.60 = 32.26 each          →    96.78
                commercial com1, com2 (PICC), cpic (CPIC): 18 % × 3,000.00   → 1,620.00
                gifts and rebates: 100.00 approved (com1), 50.00 pending (ctpl1),
                2 washes × 35.00 = 70.00 pending (ctpl2); 500.00 rejected (com2: not given)
                a claim on com1's car settled at 6,800.00 → margin 30 % = 2,040.00
                profit 1,716.78 − 220.00 + 2,040.00 = 3,536.78
  a-supervisor: non-motor 25 % × 200.00 = 50.00, cancelled with 106.00 of 212.00 refunded → 25.00 clawed back
                profit 50.00 − 25.00 = 25.00
  store A:      3,536.78 + 25.00 = 3,561.78
September: a commercial policy (540.00), cancelled in October with half refunded → 270.00 clawed back: 270.00.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chexian.blankforms import services as blankform_services
from chexian.blankforms.choices import FormKind
from chexian.blankforms.models import BlankForm
from chexian.blankforms.tests.factories import receive
from chexian.catalog.models import Coverage
from chexian.claims.choices import Step
from chexian.claims.testing import open_case, walk_to
from chexian.core.testing import make_user
from chexian.incentives.tests.factories import approve, catalogue, gift_package, rebate, reject
from chexian.org.choices import Role
from chexian.policies import services as policy_services
from chexian.policies.choices import CancellationReason, PolicyLine
from chexian.policies.services import CoverageInput
from chexian.policies.tests.factories import active_contract, make_policy
from chexian.reports import engine
from chexian.reports.engine import Rate, Scope
from chexian.reports.periods import Period
from chexian.statements import services as statement_services
from chexian.statements.tests.factories import AFTER_OCTOBER, car, october_business

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 22)
OCT = lambda day: dt.date(2026, 10, day)  # noqa: E731
PROFIT_KEYS = ("motor_commission", "non_motor_commission", "clawback", "gifts", "repair_margin", "profit")


def run(user, code, period="2026-10", store="A01"):
    return engine.get(code).run(Scope.for_user(user, store_code=store), Period.parse(period, today=TODAY),
                                today=TODAY)


def figures(result) -> dict:
    return {figure.key: figure.value for figure in result.figures}


def stable_queries(assert_max, pin: int, report, grow):
    """``report()`` runs in at most ``pin`` queries, and in the same number after ``grow()`` adds records."""
    report()  # the user's roles are cached on the first run
    with CaptureQueriesContext(connection) as before:
        report()
    grow()
    with assert_max(pin), CaptureQueriesContext(connection) as after:
        report()
    assert len(after) == len(before) <= pin


def non_motor(actor, store, day):
    return make_policy(actor, car(actor, store), line=PolicyLine.NON_MOTOR, start=day, issued_on=day,
                       premium=D("212.00"), premium_without_vat=D("200.00"), vat=D("12.00"), vehicle_tax=D("0"),
                       coverages=[CoverageInput(Coverage.objects.get(code="driver_passenger_accident"),
                                                D("212.00"), limit=D("100000"))])


@pytest.fixture
def october(cast):
    month = october_business(cast)
    p = month.policies
    supervisors = non_motor(cast.a_supervisor, cast.store_a, OCT(8))
    policy_services.cancel_policy(actor=cast.a_supervisor, policy=supervisors,
                                  reason=CancellationReason.POLICYHOLDER_REQUEST, effective_date=OCT(25),
                                  refund_amount=D("106.00"))
    approve(cast.a_supervisor, rebate(cast.a_issuer, p["com1"], "100.00", granted_on=OCT(12)))
    rebate(cast.a_issuer, p["ctpl1"], "50.00", granted_on=OCT(3))
    items = catalogue(cast.a_supervisor, cast.store_a)
    gift_package(cast.a_issuer, p["ctpl2"], [(items["wash"], 2)], granted_on=OCT(9))
    reject(cast.a_supervisor, rebate(cast.a_issuer, p["com2"], "500.00", granted_on=OCT(31)))
    adjuster = make_user("a-adjuster", Role.ADJUSTER, cast.store_a)
    walk_to(open_case(adjuster, cast.store_a, vehicle=p["com1"].vehicle, accident_at=timezone.now()), Step.SIGNING,
            adjuster, settlement={"settlement_amount": D("6800.00"), "insurer_amount": D("6800.00"),
                                  "third_party_amount": D("0.00")})
    month.policies["non_motor"] = supervisors
    return month


# ---------------------------------------------------------------- profit
def test_profit_gives_each_part_and_a_row_per_specialist(cast, october):
    assert october.policies["ctpl1"].commission_amount == D("32.26")
    assert october.policies["com1"].commission_amount == D("540.00")
    result = run(cast.a_supervisor, "profit")
    found = figures(result)
    assert tuple(found[key] for key in PROFIT_KEYS) == (
        D("1716.78"), D("50.00"), D("25.00"), D("220.00"), D("2040.00"), D("3561.78"))
    rows = {row["label"]: tuple(row[key] for key in ("policies", *PROFIT_KEYS)) for row in result.rows}
    assert rows == {
        "a-issuer": (6, D("1716.78"), D("0.00"), D("0.00"), D("220.00"), D("2040.00"), D("3536.78")),
        "a-supervisor": (1, D("0.00"), D("50.00"), D("25.00"), D("0.00"), D("0.00"), D("25.00")),
    }
    assert result.totals["profit"] == D("3561.78") and result.totals["policies"] == 7
    profit = result.figures[-1]
    assert profit.previous == D("270.00")  # September: 540.00 − 270.00 clawed back in October
    assert profit.last_year == D("0.00")
    assert [chart.kind for chart in result.charts] == ["hbar"]
    queryset, _columns = engine.get("profit").drill(result.ctx, "policies")
    assert queryset.count() == 7


def test_profit_of_store_b_and_for_a_user_without_profit_rights_is_empty(cast, october):
    assert figures(run(cast.b_supervisor, "profit", store="B01"))["profit"] == D("0.00")
    assert run(cast.b_supervisor, "profit", store="B01").rows == []
    # The issuer reads reports but may not see profit (profit.view): the report shows nothing.
    issuer = run(cast.a_issuer, "profit")
    assert figures(issuer)["profit"] == D("0.00") and issuer.rows == []


def test_profit_queries_do_not_grow_with_the_records(cast, october, django_assert_max_num_queries):
    def grow():
        for day in (2, 4, 6):
            policy = make_policy(cast.a_issuer, car(cast.a_issuer, cast.store_a), line=PolicyLine.COMMERCIAL,
                                 start=OCT(day), issued_on=OCT(day))
            rebate(cast.a_issuer, policy, "10.00", granted_on=OCT(day))

    stable_queries(django_assert_max_num_queries, 7, lambda: run(cast.a_supervisor, "profit"), grow)


# ---------------------------------------------------------------- compliance
def test_compliance_lists_gifts_and_rebates_per_store_and_month_flagging_the_unapproved(cast, october):
    result = run(cast.a_supervisor, "compliance")
    found = figures(result)
    # 100.00 approved; 50.00 and 70.00 pending, 500.00 rejected: three not approved, 620.00 of 720.00.
    assert (found["count"], found["at_grant"], found["flagged"], found["unapproved"]) == (
        4, D("720.00"), 3, D("620.00"))
    [row] = result.rows
    assert (row["store"], row["month"], row["count"], row["approved"], row["flagged"], row["gifts"],
            row["rebates"], row["at_grant"]) == ("A01", "2026-10", 4, 1, 3, D("70.00"), D("650.00"), D("720.00"))
    assert row["approved_share"] == Rate(1, 4)
    assert "Art 131(4)" in str(result.report.definition)
    queryset, _columns = engine.get("compliance").drill(result.ctx, "flagged")
    assert queryset.count() == 3
    assert figures(run(cast.a_supervisor, "compliance", period="2026-09"))["count"] == 0


def test_compliance_of_store_b_shows_none_of_store_a(cast, october):
    result = run(cast.b_supervisor, "compliance", store="B01")
    assert figures(result)["count"] == 0 and result.rows == []


def test_compliance_queries_do_not_grow_with_the_records(cast, october, django_assert_max_num_queries):
    def grow():
        for name in ("ctpl3", "cpic", "com2"):
            rebate(cast.a_issuer, october.policies[name], "20.00", granted_on=OCT(30))

    stable_queries(django_assert_max_num_queries, 5, lambda: run(cast.a_supervisor, "compliance"), grow)


# ---------------------------------------------------------------- commission statements aging
def june_statements(cast, month, first_month=dt.date(2026, 6, 1)):
    """A PICC commercial (540.00) and a CPIC CTPL (32.26) policy issued in ``first_month``, its statements built."""
    day = first_month.replace(day=10)
    make_policy(cast.a_issuer, car(cast.a_issuer, cast.store_a), line=PolicyLine.COMMERCIAL, start=day, issued_on=day)
    make_policy(cast.a_issuer, car(cast.a_issuer, cast.store_a), insurer_code="CPIC", line=PolicyLine.CTPL,
                start=day, issued_on=day)
    return statement_services.build(actor=month.finance, month=first_month, today=AFTER_OCTOBER)


@pytest.fixture
def statements(cast, october):
    june_statements(cast, october)
    statement_services.build(actor=october.finance, month=dt.date(2026, 10, 1), today=AFTER_OCTOBER)
    return october


def test_commission_unpaid_more_than_three_months_is_aged(cast, statements):
    # At the end of October, statements of months before July are aged: June's two, not October's.
    result = run(cast.a_supervisor, "commission_aging")
    assert figures(result) == {"aged": 2, "owed": D("572.26")}  # 540.00 + 32.26
    assert sorted((row["month"], row["owed"]) for row in result.rows) == [
        ("2026-06", D("32.26")), ("2026-06", D("540.00"))]
    assert result.totals["owed"] == D("572.26")
    assert result.figures[0].previous is None  # states are as they stand: not compared
    # At the end of September, June was not yet more than three months ago.
    assert figures(run(cast.a_supervisor, "commission_aging", period="2026-09"))["aged"] == 0
    [chart] = result.charts
    assert chart.kind == "bar"
    queryset, _columns = engine.get("commission_aging").drill(result.ctx, "aged")
    assert queryset.count() == 2


def test_commission_aging_of_store_b_shows_none_of_store_a(cast, statements):
    result = run(cast.b_supervisor, "commission_aging", store="B01")
    assert figures(result) == {"aged": 0, "owed": D("0.00")} and result.rows == []


def test_commission_aging_queries_do_not_grow_with_the_records(cast, statements, django_assert_max_num_queries):
    stable_queries(django_assert_max_num_queries, 4, lambda: run(cast.a_supervisor, "commission_aging"),
                   lambda: june_statements(cast, statements, dt.date(2026, 5, 1)))


# ---------------------------------------------------------------- blank-form reconciliation
def form(serial):
    return BlankForm.objects.get(serial=serial)


@pytest.fixture
def register(cast):
    """Store A: compulsory forms JQ1–10 and commercial SY1–5 received; JQ1–4 issued to a-issuer; JQ1 used
    by a policy of 5 October, JQ2 voided, JQ3 lost, JQ9–10 returned; a policy of 6 October printed on
    JQ99, which the register never received (a mismatch). Store B: BQ1–3 received."""
    active_contract(cast, cast.store_a, valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2027, 12, 31))
    receive(cast.a_supervisor, cast.store_a, 1, 10)
    receive(cast.a_supervisor, cast.store_a, 1, 5, kind=FormKind.COMMERCIAL_POLICY, prefix="SY")
    blankform_services.issue_range(actor=cast.a_supervisor, store=cast.store_a, kind=FormKind.COMPULSORY_POLICY,
                                   first_serial="JQ00000001", last_serial="JQ00000004", holder=cast.a_issuer)
    for day, serial in ((5, "JQ00000001"), (6, "JQ00000099")):
        make_policy(cast.a_issuer, car(cast.a_issuer, cast.store_a), start=OCT(day), issued_on=OCT(day),
                    blank_form_serial=serial)
    blankform_services.void(actor=cast.a_issuer, form=form("JQ00000002"), reason="打印错位", original_kept=True)
    blankform_services.report_lost(actor=cast.a_supervisor, form=form("JQ00000003"), reason="日终盘点未找到")
    blankform_services.return_range(actor=cast.a_supervisor, store=cast.store_a, kind=FormKind.COMPULSORY_POLICY,
                                    first_serial="JQ00000009", last_serial="JQ00000010")
    receive(cast.b_supervisor, cast.store_b, 1, 3, prefix="BQ")


def test_blank_forms_reconcile_per_store_and_kind_with_the_periods_mismatches(cast, register):
    result = run(cast.a_supervisor, "blankform_reconciliation")
    counts = ("received", "in_stock", "issued", "used", "voided", "returned", "lost", "balanced", "mismatches")
    rows = {row["kind"]: tuple(row[key] for key in counts) for row in result.rows}
    assert rows == {
        str(FormKind.COMMERCIAL_POLICY.label): (5, 5, 0, 0, 0, 0, 0, True, 0),
        # 10 received = 4 in stock (JQ5–8) + 1 issued (JQ4) + 1 used + 1 voided + 2 returned + 1 lost
        str(FormKind.COMPULSORY_POLICY.label): (10, 4, 1, 1, 1, 2, 1, True, 1),
    }
    assert figures(result) == {"received": 15, "unbalanced": 0, "held": 1, "lost": 1, "mismatches": 1}
    assert figures(run(cast.a_supervisor, "blankform_reconciliation", period="2026-09"))["mismatches"] == 0
    queryset, _columns = engine.get("blankform_reconciliation").drill(result.ctx, "mismatches")
    assert [mismatch.serial for mismatch in queryset] == ["JQ00000099"]


def test_blank_forms_of_store_b_show_none_of_store_a(cast, register):
    result = run(cast.b_supervisor, "blankform_reconciliation", store="B01")
    assert [(row["store"], row["received"], row["in_stock"]) for row in result.rows] == [("B01", 3, 3)]
    assert figures(result)["mismatches"] == 0


def test_blank_form_queries_do_not_grow_with_the_records(cast, register, django_assert_max_num_queries):
    def grow():
        receive(cast.a_supervisor, cast.store_a, 1, 20, kind=FormKind.INSURANCE_MARK, prefix="BZ")
        blankform_services.issue_range(actor=cast.a_supervisor, store=cast.store_a,
                                       kind=FormKind.INSURANCE_MARK, first_serial="BZ00000001",
                                       last_serial="BZ00000005", holder=cast.a_issuer)
        make_policy(cast.a_issuer, car(cast.a_issuer, cast.store_a), start=OCT(7), issued_on=OCT(7),
                    blank_form_serial="JQ00000098")

    stable_queries(django_assert_max_num_queries, 5, lambda: run(cast.a_supervisor, "blankform_reconciliation"),
                   grow)


MINE = ("profit", "compliance", "commission_aging", "blankform_reconciliation", "claim_rate", "repair_retention",
        "insurer_balance", "claims_aging", "staff_efficiency")


def test_each_report_renders_on_the_page_in_excel_pdf_and_json_with_its_drill_downs(client, cast, october):
    from django.urls import reverse

    client.force_login(cast.a_supervisor)
    asked = {"store": "A01", "period": "2026-10"}
    for code in MINE:
        url = reverse("reports:report", args=[code])
        assert client.get(url, asked).status_code == 200, code
        assert client.get(url, {**asked, "format": "xlsx"}).status_code == 200, code
        assert client.get(url, {**asked, "format": "pdf", "reason": "月报"})["Content-Type"] == "application/pdf"
        data = client.get(f"/api/reports/{code}/", asked).json()
        assert data["report"] == code and data["definition"], code
        for figure in data["figures"]:
            if figure["drill"]:
                drill = client.get(reverse("reports:drill", args=[code, figure["drill"]]), asked)
                assert drill.status_code == 200, (code, figure["drill"])
    # The group office sees the group.
    for code in MINE:
        assert client.get(f"/api/reports/{code}/", {"period": "2026-10", "group": "1"}).status_code == 404
    client.force_login(cast.office)
    for code in MINE:
        data = client.get(f"/api/reports/{code}/", {"period": "2026-10", "group": "1"}).json()
        assert data["scope"]["kind"] == "group", code
