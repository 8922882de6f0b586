"""The catalog and the templates that the migrations seed (SPEC §3.2, DOMAIN §1–§2):
today's products with their effective dates, and the seed's levels and profiles."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from chexian.catalog import seed
from chexian.catalog.choices import ClauseFamily, CoverageKind, LimitKind, OwnerProfile, ProtectionLevel
from chexian.catalog.models import Coverage, PlanTemplate

pytestmark = pytest.mark.django_db

TIERS = ["100000", "150000", "200000", "300000", "500000", "1000000", "1500000", "2000000", "3000000", "5000000",
         "10000000"]


def _date(value):
    return dt.date.fromisoformat(value) if value else None


def test_migrated_catalog_equals_the_seed_module():
    """seed.py is the reference; a change to it needs a data migration that makes it."""
    stored = {c.code: c for c in Coverage.objects.select_related("requires")}
    assert set(stored) >= {data["code"] for data in seed.COVERAGES}
    for data in seed.COVERAGES:
        coverage = stored[data["code"]]
        for field in ("name", "family", "kind", "limit_kind", "limit_choices", "sort_order", "description"):
            assert getattr(coverage, field) == data[field], (data["code"], field)
        assert coverage.effective_from == _date(data["effective_from"])
        assert coverage.effective_until == _date(data["effective_until"])
        assert (coverage.requires.code if coverage.requires else None) == data["requires"]
    templates = {t.code: t for t in PlanTemplate.objects.prefetch_related("items__coverage")}
    for data in seed.TEMPLATES:
        template = templates[data["code"]]
        for field in ("name", "family", "level", "profile", "note", "sort_order"):
            assert getattr(template, field) == data[field], (data["code"], field)
        items = {(i.coverage.code, i.limit) for i in template.items.all()}
        assert items == {(code, Decimal(limit) if limit else None) for code, limit in data["items"]}


def test_codes_are_unique_and_nev_codes_carry_their_prefix():
    codes = list(Coverage.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    assert all(code.startswith("nev_") for code in Coverage.objects.filter(family=ClauseFamily.NEV_2021)
               .values_list("code", flat=True))


def test_ctpl_carries_the_2020_limits():
    ctpl = Coverage.objects.get(code="ctpl")
    assert ctpl.family == ClauseFamily.CTPL
    assert ctpl.effective_from == dt.date(2020, 9, 19)
    assert ctpl.limit_kind == LimitKind.NONE
    for figure in ("180,000", "18,000", "2,000", "200,000", "1,800", "100 元", "19,900"):
        assert figure in ctpl.description
    assert "有责" in ctpl.description and "无责" in ctpl.description


def test_vehicle_damage_says_what_the_2020_reform_folded_into_it():
    damage = Coverage.objects.get(code="vehicle_damage")
    assert (damage.family, damage.kind, damage.effective_from) == (
        ClauseFamily.COMMERCIAL_2020, CoverageKind.MAIN, dt.date(2020, 9, 19)
    )
    for included in ("盗抢", "玻璃", "自燃", "发动机涉水", "不计免赔", "无法找到第三方"):
        assert included in damage.description
    # They are no longer sold as add-ons.
    assert not Coverage.objects.filter(name__in=["盗抢险", "玻璃单独破碎险", "自燃损失险", "不计免赔特约险"]).exists()


@pytest.mark.parametrize("code", ["third_party", "nev_third_party"])
def test_third_party_limits_are_the_tiers_from_100k_to_10m(code):
    third = Coverage.objects.get(code=code)
    assert third.limit_kind == LimitKind.TIER
    assert third.limit_choices == TIERS


def test_onboard_persons_are_driver_and_passenger_per_seat():
    for code in ("onboard_driver", "onboard_passenger", "nev_onboard_driver", "nev_onboard_passenger"):
        coverage = Coverage.objects.get(code=code)
        assert (coverage.kind, coverage.limit_kind) == (CoverageKind.MAIN, LimitKind.PER_SEAT)


@pytest.mark.parametrize(
    ("code", "limit_kind", "choices", "requires"),
    [
        ("absolute_deductible", LimitKind.PERCENT, ["5", "10", "15", "20"], None),
        ("wheel", LimitKind.AMOUNT, [], "vehicle_damage"),
        ("new_equipment", LimitKind.AMOUNT, [], "vehicle_damage"),
        ("scratch", LimitKind.TIER, ["2000", "5000", "10000", "20000"], "vehicle_damage"),
        ("repair_compensation", LimitKind.PER_DAY, [], "vehicle_damage"),
        ("engine_water_exclusion", LimitKind.NONE, [], "vehicle_damage"),
        ("onboard_cargo", LimitKind.AMOUNT, [], "third_party"),
        ("mental_damage", LimitKind.AMOUNT, [], "third_party"),
        ("holiday_double", LimitKind.NONE, [], "third_party"),
        ("medical_outside_si", LimitKind.AMOUNT, [], "third_party"),
    ],
)
def test_family_car_add_ons(code, limit_kind, choices, requires):
    addon = Coverage.objects.select_related("requires").get(code=code)
    assert addon.kind == CoverageKind.ADDON
    assert addon.family == ClauseFamily.COMMERCIAL_2020
    assert (addon.limit_kind, addon.limit_choices) == (limit_kind, choices)
    assert (addon.requires.code if addon.requires else None) == requires


def test_value_added_services_are_the_four_of_the_clause_in_both_families():
    for family in (ClauseFamily.COMMERCIAL_2020, ClauseFamily.NEV_2021):
        services = Coverage.objects.filter(family=family, kind=CoverageKind.SERVICE)
        names = set(services.values_list("name", flat=True))
        assert names == {"道路救援服务特约", "车辆安全检测特约", "代为驾驶服务特约", "代为送检服务特约"}
        assert all("增值服务特约条款" in s.description and "合法" in s.description for s in services)


def test_nev_clauses_start_2021_12_27_and_cover_the_three_electric_systems():
    nev = Coverage.objects.filter(family=ClauseFamily.NEV_2021)
    assert set(nev.values_list("effective_from", flat=True)) == {dt.date(2021, 12, 27)}
    damage = nev.get(code="nev_vehicle_damage")
    for word in ("电池", "电机", "电控", "起火", "充电"):
        assert word in damage.description
    # Every family-car add-on has its NEV twin, except the engine-flooding exclusion (no engine).
    twins = set(nev.filter(kind=CoverageKind.ADDON).values_list("code", flat=True))
    commercial = set(
        Coverage.objects.filter(family=ClauseFamily.COMMERCIAL_2020, kind=CoverageKind.ADDON)
        .values_list("code", flat=True)
    )
    assert {f"nev_{code}" for code in commercial - {"engine_water_exclusion"}} <= twins


def test_the_three_nev_add_ons():
    expected = {
        "nev_grid_failure": ("外部电网故障损失险", "nev_vehicle_damage"),
        "nev_home_charger_damage": ("自用充电桩损失保险", "nev_vehicle_damage"),
        "nev_home_charger_liability": ("自用充电桩责任保险", "nev_third_party"),
    }
    for code, (name, requires) in expected.items():
        addon = Coverage.objects.select_related("requires").get(code=code)
        assert (addon.name, addon.kind, addon.family, addon.requires.code) == (
            name, CoverageKind.ADDON, ClauseFamily.NEV_2021, requires
        )


def test_add_ons_require_a_main_coverage_of_their_own_family():
    for addon in Coverage.objects.filter(requires__isnull=False).select_related("requires"):
        assert addon.kind != CoverageKind.MAIN
        assert addon.requires.kind == CoverageKind.MAIN
        assert addon.requires.family == addon.family


def test_driver_passenger_accident_is_non_motor():
    accident = Coverage.objects.get(code="driver_passenger_accident")
    assert (accident.family, accident.limit_kind) == (ClauseFamily.NON_MOTOR, LimitKind.AMOUNT)


def test_sixteen_templates_every_level_and_profile_for_both_commercial_families():
    assert PlanTemplate.objects.count() == 16
    for family in (ClauseFamily.COMMERCIAL_2020, ClauseFamily.NEV_2021):
        templates = PlanTemplate.objects.filter(family=family)
        assert set(templates.exclude(level="").values_list("level", flat=True)) == set(ProtectionLevel.values)
        assert set(templates.exclude(profile="").values_list("profile", flat=True)) == set(OwnerProfile.values)
        assert not templates.filter(level="", profile="").exists()
    for template in PlanTemplate.objects.prefetch_related("items__coverage"):
        assert len(template.note) > 60, template.code
        assert "交强险" in template.note
        # A template only uses coverages of its own clause family.
        assert {item.coverage.family for item in template.items.all()} <= {template.family}


def test_minimum_protection_is_ctpl_only_and_the_note_says_so():
    for template in PlanTemplate.objects.filter(level=ProtectionLevel.MINIMUM):
        assert not template.items.exists()
        assert "只投保交强险" in template.note and "为空" in template.note


def test_notes_explain_the_mapping_from_the_2019_wording():
    economy = PlanTemplate.objects.get(code="commercial_2020_economy")
    assert "盗抢险、玻璃险、不计免赔" in economy.note and "已并入2020年改革后的车损险" in economy.note
    low = PlanTemplate.objects.get(code="commercial_2020_low")
    assert "三者险" in low.note
    for template in PlanTemplate.objects.filter(family=ClauseFamily.NEV_2021):
        assert "新能源汽车商业保险专属条款" in template.note


def test_seed_migration_reverses_and_applies_again():
    module = importlib.import_module("chexian.catalog.migrations.0002_seed_catalog")
    state_apps = MigrationExecutor(connection).loader.project_state(("catalog", "0002_seed_catalog")).apps
    module.unseed_catalog(state_apps, None)
    assert not Coverage.objects.exists() and not PlanTemplate.objects.exists()
    module.seed_catalog(state_apps, None)
    module.seed_catalog(state_apps, None)  # idempotent: updates, never duplicates
    assert Coverage.objects.count() == len(seed.COVERAGES)
    assert PlanTemplate.objects.count() == 16
