"""Quote workflows (SPEC §3.2): the plan follows the catalog's rules for the
vehicle's clauses, the figures are the insurer's and only checked for form and
consistency, an offer needs an active contract, and a renewal is explained
against last year's policy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chexian.core.choices import AuditAction
from chexian.core.models import AuditLog
from chexian.core.testing import make_vehicle
from chexian.quotes import services
from chexian.quotes.choices import QuoteStatus
from chexian.quotes.models import Quote, QuoteOffer
from chexian.quotes.tests.factories import (
    active_contract,
    basic_items,
    coverage,
    figures,
    insurer,
    last_year_policy,
    make_quote,
    record,
    template,
    today,
)

pytestmark = pytest.mark.django_db


def codes(exc: ValidationError, field: str | None = None) -> set[str]:
    if field is None:
        return {e.code for errors in exc.error_dict.values() for e in errors} if hasattr(exc, "error_dict") else {
            e.code for e in exc.error_list}
    return {e.code for e in exc.error_dict[field]}


@pytest.fixture
def vehicle(cast):
    return make_vehicle(cast.a_issuer, cast.store_a)


@pytest.fixture
def nev(cast):
    return make_vehicle(cast.a_issuer, cast.store_a, plate="粤AD12345", energy_type="bev", brand="比亚迪")


@pytest.fixture
def contracts(cast):
    return active_contract(cast, cast.store_a, "PICC"), active_contract(cast, cast.store_a, "PINGAN")


@pytest.fixture
def quote(cast, vehicle, contracts):
    return make_quote(cast.a_issuer, vehicle)


# ---------------------------------------------------------------- create
def test_quote_from_a_template_takes_its_coverages_and_the_vehicles_clauses(cast, vehicle):
    quote = make_quote(cast.a_issuer, vehicle, template_code="commercial_2020_basic",
                       start=today() + dt.timedelta(days=30))
    assert quote.clause_family == "commercial_2020"
    assert quote.store == cast.store_a and quote.customer == vehicle.owner
    assert {(i.coverage.code, i.limit) for i in quote.items.all()} == {
        ("vehicle_damage", None), ("third_party", Decimal("1000000.00"))}
    assert quote.status == QuoteStatus.DRAFT
    assert quote.valid_until == today() + dt.timedelta(days=services.DEFAULT_VALID_DAYS)
    logged = AuditLog.objects.for_object(quote)
    assert logged.filter(action=AuditAction.CREATE, actor=cast.a_issuer).exists()
    assert logged.filter(after__plan__isnull=False).exists()


def test_nev_vehicle_is_quoted_on_the_nev_clauses(cast, nev):
    quote = make_quote(cast.a_issuer, nev, template_code="nev_2021_full")
    assert quote.clause_family == "nev_2021"
    assert all(i.coverage.family == "nev_2021" for i in quote.items.all())


def test_nev_vehicle_is_refused_a_2020_commercial_coverage(cast, nev):
    with pytest.raises(ValidationError) as exc:
        make_quote(cast.a_issuer, nev, items=[(coverage("vehicle_damage"), None)])
    assert codes(exc.value, "items") == {"coverage_wrong_family"}
    assert "new-energy" in exc.value.messages[0]
    assert not Quote.objects.exists()


def test_nev_vehicle_is_refused_a_2020_template(cast, nev):
    with pytest.raises(ValidationError) as exc:
        make_quote(cast.a_issuer, nev, template_code="commercial_2020_basic")
    assert codes(exc.value, "template") == {"coverage_wrong_family"}


def test_plan_rules_of_the_catalog_apply(cast, vehicle):
    with pytest.raises(ValidationError) as exc:
        make_quote(cast.a_issuer, vehicle, items=[(coverage("scratch"), Decimal("5000"))])
    assert "addon_without_main" in codes(exc.value, "items")
    with pytest.raises(ValidationError) as exc:
        make_quote(cast.a_issuer, vehicle, items=[(coverage("third_party"), Decimal("1234567"))])
    assert codes(exc.value, "items") == {"limit_not_a_tier"}


def test_template_and_items_together_are_refused(cast, vehicle):
    with pytest.raises(ValidationError) as exc:
        services.create_quote(actor=cast.a_issuer, vehicle=vehicle, start_date=today(),
                              template=template("commercial_2020_basic"), items=basic_items())
    assert codes(exc.value, "items") == {"plan_template_and_items"}


def test_cover_cannot_start_in_the_past(cast, vehicle):
    with pytest.raises(ValidationError) as exc:
        make_quote(cast.a_issuer, vehicle, start=today() - dt.timedelta(days=1))
    assert codes(exc.value, "start_date") == {"start_in_past"}


def test_quote_is_never_valid_beyond_its_start_date(cast, vehicle):
    quote = make_quote(cast.a_issuer, vehicle, start=today() + dt.timedelta(days=3))
    assert quote.valid_until == today() + dt.timedelta(days=3)


def test_minimum_template_is_a_ctpl_only_quote(cast, vehicle):
    quote = make_quote(cast.a_issuer, vehicle, template_code="commercial_2020_minimum")
    assert quote.items.count() == 0


@pytest.mark.parametrize("who", ["a_dept", "b_issuer"])
def test_quote_needs_quote_add_in_the_vehicles_store(cast, vehicle, who):
    with pytest.raises(PermissionDenied):
        make_quote(getattr(cast, who), vehicle)


def test_sales_consultant_may_start_a_quote(cast, vehicle):
    assert make_quote(cast.a_sales, vehicle).created_by == cast.a_sales


# ---------------------------------------------------------------- offers
def test_offer_records_the_insurers_figures_and_lines(cast, quote):
    offer = record(cast.a_issuer, quote, "PICC")
    assert offer.commercial_premium == Decimal("3000.00")
    assert offer.total == Decimal("3000.00") + Decimal("855.00") + Decimal("360.00")
    assert offer.ncd_coefficient == Decimal("0.85")
    assert sorted(line.premium for line in offer.lines.all()) == [Decimal("1000.00"), Decimal("2000.00")]
    assert AuditLog.objects.for_object(offer).filter(action=AuditAction.CREATE).exists()


def test_offer_for_an_insurer_without_an_active_contract_is_refused(cast, quote):
    with pytest.raises(ValidationError) as exc:
        record(cast.a_issuer, quote, "CPIC")
    assert codes(exc.value, "insurer") == {"no_active_contract"}
    assert "太平洋产险 has no active agency contract" in exc.value.messages[0]
    assert not QuoteOffer.objects.exists()


def test_contract_of_another_store_does_not_count(cast, vehicle):
    active_contract(cast, cast.store_b, "CPIC")
    quote = make_quote(cast.a_issuer, vehicle)
    with pytest.raises(ValidationError) as exc:
        record(cast.a_issuer, quote, "CPIC")
    assert codes(exc.value, "insurer") == {"no_active_contract"}


@pytest.mark.parametrize(
    ("overrides", "field", "code", "words"),
    [
        ({"commercial_premium": Decimal("-1.00")}, "commercial_premium", "money_negative", "cannot be negative"),
        ({"vehicle_tax": Decimal("360.005")}, "vehicle_tax", "money_decimals", "at most two decimals"),
        ({"ctpl_premium": 855.0}, "ctpl_premium", "money_invalid", "amount in yuan"),
        ({"ncd_coefficient": Decimal("2.5")}, "ncd_coefficient", "ncd_out_of_range", "between 0.5 and 2.0"),
        ({"ncd_coefficient": Decimal("0.4")}, "ncd_coefficient", "ncd_out_of_range", "无赔款优待系数"),
        ({"pricing_coefficient": Decimal("1.6")}, "pricing_coefficient", "pricing_out_of_range", "[0.5, 1.5]"),
        ({"ctpl_floating_rate": Decimal("45")}, "ctpl_floating_rate", "ctpl_float_out_of_range", "+30"),
        ({"commercial_premium_without_vat": Decimal("3100.00")}, "commercial_premium_without_vat", "vat_negative",
         "cannot exceed"),
    ],
)
def test_malformed_figures_are_refused_naming_the_rule(cast, quote, overrides, field, code, words):
    with pytest.raises(ValidationError) as exc:
        record(cast.a_issuer, quote, "PICC", **overrides)
    assert codes(exc.value, field) == {code}
    assert words in " ".join(exc.value.message_dict[field])
    assert not QuoteOffer.objects.exists()


def test_lines_must_add_up_to_the_commercial_premium(cast, quote):
    with pytest.raises(ValidationError) as exc:
        record(cast.a_issuer, quote, "PICC", commercial="3000.00", damage="2000.00", third="900.00")
    assert codes(exc.value, "lines") == {"lines_sum_mismatch"}
    message = exc.value.message_dict["lines"][0]
    assert "2900.00" in message and "3000.00" in message


def test_lines_only_for_the_plans_coverages(cast, quote):
    lines = [(coverage("vehicle_damage"), Decimal("2000.00")), (coverage("scratch"), Decimal("1000.00"))]
    with pytest.raises(ValidationError) as exc:
        record(cast.a_issuer, quote, "PICC", lines=lines)
    assert codes(exc.value, "lines") == {"line_not_in_plan"}
    assert "车身划痕损失险" in exc.value.message_dict["lines"][0]


def test_negative_line_is_refused(cast, quote):
    lines = [(coverage("vehicle_damage"), Decimal("3100.00")), (coverage("third_party"), Decimal("-100.00"))]
    with pytest.raises(ValidationError) as exc:
        record(cast.a_issuer, quote, "PICC", lines=lines)
    assert codes(exc.value, "lines") == {"money_negative"}


def test_offer_without_lines_keeps_only_the_totals(cast, quote):
    offer = record(cast.a_issuer, quote, "PICC", lines=[])
    assert offer.lines.count() == 0


def test_recording_again_replaces_the_insurers_offer(cast, quote):
    first = record(cast.a_issuer, quote, "PICC")
    again = record(cast.a_issuer, quote, "PICC", commercial="2800.00", damage="1900.00", third="900.00")
    assert again.pk == first.pk
    assert QuoteOffer.objects.filter(quote=quote).count() == 1
    again.refresh_from_db()
    assert again.commercial_premium == Decimal("2800.00")
    assert sorted(line.premium for line in again.lines.all()) == [Decimal("900.00"), Decimal("1900.00")]
    update = AuditLog.objects.for_object(again).filter(action=AuditAction.UPDATE, before__isnull=False).first()
    assert update is not None


def test_requoting_the_chosen_offer_asks_the_customer_to_choose_again(cast, quote):
    offer = record(cast.a_issuer, quote, "PICC")
    services.choose_offer(actor=cast.a_issuer, quote=quote, offer=offer)
    record(cast.a_issuer, quote, "PICC", commercial="3100.00", damage="2100.00", third="1000.00")
    quote.refresh_from_db()
    assert quote.chosen_offer is None and quote.status == QuoteStatus.DRAFT


def test_same_figures_again_keep_the_choice(cast, quote):
    offer = record(cast.a_issuer, quote, "PICC", query_code="QC1")
    services.choose_offer(actor=cast.a_issuer, quote=quote, offer=offer)
    record(cast.a_supervisor, quote, "PICC", query_code="QC1")
    quote.refresh_from_db()
    assert quote.chosen_offer == offer and quote.status == QuoteStatus.CHOSEN


def test_recording_offers_needs_quote_change(cast, quote):
    with pytest.raises(PermissionDenied):
        record(cast.a_sales, quote, "PICC")
    with pytest.raises(PermissionDenied):
        record(cast.b_issuer, quote, "PICC")


def test_expired_quote_takes_no_more_offers(cast, quote):
    Quote.objects.filter(pk=quote.pk).update(valid_until=today() - dt.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        record(cast.a_issuer, quote, "PICC")
    assert codes(exc.value) == {"quote_expired"}


# ---------------------------------------------------------------- choose
def test_choose_offer(cast, quote):
    record(cast.a_issuer, quote, "PICC")
    cheaper = record(cast.a_issuer, quote, "PINGAN", commercial="2900.00", damage="1950.00", third="950.00")
    quote = services.choose_offer(actor=cast.a_issuer, quote=quote, offer=cheaper)
    assert quote.status == QuoteStatus.CHOSEN and quote.chosen_offer == cheaper


def test_offer_of_another_quote_cannot_be_chosen(cast, quote, vehicle):
    other = make_quote(cast.a_issuer, vehicle)
    offer = record(cast.a_issuer, other, "PICC")
    with pytest.raises(ValidationError) as exc:
        services.choose_offer(actor=cast.a_issuer, quote=quote, offer=offer)
    assert codes(exc.value, "offer") == {"offer_other_quote"}


def test_choosing_needs_quote_change_in_the_store(cast, quote):
    offer = record(cast.a_issuer, quote, "PICC")
    with pytest.raises(PermissionDenied):
        services.choose_offer(actor=cast.b_issuer, quote=quote, offer=offer)


# ---------------------------------------------------------------- renewal
def test_renewal_comparison_explains_the_change_against_last_year(cast, vehicle, contracts):
    # Last year: a quote with PICC's offer (NCD 1.0) from which the policy was issued.
    old_quote = make_quote(cast.a_issuer, vehicle)
    old_offer = record(cast.a_issuer, old_quote, "PICC", commercial="2800.00", damage="1900.00", third="900.00",
                       ncd_coefficient=Decimal("1.0"), pricing_coefficient=Decimal("1.0"))
    services.choose_offer(actor=cast.a_issuer, quote=old_quote, offer=old_offer)
    end = today() + dt.timedelta(days=20)
    policy = last_year_policy(cast.a_issuer, vehicle, "PICC", end=end, premium="2800.00", quote=old_quote)

    quote = make_quote(cast.a_issuer, vehicle, start=end + dt.timedelta(days=1), items=[
        *basic_items(), (coverage("onboard_driver"), Decimal("10000"))])
    assert quote.previous_policy == policy
    offer = record(cast.a_issuer, quote, "PINGAN", commercial="3080.00", damage="2000.00", third="1000.00",
                   lines=[(coverage("vehicle_damage"), Decimal("2000.00")),
                          (coverage("third_party"), Decimal("1000.00")),
                          (coverage("onboard_driver"), Decimal("80.00"))],
                   ncd_coefficient=Decimal("0.85"))

    result = services.renewal_comparison(quote)
    assert result.offer == offer
    assert result.difference == Decimal("280.00") and result.percent == Decimal("10.0")
    assert (result.last_ncd, result.new_ncd) == (Decimal("1.0000"), Decimal("0.8500"))
    assert result.added == ["车上人员责任险（司机）"] and result.removed == []
    assert "up ¥280.00 (10.0%) from ¥2,800.00" in result.text_en
    assert "上涨 ¥280.00（10.0%）" in result.text_zh
    assert "down from 1.0 to 0.85" in result.text_en
    assert "claims not recorded yet" in result.text_en
    assert "Coverages added: 车上人员责任险（司机）" in result.text_en


def test_renewal_without_last_years_quote_says_the_ncd_is_unknown(cast, vehicle, contracts):
    end = today() + dt.timedelta(days=5)
    last_year_policy(cast.a_issuer, vehicle, "PICC", end=end, premium="3200.00")
    quote = make_quote(cast.a_issuer, vehicle, start=end + dt.timedelta(days=1))
    record(cast.a_issuer, quote, "PICC")
    result = services.renewal_comparison(quote)
    assert result.last_ncd is None
    assert "down ¥200.00 (6.3%)" in result.text_en
    assert "last year's is unknown" in result.text_en
    assert "Same coverages and limits as last year." in result.text_en


def test_no_renewal_comparison_without_last_years_policy(cast, quote):
    record(cast.a_issuer, quote, "PICC")
    assert quote.previous_policy is None
    assert services.renewal_comparison(quote) is None


def test_policy_older_than_a_year_is_not_last_years(cast, vehicle, contracts):
    end = today() - dt.timedelta(days=400)
    last_year_policy(cast.a_issuer, vehicle, "PICC", end=end)
    assert make_quote(cast.a_issuer, vehicle).previous_policy is None


def test_unknown_figures_are_a_programming_error(cast, quote):
    with pytest.raises(TypeError):
        services.record_offer(actor=cast.a_issuer, quote=quote, insurer=insurer("PICC"), premium=Decimal("1"),
                              **{k: v for k, v in figures().items() if k not in ("damage", "third")})


def test_issued_quote_is_closed(cast, quote):
    offer = record(cast.a_issuer, quote, "PICC")
    with pytest.raises(ValidationError) as exc:
        services.mark_issued(actor=cast.a_issuer, quote=quote)
    assert codes(exc.value) == {"quote_not_chosen"}
    services.choose_offer(actor=cast.a_issuer, quote=quote, offer=offer)
    assert services.mark_issued(actor=cast.a_issuer, quote=quote).status == QuoteStatus.ISSUED
    with pytest.raises(ValidationError) as exc:
        record(cast.a_issuer, quote, "PINGAN")
    assert codes(exc.value) == {"quote_closed"}
