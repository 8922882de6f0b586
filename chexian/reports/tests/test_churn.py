"""The churn analysis (客户流失率) and the lost-renewal summary (续保战败总结), on renewal
cases made by the daily job's ``create_cases`` and closed through the real services:
renewed by issuing the renewal policy, lost with ``mark_lost`` and a reason."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal as D

import pytest
from django.utils import timezone

from chexian.core.testing import make_user, make_vehicle
from chexian.insurers.models import Insurer
from chexian.org.choices import Role
from chexian.policies.tests.factories import active_contract, make_policy
from chexian.renewals import selectors, services
from chexian.renewals.choices import CaseStatus, LostReason, Segment
from chexian.renewals.models import RenewalCase
from chexian.reports import engine
from chexian.reports.engine import Rate, ReportError, Scope
from chexian.reports.periods import MONTH, Period

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 22)
OCTOBER = dt.date(2025, 10, 10)  # policies starting then expire in October 2026
NOVEMBER = dt.date(2025, 11, 10)
CTPL = D("855.00")  # the factory's CTPL premium: each case's expiring premium
_engines = itertools.count(1)


def run(user, code, period="2026-10", store="A01", today=TODAY):
    scope = Scope.for_user(user, store_code=store) if store else Scope.for_user(user, group=True)
    if isinstance(period, str):
        period = Period.parse(period, today=today)
    return engine.get(code).run(scope, period, today=today)


def this_month() -> Period:
    """mark_lost and close_renewed stamp the cases closed now: the lost-renewal summary reads this month."""
    return Period.of(MONTH, timezone.localdate())


def insured(cast, store, start, actor=None, **car):
    actor = actor or (cast.a_issuer if store == cast.store_a else cast.b_issuer)
    vehicle = make_vehicle(actor, store, engine_no=f"C{next(_engines):06d}", **car)
    make_policy(actor, vehicle, start=start)
    return vehicle


def case_of(vehicle) -> RenewalCase:
    return RenewalCase.objects.get(vehicle=vehicle)


def lose(actor, vehicle, reason, insurer=None, channel=""):
    return services.mark_lost(actor=actor, case=case_of(vehicle), reason=reason, insurer=insurer, channel=channel)


@pytest.fixture
def desk(cast):
    """Store A: five cars whose cover ends in October 2026 (one a car the store sold new), one ending
    in November; store B: one ending in October. The daily job opens the cases (all assigned to
    a-issuer); the supervisor hands two to a second specialist. Then:

    ======  =========  ===========  =========================================
    car     specialist outcome      (closed today, whatever the due month)
    ======  =========  ===========  =========================================
    0       a-issuer   renewed      renewal policy issued
    1       a-issuer   lost         price, won by CPIC
    2       a-issuer   open
    3       a-issuer2  lost         another 4S store, channel 隔壁4S店
    4       a-issuer2  open         the new car (segment 新车次年)
    nov     a-issuer   lost         insurer direct — due in November
    b       b-issuer   lost         price — store B
    ======  =========  ===========  =========================================
    """
    active_contract(cast, cast.store_a, valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2027, 12, 31))
    active_contract(cast, cast.store_b, valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2027, 12, 31))
    cars = [insured(cast, cast.store_a, OCTOBER) for _ in range(4)]
    cars.append(insured(cast, cast.store_a, OCTOBER, sold_here=True, purchase_date=dt.date(2025, 10, 8),
                        first_registration_date=dt.date(2025, 10, 8)))
    november = insured(cast, cast.store_a, NOVEMBER)
    other_store = insured(cast, cast.store_b, OCTOBER)
    assert services.create_cases(dt.date(2026, 9, 1)) == 7
    second = make_user("a-issuer2", Role.ISSUER, cast.store_a)
    services.reassign(actor=cast.a_supervisor, cases=[case_of(cars[3]), case_of(cars[4])], to=second)

    make_policy(cast.a_issuer, cars[0], start=case_of(cars[0]).due_date + dt.timedelta(days=1))
    cpic = Insurer.objects.get(code="CPIC")
    lose(cast.a_issuer, cars[1], LostReason.PRICE, insurer=cpic)
    lose(second, cars[3], LostReason.OTHER_4S, channel="隔壁4S店")
    lose(cast.a_issuer, november, LostReason.INSURER_DIRECT)
    lose(cast.b_issuer, other_store, LostReason.PRICE)
    return {"cars": cars, "second": second, "cpic": cpic}


def by(result, key) -> dict:
    return {row["label"]: row for row in result.rows if row["key"] == key}


# ---------------------------------------------------------------- churn
def test_churn_is_the_cases_lost_over_the_cases_due_in_the_period(cast, desk):
    assert case_of(desk["cars"][0]).status == CaseStatus.RENEWED
    assert case_of(desk["cars"][4]).segment == Segment.NEW_CAR_SECOND_YEAR
    result = run(cast.a_supervisor, "churn")
    figures = {figure.key: figure for figure in result.figures}
    # Due in October at store A: cars 0–4. Lost: 1 and 3. The November case and store B's are not counted.
    assert figures["churn_rate"].value == Rate(2, 5) and str(figures["churn_rate"].value.value) == "40.0"
    assert figures["due"].value == 5
    assert figures["open"].value == 2
    assert figures["lost_premium"].value == 2 * CTPL
    assert figures["churn_rate"].previous == Rate(0, 0) and figures["churn_rate"].previous.value is None
    assert result.totals["rate"] == Rate(2, 5)
    # November on its own: one due, one lost.
    assert run(cast.a_supervisor, "churn", period="2026-11").figures[0].value == Rate(1, 1)


def test_churn_breaks_down_by_reason_competitor_specialist_and_segment(cast, desk):
    result = run(cast.a_supervisor, "churn")
    reasons = by(result, "reason")
    assert set(reasons) == {str(LostReason.PRICE.label), str(LostReason.OTHER_4S.label)}
    price = reasons[str(LostReason.PRICE.label)]
    assert (price["lost"], price["rate"], price["share"], price["lost_premium"]) == (1, Rate(1, 5), Rate(1, 2), CTPL)
    competitors = by(result, "competitor")
    assert {label: row["lost"] for label, row in competitors.items()} == {desk["cpic"].short_name: 1, "隔壁4S店": 1}
    specialists = by(result, "specialist")
    assert {name: (row["due"], row["lost"], row["rate"]) for name, row in specialists.items()} == {
        "a-issuer": (3, 1, Rate(1, 3)), "a-issuer2": (2, 1, Rate(1, 2))}
    segments = by(result, "segment")
    assert {name: (row["due"], row["lost"]) for name, row in segments.items()} == {
        str(Segment.TRANSFERRED_IN.label): (4, 2), str(Segment.NEW_CAR_SECOND_YEAR.label): (1, 0)}
    chart = result.charts[0]
    assert (chart.kind, sorted(chart.series[0]["data"])) == ("hbar", [1, 1])
    data = result.as_json()
    assert data["figures"][0]["value"] == {"numerator": 2, "denominator": 5, "rate": "40.0"}


def test_churn_drills_down_to_the_cases(cast, desk):
    report = engine.get("churn")
    result = run(cast.a_supervisor, "churn")
    lost, columns = report.drill(result.ctx, "lost")
    assert sorted(lost.values_list("vehicle", flat=True)) == sorted([desk["cars"][1].pk, desk["cars"][3].pk])
    assert report.drill(result.ctx, "due")[0].count() == 5
    assert report.drill(result.ctx, "open")[0].count() == 2
    assert report.drill(result.ctx, "nothing") is None
    assert ("get_lost_reason_display", "Reason lost") in [(path, str(label)) for path, label in columns]


def test_churn_keeps_to_the_store_and_the_group_sees_both(cast, desk):
    assert run(cast.b_supervisor, "churn", store="B01").figures[0].value == Rate(1, 1)
    with pytest.raises(ReportError) as refused:
        run(cast.b_supervisor, "churn", store="A01")
    assert refused.value.status == 404
    assert run(cast.office, "churn", store=None).figures[0].value == Rate(3, 6)


# ---------------------------------------------------------------- lost-renewal summary
def test_the_lost_renewal_summary_counts_the_cases_lost_in_the_period_with_the_premium(cast, desk):
    month = this_month()
    result = run(cast.a_supervisor, "lost_renewals", period=month, today=timezone.localdate())
    figures = {figure.key: figure.value for figure in result.figures}
    # Closed this month at store A: cars 1, 3 and the November car lost; car 0 renewed.
    assert figures["lost"] == 3
    assert figures["lost_premium"] == 3 * CTPL
    assert figures["lost_of_closed"] == Rate(3, 4)
    reasons = by(result, "reason")
    assert {label: (row["lost"], row["lost_premium"]) for label, row in reasons.items()} == {
        str(LostReason.PRICE.label): (1, CTPL), str(LostReason.OTHER_4S.label): (1, CTPL),
        str(LostReason.INSURER_DIRECT.label): (1, CTPL)}
    specialists = by(result, "specialist")
    assert {name: (row["lost"], row["share"]) for name, row in specialists.items()} == {
        "a-issuer": (2, Rate(2, 3)), "a-issuer2": (1, Rate(1, 3))}
    assert result.charts[0].kind == "hbar"
    # The same count as the renewals pages' summary of the month (one definition: renewals.selectors).
    summary = selectors.lost_summary(cast.a_supervisor, month.start)
    assert summary["totals"] == {"renewed": 1, "lost": 3, "lost_premium": 3 * CTPL}
    assert sum(row["n"] for row in summary["by_reason"]) == 3
    drilled, _columns = engine.get("lost_renewals").drill(result.ctx, "lost")
    assert drilled.count() == 3 and not drilled.exclude(store=cast.store_a).exists()
    assert engine.get("lost_renewals").drill(result.ctx, "closed")[0].count() == 4


def test_the_lost_renewal_summary_of_a_month_with_nothing_closed_is_empty(cast, desk):
    result = run(cast.a_supervisor, "lost_renewals", period="2026-10")
    assert [figure.value for figure in result.figures] == [0, D("0.00"), Rate(0, 0)]
    assert result.rows == [] and result.charts == []


def test_the_group_summary_adds_a_row_per_store(cast, desk):
    month = this_month()
    result = run(cast.office, "lost_renewals", period=month, store=None, today=timezone.localdate())
    assert result.figures[0].value == 4
    stores = by(result, "store")
    assert {name: row["lost"] for name, row in stores.items()} == {cast.store_a.name: 3, cast.store_b.name: 1}
    with pytest.raises(ReportError) as refused:
        run(cast.b_supervisor, "lost_renewals", period=month, store="A01", today=timezone.localdate())
    assert refused.value.status == 404


# ---------------------------------------------------------------- query counts
@pytest.fixture
def many_lost(cast, request):
    """``request.param`` cars of store A expiring in October 2026, every one lost (reasons,
    insurers and two specialists in turn)."""
    active_contract(cast, cast.store_a, valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2027, 12, 31))
    cars = [insured(cast, cast.store_a, OCTOBER) for _ in range(request.param)]
    services.create_cases(dt.date(2026, 9, 1))
    second = make_user("a-issuer2", Role.ISSUER, cast.store_a)
    services.reassign(actor=cast.a_supervisor, cases=[case_of(car) for car in cars[::2]], to=second)
    insurers = list(Insurer.objects.order_by("code")[:4])
    for i, car in enumerate(cars):
        actor = second if i % 2 == 0 else cast.a_issuer
        lose(actor, car, LostReason.values[i % len(LostReason.values)], insurer=insurers[i % len(insurers)])
    return request.param


# One aggregate for the figures (and again for the previous period and last year); one grouped
# query per breakdown — however many cases.
@pytest.mark.parametrize("many_lost", [3, 30], indirect=True)
def test_the_churn_report_runs_in_a_fixed_number_of_queries(cast, many_lost, django_assert_max_num_queries):
    scope = Scope.for_user(cast.a_supervisor, store_code="A01")
    period = Period.parse("2026-10", today=TODAY)
    with django_assert_max_num_queries(7):
        result = engine.get("churn").run(scope, period, today=TODAY)
    assert result.figures[0].value == Rate(many_lost, many_lost)
    assert len(by(result, "reason")) == min(many_lost, len(LostReason.values))


@pytest.mark.parametrize("many_lost", [3, 30], indirect=True)
def test_the_lost_renewal_summary_runs_in_a_fixed_number_of_queries(cast, many_lost,
                                                                     django_assert_max_num_queries):
    scope = Scope.for_user(cast.a_supervisor, store_code="A01")
    today = timezone.localdate()
    with django_assert_max_num_queries(6):
        result = engine.get("lost_renewals").run(scope, this_month(), today=today)
    assert result.figures[0].value == many_lost
    assert len(by(result, "specialist")) == 2
