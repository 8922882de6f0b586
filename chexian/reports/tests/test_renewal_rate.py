"""Renewal rate under its three definitions — the worked examples of seed-000 (100 %,
50 %, 10/30 = 33 % with the other 20 counted as new customers) under the cohort
definition, the fleet definition leaving other brands out — and the first-insurance
rate; built through the real services."""

from __future__ import annotations

import datetime as dt

import pytest

from chexian.core.testing import make_vehicle
from chexian.policies.choices import BusinessType, PolicyLine
from chexian.policies.tests.factories import active_contract, make_policy
from chexian.reports import engine
from chexian.reports.engine import Rate, ReportError, Scope
from chexian.reports.periods import Period, PeriodError

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 22)
MAY_2025 = dt.date(2025, 5, 10)
MAY_2026 = dt.date(2026, 5, 10)


@pytest.fixture
def contract(cast):
    return active_contract(cast, cast.store_a, valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2027, 12, 31))


def insure(cast, vehicle, start, line=PolicyLine.CTPL):
    return make_policy(cast.a_issuer, vehicle, line=line, start=start, issued_on=start - dt.timedelta(days=3))


def cars(cast, count, **overrides):
    return [make_vehicle(cast.a_issuer, cast.store_a, engine_no=f"E{i:05d}{id(overrides) % 997}", **overrides)
            for i in range(count)]


def run(cast, code, period="2026-05", user=None, **options):
    return engine.get(code).run(Scope.for_user(user or cast.a_supervisor, store_code="A01"),
                                Period.parse(period, today=TODAY), options=options, today=TODAY)


def headline(result) -> Rate:
    return result.figures[0].value


@pytest.mark.parametrize(("renewing", "expected"), [(30, Rate(30, 30)), (15, Rate(15, 30))])
def test_seed_examples_all_and_half_of_thirty_customers_renew(cast, contract, renewing, expected):
    customers = cars(cast, 30)
    for car in customers:
        insure(cast, car, MAY_2025)
    for car in customers[:renewing]:
        assert insure(cast, car, MAY_2026).business_type == BusinessType.RENEWAL
    rate = headline(run(cast, "renewal_rate"))
    assert rate == expected and rate.value == expected.value
    assert str(rate.value) == ("100.0" if renewing == 30 else "50.0")


def test_seed_example_ten_of_thirty_sales_are_renewals_the_other_twenty_are_new(cast, contract):
    last_year = cars(cast, 30)
    for car in last_year:
        insure(cast, car, MAY_2025)
    for car in last_year[:10]:
        insure(cast, car, MAY_2026)
    newcomers = cars(cast, 20)
    for car in newcomers:
        assert insure(cast, car, MAY_2026).business_type != BusinessType.RENEWAL
    result = run(cast, "renewal_rate")
    assert headline(result) == Rate(10, 30) and str(headline(result).value) == "33.3"
    # The 20 count as new customers: they are not in the cohort at all.
    assert result.as_json()["figures"][0]["value"] == {"numerator": 10, "denominator": 30, "rate": "33.3"}
    # A vehicle with CTPL and commercial expiring counts once.
    insure(cast, last_year[11], MAY_2025, line=PolicyLine.COMMERCIAL)
    assert headline(run(cast, "renewal_rate")) == Rate(10, 30)


def test_the_fleet_definition_divides_by_last_years_customer_base_without_other_brands(cast, contract):
    sold = cars(cast, 4, sold_here=True, purchase_date=dt.date(2025, 3, 1))
    cars(cast, 2, sold_here=True, purchase_date=dt.date(2025, 3, 1), brand="宝马", is_own_brand=False)
    cars(cast, 1, sold_here=True, purchase_date=dt.date(2025, 9, 1))  # bought after May 2025: not in the base
    other_brand = cars(cast, 1, brand="宝马", is_own_brand=False)[0]
    for car in sold[:2] + [other_brand]:
        insure(cast, car, MAY_2025)
        insure(cast, car, MAY_2026)
    fleet = run(cast, "renewal_rate", definition="fleet")
    assert headline(fleet) == Rate(2, 4)  # renewals this May ÷ own-brand base at the end of May 2025
    assert "other brands are excluded" in fleet.as_json()["options_described"]
    # Yearly: the same renewals over the base at the end of 2025, which has the car bought in September too.
    assert headline(run(cast, "renewal_rate", definition="yearly", period="2026")) == Rate(2, 5)
    # The cohort leaves the other brand out too.
    assert headline(run(cast, "renewal_rate")) == Rate(2, 2)


def test_a_definition_that_does_not_exist_a_future_period_and_another_store_are_refused(cast, contract):
    with pytest.raises(ReportError, match="is not a definition of this report"):
        run(cast, "renewal_rate", definition="regional")
    with pytest.raises(PeriodError, match="has not started yet"):
        Period.parse("2027-01", today=TODAY)
    with pytest.raises(PeriodError, match="is not a period"):
        Period.parse("May 2026", today=TODAY)
    with pytest.raises(ReportError) as refused:
        Scope.for_user(cast.b_supervisor, store_code="A01")
    assert refused.value.status == 404
    with pytest.raises(ReportError) as unknown:
        engine.get("no_such_report")
    assert unknown.value.status == 404


def test_comparisons_with_the_previous_period_and_the_same_period_last_year(cast, contract):
    customers = cars(cast, 4)
    for car in customers:
        insure(cast, car, dt.date(2024, 5, 10))  # expiring May 2025
    for car in customers[:3]:
        insure(cast, car, MAY_2025)  # renew in May 2025, expiring May 2026
    insure(cast, customers[0], MAY_2026)
    figure = run(cast, "renewal_rate").figures[0]
    assert figure.value == Rate(1, 3)
    assert figure.last_year == Rate(3, 4)
    assert figure.previous == Rate(0, 0) and figure.previous.value is None


def test_first_insurance_rate_is_new_cars_insured_here_over_new_cars_sold(cast, contract):
    sold = cars(cast, 4, sold_here=True, purchase_date=dt.date(2026, 10, 8),
                first_registration_date=dt.date(2026, 10, 8))
    for car in sold[:3]:
        policy = insure(cast, car, dt.date(2026, 10, 9))
        assert policy.business_type == BusinessType.NEW_CAR
    result = run(cast, "first_insurance_rate", period="2026-10")
    assert headline(result) == Rate(3, 4)
    assert result.rows == [{"label": "2026-10", "sold": 4, "insured": 3, "rate": Rate(3, 4)}]
    assert headline(run(cast, "first_insurance_rate", period="2026-10", user=cast.office)) == Rate(3, 4)


def test_the_group_chooses_the_default_definition_in_its_settings(cast, contract, settings):
    settings.CHEXIAN_RENEWAL_RATE_DEFINITION = "fleet"
    result = run(cast, "renewal_rate")
    assert result.ctx.options == {"definition": "fleet"}
    assert "other brands are excluded" in result.as_json()["options_described"]
    assert run(cast, "renewal_rate", definition="cohort").ctx.options == {"definition": "cohort"}
