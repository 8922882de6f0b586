"""Customer reports built through the real services: new-customer conversion (leads captured
with ``capture_lead``, converted by the policy ``issue_policy`` records for their car or
mobile), the customer register (renewal contacts, lead follow-ups, service orders), the
linkage analysis (referrals and repair opportunities) and the growth of customers whose
car the store did not sell."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal as D

import pytest
from django.utils import timezone

from chexian.core.crypto import mask_mobile
from chexian.core.testing import make_customer, make_service_order, make_vehicle
from chexian.customers.models import Customer
from chexian.leads import services as lead_services
from chexian.leads.choices import LeadSource, LeadStatus, RepairStatus
from chexian.org.choices import DepartmentKind
from chexian.org.models import Department, StaffRole
from chexian.policies.choices import BusinessType, PolicyLine
from chexian.policies.tests.factories import active_contract, make_policy
from chexian.quotes.sheets import mask_tail
from chexian.renewals import services as renewal_services
from chexian.renewals.choices import CallOutcome
from chexian.renewals.models import RenewalCase
from chexian.reports import engine
from chexian.reports.engine import Rate, ReportError, Scope
from chexian.reports.kpis.customers import CustomerRegister
from chexian.reports.periods import MONTH, Period

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 22)
CTPL = D("855.00")
_serial = itertools.count(1)
_plates = (f"粤A{n:05d}" for n in itertools.count(10_000))


def run(user, code, period=None, store="A01", today=None):
    """``period`` a label, or None for this month: leads and follow-ups are stamped now."""
    today = today or timezone.localdate()
    scope = Scope.for_user(user, store_code=store) if store else Scope.for_user(user, group=True)
    period = Period.parse(period, today=today) if period else Period.of(MONTH, today)
    return engine.get(code).run(scope, period, today=today)


def rows_by(result, key) -> dict:
    return {row["label"]: row for row in result.rows if row["key"] == key}


def car(cast, store=None, actor=None, **fields):
    store = store or cast.store_a
    actor = actor or (cast.a_issuer if store == cast.store_a else cast.b_issuer)
    return make_vehicle(actor, store, engine_no=f"K{next(_serial):06d}", **fields)


@pytest.fixture
def contracts(cast):
    active_contract(cast, cast.store_a, valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2027, 12, 31))
    active_contract(cast, cast.store_b, valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2027, 12, 31))


@pytest.fixture
def wash(cast):
    department = Department.objects.create(store=cast.store_a, kind=DepartmentKind.WASH, name="洗车部")
    StaffRole.objects.filter(user=cast.a_dept).update(department=department)
    return department


def capture(cast, actor=None, store=None, **data):
    fields = {"name": "孙先生", "mobile": f"139{next(_serial):08d}", "note": "问价"}
    fields.update(data)
    return lead_services.capture_lead(actor=actor or cast.a_dept, store=store or cast.store_a, data=fields)


@pytest.fixture
def leads(cast, contracts, wash):
    """Store A, this month: three referrals from the car wash (one converted by a policy for its
    plate), a walk-in (converted by a policy for a car of a customer with its mobile) and a
    phone enquiry (not converted); store B: a phone enquiry."""
    referred = [capture(cast, plate=next(_plates)) for _ in range(2)] + [capture(cast)]
    walk_in = capture(cast, actor=cast.a_issuer, source=LeadSource.WALK_IN)
    phone = capture(cast, actor=cast.a_issuer, source=LeadSource.PHONE)
    capture(cast, actor=cast.b_issuer, store=cast.store_b, source=LeadSource.PHONE)
    make_policy(cast.a_issuer, car(cast, plate=referred[0].plate))
    owner = make_customer(cast.a_issuer, cast.store_a, mobile=walk_in.mobile)
    make_policy(cast.a_issuer, car(cast, owner=owner))
    for lead in (*referred, walk_in, phone):
        lead.refresh_from_db()
    assert [lead.status for lead in (*referred, walk_in, phone)] == [
        LeadStatus.CONVERTED, LeadStatus.NEW, LeadStatus.NEW, LeadStatus.CONVERTED, LeadStatus.NEW]
    return {"referred": referred, "walk_in": walk_in, "phone": phone}


# ---------------------------------------------------------------- new-customer conversion
def test_conversion_is_intention_customers_who_bought_over_those_captured(cast, leads):
    result = run(cast.a_supervisor, "new_customer_conversion")
    assert result.figures[0].value == Rate(2, 5)  # the referral with the plate and the walk-in, of five
    assert result.figures[1].value == 5
    sources = rows_by(result, "source")
    assert {label: (row["captured"], row["converted"]) for label, row in sources.items()} == {
        str(LeadSource.REFERRAL.label): (3, 1), str(LeadSource.WALK_IN.label): (1, 1),
        str(LeadSource.PHONE.label): (1, 0)}
    departments = rows_by(result, "department")
    assert departments["洗车部"]["rate"] == Rate(1, 3)
    assert departments["(not referred by a department)"]["rate"] == Rate(1, 2)
    months = rows_by(result, "month")
    assert [(row["captured"], row["converted"]) for row in months.values()] == [(5, 2)]
    report = engine.get("new_customer_conversion")
    converted, columns = report.drill(result.ctx, "converted")
    assert set(converted.values_list("pk", flat=True)) == {leads["referred"][0].pk, leads["walk_in"].pk}
    assert {lead.mobile_masked for lead in converted} == {mask_mobile(leads["referred"][0].mobile),
                                                          mask_mobile(leads["walk_in"].mobile)}
    assert "mobile" not in [path for path, _label in columns]


def test_conversion_counts_by_the_month_of_capture(cast, leads):
    last_month = Period.of(MONTH, timezone.localdate()).previous()
    result = run(cast.a_supervisor, "new_customer_conversion", period=last_month.label)
    assert result.figures[0].value == Rate(0, 0) and result.rows == []
    assert run(cast.a_supervisor, "new_customer_conversion").figures[0].previous == Rate(0, 0)


def test_conversion_keeps_to_the_store(cast, leads):
    assert run(cast.b_supervisor, "new_customer_conversion", store="B01").figures[0].value == Rate(0, 1)
    assert run(cast.office, "new_customer_conversion", store=None).figures[0].value == Rate(2, 6)
    with pytest.raises(ReportError) as refused:
        run(cast.b_supervisor, "new_customer_conversion", store="A01")
    assert refused.value.status == 404


# ---------------------------------------------------------------- linkage
@pytest.fixture
def repairs(cast, wash):
    """Two repair opportunities noticed by the car wash this month; after-sales converts one."""
    noticed = [lead_services.note_repair(actor=cast.a_dept, store=cast.store_a, plate=next(_plates),
                                         damage="左前门凹陷", estimate=D("1200.00")) for _ in range(2)]
    lead_services.update_repair(actor=cast.a_supervisor, opportunity=noticed[0], status=RepairStatus.CONVERTED,
                                repair_order="RO20261101")
    lead_services.update_repair(actor=cast.a_supervisor, opportunity=noticed[1], status=RepairStatus.DECLINED)
    return noticed


def test_linkage_credits_referrals_conversions_and_premium_to_department_and_person(cast, leads, repairs):
    result = run(cast.a_supervisor, "linkage")
    figures = {figure.key: figure.value for figure in result.figures}
    assert figures["referred"] == 3
    assert figures["conversion"] == Rate(1, 3)
    assert figures["premium"] == CTPL  # the CTPL policy that converted the referral
    assert figures["repairs"] == Rate(1, 2)
    department = rows_by(result, "department")["洗车部"]
    assert (department["count"], department["converted"], department["premium"]) == (3, 1, CTPL)
    person = rows_by(result, "person")["a-wash"]
    assert (person["department"], person["count"], person["rate"]) == ("洗车部", 3, Rate(1, 3))
    repair = rows_by(result, "repair")["洗车部"]
    assert (repair["count"], repair["converted"], repair["premium"]) == (2, 1, None)
    # The same counts as the linkage leaderboard (one implementation: leads.services.board_of).
    month = Period.of(MONTH, timezone.localdate())
    board = lead_services.leaderboard(cast.a_supervisor, month.start, month.end)
    assert [(r["department__name"], r["referred"], r["converted"], r["premium"]) for r in board["departments"]] == [
        ("洗车部", 3, 1, CTPL)]
    report = engine.get("linkage")
    assert report.drill(result.ctx, "referrals")[0].count() == 3
    assert report.drill(result.ctx, "converted")[0].get() == leads["referred"][0]
    assert report.drill(result.ctx, "repairs")[0].count() == 2
    assert result.charts[0].series[1]["data"] == [1]


def test_linkage_keeps_to_the_store(cast, leads, repairs):
    result = run(cast.b_supervisor, "linkage", store="B01")
    assert [figure.value for figure in result.figures] == [0, Rate(0, 0), D("0.00"), Rate(0, 0)]
    with pytest.raises(ReportError) as refused:
        run(cast.b_supervisor, "linkage", store="A01")
    assert refused.value.status == 404


# ---------------------------------------------------------------- the customer register
@pytest.fixture
def customers(cast, contracts):
    """Store A:
    - 钱: a car insured until December 2026 whose renewal case has a call logged with a call back
      in five days; two service orders in the last twelve months and one older;
    - 赵: a walk-in lead captured for their mobile, followed up, the next follow-up in two days;
    - 李: nothing yet.
    Store B: a customer the register of A never shows."""
    today = timezone.localdate()
    qian = make_customer(cast.a_issuer, cast.store_a, name="钱先生")
    qian_car = car(cast, owner=qian, plate="粤A8K2M6")
    make_policy(cast.a_issuer, qian_car, start=dt.date(2025, 12, 20))
    assert renewal_services.create_cases(dt.date(2026, 11, 1)) == 1
    case = RenewalCase.objects.get()
    renewal_services.log_contact(actor=cast.a_issuer, case=case, outcome=CallOutcome.CALL_BACK,
                                 next_contact_on=today + dt.timedelta(days=5))
    for days in (30, 200, 400):
        make_service_order(cast.a_supervisor, qian_car, opened_on=today - dt.timedelta(days=days))
    zhao = make_customer(cast.a_issuer, cast.store_a, name="赵女士")
    lead = capture(cast, actor=cast.a_issuer, source=LeadSource.WALK_IN, mobile=zhao.mobile)
    lead_services.follow_up(actor=cast.a_issuer, lead=lead, note="已报价",
                            next_follow_up=today + dt.timedelta(days=2))
    li = make_customer(cast.a_issuer, cast.store_a, name="李先生")
    make_customer(cast.b_issuer, cast.store_b, name="周先生")
    return {"qian": qian, "qian_car": qian_car, "case": case, "zhao": zhao, "li": li}


def test_the_register_shows_each_customer_ordered_by_the_next_contact(cast, customers):
    today = timezone.localdate()
    result = run(cast.a_supervisor, "customer_register")
    assert [row["name"] for row in result.rows] == ["赵女士", "钱先生", "李先生"]
    zhao, qian, li = result.rows
    qian_customer = customers["qian"]
    assert qian["mobile"] == mask_mobile(qian_customer.mobile) and qian["mobile"] != qian_customer.mobile
    assert qian["plate"] == mask_tail("粤A8K2M6") == "*A8K2M6"
    assert (qian["vehicle"], qian["vehicles"]) == ("广汽丰田 凯美瑞", 1)
    assert qian["segment"] == str(customers["case"].get_segment_display())
    assert (qian["visits_12m"], qian["last_visit"]) == (2, today - dt.timedelta(days=30))
    assert (qian["contacts"], qian["contacts_12m"], qian["last_contact"]) == (1, 1, today)
    assert (qian["next_contact"], qian["planned"]) == (today + dt.timedelta(days=5), 1)
    assert (zhao["contacts"], zhao["last_contact"], zhao["next_contact"], zhao["planned"]) == (
        1, today, today + dt.timedelta(days=2), 1)
    assert (zhao["plate"], zhao["vehicles"], zhao["visits_12m"], zhao["last_visit"]) == ("", 0, 0, None)
    assert (li["contacts"], li["next_contact"], li["planned"]) == (0, None, 0)
    figures = {figure.key: figure.value for figure in result.figures}
    assert figures == {"customers": 3, "planned": Rate(2, 3), "serviced": Rate(1, 3)}
    assert result.figures[0].previous is None  # a register is not compared with other periods


def test_the_register_shows_no_identity_number_and_no_full_mobile(cast, customers):
    result = run(cast.a_supervisor, "customer_register")
    text = str(result.as_json())
    for customer in Customer.objects.filter(store=cast.store_a):
        assert customer.id_number not in text and customer.id_number_masked not in text
        assert customer.mobile not in text
    drilled, columns = engine.get("customer_register").drill(result.ctx, "all")
    paths = [path for path, _label in columns]
    assert not any("id_number" in path for path in paths) and "mobile" not in paths
    qian = drilled.get(pk=customers["qian"].pk)
    assert (qian.mobile_masked, qian.plate_masked) == (mask_mobile(customers["qian"].mobile), "*A8K2M6")


def test_the_register_lists_the_first_rows_and_the_drill_down_has_everyone(cast, customers, monkeypatch):
    monkeypatch.setattr(CustomerRegister, "LIMIT", 2)
    result = run(cast.a_supervisor, "customer_register")
    assert [row["name"] for row in result.rows] == ["赵女士", "钱先生"]
    report = engine.get("customer_register")
    assert report.drill(result.ctx, "all")[0].count() == 3
    assert list(report.drill(result.ctx, "planned")[0].values_list("name", flat=True)) == ["赵女士", "钱先生"]
    assert list(report.drill(result.ctx, "serviced")[0].values_list("name", flat=True)) == ["钱先生"]


def test_the_register_keeps_to_the_store(cast, customers):
    result = run(cast.b_supervisor, "customer_register", store="B01")
    assert [row["name"] for row in result.rows] == ["周先生"]
    with pytest.raises(ReportError) as refused:
        run(cast.b_supervisor, "customer_register", store="A01")
    assert refused.value.status == 404
    assert run(cast.office, "customer_register", store=None).figures[0].value == 4


# ---------------------------------------------------------------- customers not bought here
def insure_on(cast, vehicle, issued_on, line=PolicyLine.CTPL, actor=None):
    start = issued_on + dt.timedelta(days=3)
    actor = actor or (cast.a_issuer if vehicle.store == cast.store_a else cast.b_issuer)
    return make_policy(actor, vehicle, line=line, start=start, issued_on=issued_on)


@pytest.fixture
def elsewhere(cast, contracts):
    """Store A: September 2026, two customers with cars bought elsewhere and one with a car sold here;
    October 2026, three customers with cars bought elsewhere (one insured twice: CTPL and
    commercial) and one with a car sold here. Store B: one in October."""
    september, october = dt.date(2026, 9, 12), dt.date(2026, 10, 12)
    for _ in range(2):
        insure_on(cast, car(cast), september)
    insure_on(cast, car(cast, sold_here=True, purchase_date=dt.date(2024, 5, 1)), september)
    twice = car(cast)
    insure_on(cast, twice, october)
    insure_on(cast, twice, october, line=PolicyLine.COMMERCIAL)
    for _ in range(2):
        insure_on(cast, car(cast), october)
    insure_on(cast, car(cast, sold_here=True, purchase_date=dt.date(2024, 5, 1)), october)
    insure_on(cast, car(cast, store=cast.store_b), october)
    return twice


def test_growth_of_customers_not_bought_here_is_this_period_over_the_previous(cast, elsewhere):
    result = run(cast.a_supervisor, "non_sold_here_growth", period="2026-10", today=TODAY)
    count, growth = result.figures
    assert count.value == 3  # the customer insured twice counts once; cars sold here are left out
    assert growth.value == Rate(1, 2) and str(growth.value.value) == "50.0"  # (3 − 2) ÷ 2
    assert count.previous == 2 and growth.previous == Rate(2, 0) and growth.previous.value is None
    assert result.rows == [{"key": BusinessType.TRANSFER_IN, "label": str(BusinessType.TRANSFER_IN.label),
                            "this": 3, "previous": 2, "growth": Rate(1, 2)}]
    report = engine.get("non_sold_here_growth")
    customers = report.drill(result.ctx, "customers")[0]
    assert customers.count() == 3 and elsewhere.owner in customers
    assert report.drill(result.ctx, "previous")[0].count() == 2
    # November so far: nobody yet — a fall of three.
    assert run(cast.a_supervisor, "non_sold_here_growth", period="2026-11", today=TODAY).figures[1].value == Rate(
        -3, 3)


def test_growth_keeps_to_the_store(cast, elsewhere):
    assert run(cast.b_supervisor, "non_sold_here_growth", period="2026-10", store="B01",
               today=TODAY).figures[0].value == 1
    with pytest.raises(ReportError) as refused:
        run(cast.b_supervisor, "non_sold_here_growth", period="2026-10", store="A01", today=TODAY)
    assert refused.value.status == 404


# ---------------------------------------------------------------- query counts
@pytest.fixture
def crowd(cast, contracts, wash, request):
    """``request.param`` of everything: customers with a car insured here (bought elsewhere) and a
    service order, referrals (every other one converted), repair opportunities, walk-ins followed up."""
    today = timezone.localdate()
    for i in range(request.param):
        referred = capture(cast, plate=next(_plates))
        vehicle = car(cast, plate=referred.plate if i % 2 == 0 else next(_plates))
        insure_on(cast, vehicle, dt.date(2026, 10, 12))
        make_service_order(cast.a_supervisor, vehicle, opened_on=today - dt.timedelta(days=i + 1))
        lead_services.note_repair(actor=cast.a_dept, store=cast.store_a, plate=vehicle.plate, damage="划痕")
        walk_in = capture(cast, actor=cast.a_issuer, source=LeadSource.WALK_IN, mobile=vehicle.owner.mobile)
        lead_services.follow_up(actor=cast.a_issuer, lead=walk_in, note="回电",
                                next_follow_up=today + dt.timedelta(days=i % 7))
    return request.param


# Per report: the figures (three times where compared with the previous period and last year), then one
# grouped query per breakdown — never one per record.
QUERIES = {"new_customer_conversion": 3 + 3, "customer_register": 1 + 1, "linkage": 2 * 3 + 3,
           "non_sold_here_growth": 3 + 1}


@pytest.mark.parametrize("crowd", [3, 30], indirect=True)
@pytest.mark.parametrize("code", sorted(QUERIES))
def test_each_customer_report_runs_in_a_fixed_number_of_queries(cast, crowd, code, django_assert_max_num_queries):
    today = timezone.localdate()
    scope = Scope.for_user(cast.a_supervisor, store_code="A01")
    period = Period.parse("2026-10", today=TODAY) if code == "non_sold_here_growth" else Period.of(MONTH, today)
    with django_assert_max_num_queries(QUERIES[code]):
        result = engine.get(code).run(scope, period, today=TODAY if code == "non_sold_here_growth" else today)
    if code == "customer_register":
        assert len(result.rows) == crowd and all(row["planned"] == 1 for row in result.rows)
    elif code == "linkage":
        assert result.figures[0].value == crowd
    elif code == "new_customer_conversion":
        assert result.figures[1].value == 2 * crowd
    else:
        assert result.figures[0].value == crowd
