"""validate_plan and friends: the clause family follows the vehicle, add-ons need
their main coverage, limits are among the offered tiers, dates are honoured."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from chexian.catalog import services
from chexian.catalog.choices import ClauseFamily, CoverageKind, LimitKind
from chexian.catalog.models import Coverage, PlanTemplate
from chexian.core.testing import make_vehicle

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def fuel_car(cast):
    return make_vehicle(cast.a_issuer, cast.store_a)


@pytest.fixture
def nev(cast):
    return make_vehicle(cast.a_issuer, cast.store_a, energy_type="bev")


def cov(code):
    return Coverage.objects.select_related("requires").get(code=code)


def codes_of(exc: pytest.ExceptionInfo) -> list[str]:
    return [error.code for error in exc.value.error_list]


def refused(vehicle, items, date=TODAY) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        services.validate_plan(vehicle, items, date)
    return exc


# ---------------------------------------------------------------- clause family
def test_commercial_family_follows_the_energy_type(fuel_car, nev):
    assert services.commercial_family_for(fuel_car) == ClauseFamily.COMMERCIAL_2020
    assert services.commercial_family_for(nev) == ClauseFamily.NEV_2021


def test_before_2021_12_27_a_new_energy_vehicle_was_insured_on_the_2020_clauses(nev):
    assert services.commercial_family_for(nev, dt.date(2021, 12, 26)) == ClauseFamily.COMMERCIAL_2020
    assert services.commercial_family_for(nev, dt.date(2021, 12, 27)) == ClauseFamily.NEV_2021


def test_coverages_for_a_fuel_car_are_the_2020_clauses_ctpl_and_non_motor(fuel_car):
    coverages = list(services.coverages_for_vehicle(fuel_car, TODAY))
    assert {c.family for c in coverages} == {ClauseFamily.CTPL, ClauseFamily.COMMERCIAL_2020, ClauseFamily.NON_MOTOR}
    codes = [c.code for c in coverages]
    assert codes[0] == "ctpl" and codes[-1] == "driver_passenger_accident"
    assert {"vehicle_damage", "third_party", "engine_water_exclusion", "service_roadside_rescue"} <= set(codes)


def test_coverages_for_a_new_energy_vehicle_are_the_nev_clauses_ctpl_and_non_motor(nev):
    coverages = services.coverages_for_vehicle(nev, TODAY)
    assert set(coverages.values_list("family", flat=True)) == {
        ClauseFamily.CTPL, ClauseFamily.NEV_2021, ClauseFamily.NON_MOTOR
    }
    codes = set(coverages.values_list("code", flat=True))
    assert {"nev_grid_failure", "nev_home_charger_damage", "nev_home_charger_liability"} <= codes
    assert {"nev_service_roadside_rescue", "ctpl", "driver_passenger_accident"} <= codes
    assert "vehicle_damage" not in codes


def test_coverages_for_vehicle_honour_effective_dates(fuel_car):
    assert not services.coverages_for_vehicle(fuel_car, dt.date(2020, 9, 18)).exists()
    ended = Coverage.objects.create(
        code="glass_2014", name="玻璃单独破碎险", family=ClauseFamily.COMMERCIAL_2020, kind=CoverageKind.ADDON,
        effective_from=dt.date(2014, 1, 1), effective_until=dt.date(2020, 9, 18),
    )
    assert ended not in services.coverages_for_vehicle(fuel_car, TODAY)
    assert ended not in services.coverages_for_vehicle(fuel_car, dt.date(2020, 9, 19))


def test_a_new_energy_vehicle_is_refused_a_2020_commercial_coverage(nev):
    exc = refused(nev, [(cov("vehicle_damage"), None), (cov("third_party"), 1_000_000)])
    assert codes_of(exc) == ["coverage_wrong_family", "coverage_wrong_family"]
    message = exc.value.messages[0]
    assert "车损险" in message and "new-energy vehicle exclusive clauses" in message and str(nev) in message


def test_a_fuel_car_is_refused_a_nev_coverage(fuel_car):
    exc = refused(fuel_car, [(cov("nev_third_party"), 1_000_000)])
    assert codes_of(exc) == ["coverage_wrong_family"]
    assert "新能源三者险" in exc.value.messages[0]
    assert "2020 commercial model clauses" in exc.value.messages[0]


def test_ctpl_and_non_motor_go_with_either_family(fuel_car, nev):
    for vehicle in (fuel_car, nev):
        services.validate_plan(vehicle, [(cov("ctpl"), None), (cov("driver_passenger_accident"), 100_000)], TODAY)


# ---------------------------------------------------------------- add-ons
@pytest.mark.parametrize(
    ("addon", "limit", "main"),
    [("scratch", 5000, "车损险"), ("wheel", 3000, "车损险"), ("holiday_double", None, "三者险"),
     ("medical_outside_si", 20000, "三者险")],
)
def test_an_add_on_without_its_main_coverage_is_refused(fuel_car, addon, limit, main):
    other_main = cov("onboard_driver"), 10000
    exc = refused(fuel_car, [other_main, (cov(addon), limit)])
    assert codes_of(exc) == ["addon_without_main"]
    assert main in exc.value.messages[0] and cov(addon).name in exc.value.messages[0]


def test_nev_add_ons_need_their_nev_main_coverage(nev):
    exc = refused(nev, [(cov("nev_third_party"), 1_000_000), (cov("nev_home_charger_damage"), 5000)])
    assert codes_of(exc) == ["addon_without_main"]
    assert "新能源车损险" in exc.value.messages[0]
    # A 2020 main coverage does not carry an NEV add-on either.
    exc = refused(nev, [(cov("vehicle_damage"), None), (cov("nev_grid_failure"), None)])
    assert sorted(codes_of(exc)) == ["addon_without_main", "coverage_wrong_family"]


def test_add_ons_attaching_to_any_main_coverage_need_one(fuel_car):
    exc = refused(fuel_car, [(cov("ctpl"), None), (cov("absolute_deductible"), 10),
                             (cov("service_roadside_rescue"), None)])
    assert codes_of(exc) == ["addon_without_main", "addon_without_main"]
    services.validate_plan(
        fuel_car, [(cov("onboard_driver"), 10000), (cov("absolute_deductible"), 10),
                   (cov("service_roadside_rescue"), None)], TODAY,
    )


# ---------------------------------------------------------------- limits
@pytest.mark.parametrize(
    ("code", "limit"), [("third_party", 250_000), ("third_party", 20_000_000), ("scratch", 3000),
                        ("absolute_deductible", 7)],
)
def test_a_limit_that_is_not_an_offered_tier_is_refused(fuel_car, code, limit):
    exc = refused(fuel_car, [(cov("vehicle_damage"), None), (cov("third_party"), 1_000_000)]
                  [: 1 if code == "third_party" else 2] + [(cov(code), limit)])
    assert codes_of(exc) == ["limit_not_a_tier"]
    assert cov(code).name in exc.value.messages[0]


def test_a_tiered_coverage_needs_a_limit_and_amounts_must_be_positive(fuel_car):
    exc = refused(fuel_car, [(cov("third_party"), None), (cov("onboard_driver"), 0), (cov("onboard_passenger"), "x")])
    assert codes_of(exc) == ["limit_required", "limit_positive", "limit_invalid"]
    assert all(name in " ".join(exc.value.messages) for name in ("三者险", "车上人员责任险（司机）", "（乘客）"))


# ---------------------------------------------------------------- dates
def test_a_coverage_no_longer_in_effect_is_refused(fuel_car):
    ended = Coverage.objects.create(
        code="glass_2014", name="玻璃单独破碎险", family=ClauseFamily.COMMERCIAL_2020, kind=CoverageKind.MAIN,
        effective_from=dt.date(2014, 1, 1), effective_until=dt.date(2020, 9, 18),
    )
    exc = refused(fuel_car, [(ended, None)])
    assert codes_of(exc) == ["coverage_not_effective"]
    assert "玻璃单独破碎险" in exc.value.messages[0] and "2020-09-18" in exc.value.messages[0]
    services.validate_plan(fuel_car, [(ended, None)], dt.date(2019, 6, 1))


def test_a_coverage_not_yet_in_effect_is_refused(fuel_car):
    exc = refused(fuel_car, [(cov("ctpl"), None)], dt.date(2020, 9, 1))
    assert codes_of(exc) == ["coverage_not_effective"]
    assert "2020-09-19" in exc.value.messages[0]


# ---------------------------------------------------------------- good plans
def test_a_good_plan_is_accepted_with_its_limits_as_decimals(fuel_car):
    plan = services.validate_plan(
        fuel_car,
        [(cov("ctpl"), None), (cov("vehicle_damage"), "185000"), (cov("third_party"), 2_000_000),
         (cov("onboard_passenger"), "20000"), (cov("scratch"), 5000), (cov("absolute_deductible"), "10"),
         (cov("repair_compensation"), 200), (cov("holiday_double"), None), (cov("service_designated_driver"), None)],
        TODAY,
    )
    limits = {coverage.code: limit for coverage, limit in plan}
    assert limits["third_party"] == Decimal("2000000")
    assert limits["absolute_deductible"] == Decimal("10")
    assert limits["vehicle_damage"] == Decimal("185000")  # the insurer's insured amount, kept as returned
    assert limits["ctpl"] is None and limits["holiday_double"] is None


def test_all_broken_rules_are_reported_at_once(fuel_car):
    exc = refused(fuel_car, [(cov("scratch"), 3000), (cov("nev_third_party"), 1_000_000), (cov("ctpl"), None),
                             (cov("ctpl"), None)])
    assert sorted(codes_of(exc)) == ["addon_without_main", "coverage_duplicate", "coverage_wrong_family",
                                     "limit_not_a_tier"]


# ---------------------------------------------------------------- templates
def test_template_items_are_the_templates_coverages_in_catalog_order():
    template = PlanTemplate.objects.get(code="commercial_2020_full")
    items = services.template_items(template)
    assert [c.code for c, _ in items][:3] == ["vehicle_damage", "third_party", "onboard_driver"]
    assert {c.code: limit for c, limit in items}["third_party"] == Decimal("3000000")
    assert services.template_items(PlanTemplate.objects.get(code="nev_2021_minimum")) == []


def test_every_template_is_a_valid_plan_for_a_vehicle_of_its_clauses(fuel_car, nev):
    for template in PlanTemplate.objects.all():
        vehicle = nev if template.family == ClauseFamily.NEV_2021 else fuel_car
        other = fuel_car if vehicle is nev else nev
        plan = services.template_items(template)
        services.validate_plan(vehicle, [(cov("ctpl"), None), *plan], TODAY)
        if plan:
            with pytest.raises(ValidationError):
                services.validate_plan(other, plan, TODAY)


def test_limit_kinds_of_template_items_match_their_coverage():
    for template in PlanTemplate.objects.prefetch_related("items__coverage"):
        for coverage, limit in services.template_items(template):
            assert (limit is None) == (coverage.limit_kind == LimitKind.NONE), (template.code, coverage.code)
