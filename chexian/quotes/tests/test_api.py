"""The REST API over quotes: the same rules and permissions as the pages, store
isolation (another store's quote is a 404 for every action), and errors that name
the field, the rule and its code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chexian.core.testing import make_vehicle
from chexian.quotes.choices import QuoteStatus
from chexian.quotes.models import Quote, QuoteOffer
from chexian.quotes.tests.factories import active_contract, last_year_policy, make_quote, record, today

pytestmark = pytest.mark.django_db


def api(user=None):
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def vehicle(cast):
    return make_vehicle(cast.a_issuer, cast.store_a)


@pytest.fixture
def contracts(cast):
    return active_contract(cast, cast.store_a, "PICC"), active_contract(cast, cast.store_a, "PINGAN")


@pytest.fixture
def quote(cast, vehicle, contracts):
    return make_quote(cast.a_issuer, vehicle)


@pytest.fixture
def b_quote(cast):
    active_contract(cast, cast.store_b, "CPIC")
    quote = make_quote(cast.b_issuer, make_vehicle(cast.b_issuer, cast.store_b))
    record(cast.b_issuer, quote, "CPIC")
    return quote


def offer_payload(insurer="PICC", **overrides):
    data = {
        "insurer": insurer,
        "commercial_premium": "3000.00",
        "commercial_premium_without_vat": "2830.19",
        "ctpl_premium": "855.00",
        "ctpl_premium_without_vat": "806.60",
        "vehicle_tax": "360.00",
        "ncd_coefficient": "0.85",
        "pricing_coefficient": "0.95",
        "ctpl_floating_rate": "-10",
        "ctpl_float_reason": "上年无赔款",
        "query_code": "QC1",
        "lines": [{"coverage": "vehicle_damage", "premium": "2000.00"},
                  {"coverage": "third_party", "premium": "1000.00"}],
    }
    data.update(overrides)
    return data


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# ---------------------------------------------------------------- scoping
def test_list_is_scoped_to_the_users_stores(cast, quote, b_quote):
    assert ids(api(cast.a_issuer).get("/api/quotes/")) == {quote.pk}
    assert ids(api(cast.office).get("/api/quotes/")) == {quote.pk, b_quote.pk}


def test_another_stores_quote_is_404_for_every_action(cast, b_quote):
    client = api(cast.a_supervisor)
    offer = b_quote.offers.get()
    assert client.get(f"/api/quotes/{b_quote.pk}/").status_code == 404
    assert client.get(f"/api/quotes/{b_quote.pk}/comparison/").status_code == 404
    assert client.post(f"/api/quotes/{b_quote.pk}/offers/", offer_payload("CPIC"), format="json").status_code == 404
    assert client.post(f"/api/quotes/{b_quote.pk}/choose/", {"offer": offer.pk}, format="json").status_code == 404
    b_quote.refresh_from_db()
    assert b_quote.chosen_offer is None


def test_roles_without_quotes_get_403(cast, quote):
    assert api(cast.a_dept).get("/api/quotes/").status_code == 403
    assert api().get("/api/quotes/").status_code in (401, 403)


def test_viewing_role_cannot_record_offers(cast, quote):
    response = api(cast.auditor).post(f"/api/quotes/{quote.pk}/offers/", offer_payload(), format="json")
    assert response.status_code == 403
    assert not QuoteOffer.objects.exists()


# ---------------------------------------------------------------- create
def test_create_from_a_template(cast, vehicle):
    start = today() + dt.timedelta(days=7)
    response = api(cast.a_issuer).post("/api/quotes/", {
        "vehicle": vehicle.pk, "start_date": start.isoformat(), "template": "commercial_2020_basic",
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["clause_family"] == "commercial_2020" and body["template"] == "commercial_2020_basic"
    assert [item["coverage"] for item in body["items"]] == ["vehicle_damage", "third_party"]
    assert Quote.objects.get().created_by == cast.a_issuer


def test_create_with_coverages(cast, vehicle):
    response = api(cast.a_issuer).post("/api/quotes/", {
        "vehicle": vehicle.pk, "start_date": (today() + dt.timedelta(days=7)).isoformat(),
        "items": [{"coverage": "vehicle_damage"}, {"coverage": "third_party", "limit": "1500000"}],
    }, format="json")
    assert response.status_code == 201, response.content
    assert Quote.objects.get().items.get(coverage__code="third_party").limit == Decimal("1500000")


def test_nev_vehicle_refused_a_2020_coverage_with_the_rules_code(cast):
    nev = make_vehicle(cast.a_issuer, cast.store_a, plate="粤AD12345", energy_type="bev")
    response = api(cast.a_issuer).post("/api/quotes/", {
        "vehicle": nev.pk, "start_date": (today() + dt.timedelta(days=7)).isoformat(),
        "items": [{"coverage": "vehicle_damage"}],
    }, format="json")
    assert response.status_code == 400
    assert response.json()["codes"] == {"items": ["coverage_wrong_family"]}
    assert "new-energy" in response.json()["items"][0]


def test_create_for_another_stores_vehicle_is_refused(cast):
    other = make_vehicle(cast.b_issuer, cast.store_b)
    response = api(cast.a_issuer).post("/api/quotes/", {
        "vehicle": other.pk, "start_date": (today() + dt.timedelta(days=7)).isoformat(),
        "template": "commercial_2020_basic"}, format="json")
    assert response.status_code == 400
    assert response.json()["codes"] == {"vehicle": ["does_not_exist"]}


# ---------------------------------------------------------------- offers and choose
def test_record_offer_and_choose(cast, quote):
    client = api(cast.a_issuer)
    response = client.post(f"/api/quotes/{quote.pk}/offers/", offer_payload(), format="json")
    assert response.status_code == 201, response.content
    offer = response.json()
    assert offer["insurer"] == "PICC" and offer["total"] == "4215.00" and len(offer["lines"]) == 2
    response = client.post(f"/api/quotes/{quote.pk}/choose/", {"offer": offer["id"]}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == QuoteStatus.CHOSEN and response.json()["chosen_offer"] == offer["id"]


def test_offer_again_replaces_it(cast, quote):
    client = api(cast.a_issuer)
    first = client.post(f"/api/quotes/{quote.pk}/offers/", offer_payload(), format="json").json()
    response = client.post(f"/api/quotes/{quote.pk}/offers/", offer_payload(
        commercial_premium="2900.00", commercial_premium_without_vat="2735.85",
        lines=[{"coverage": "vehicle_damage", "premium": "1900.00"},
               {"coverage": "third_party", "premium": "1000.00"}]), format="json")
    assert response.status_code == 200
    again = response.json()
    assert again["id"] == first["id"] and again["commercial_premium"] == "2900.00"


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"insurer": "CPIC"}, "insurer", "no_active_contract"),
        ({"commercial_premium": "-3000.00"}, "commercial_premium", "money_negative"),
        ({"vehicle_tax": "360.001"}, "vehicle_tax", "money_decimals"),
        ({"ncd_coefficient": "2.5"}, "ncd_coefficient", "ncd_out_of_range"),
        ({"pricing_coefficient": "0.3"}, "pricing_coefficient", "pricing_out_of_range"),
        ({"lines": [{"coverage": "vehicle_damage", "premium": "2000.00"},
                    {"coverage": "third_party", "premium": "999.00"}]}, "lines", "lines_sum_mismatch"),
        ({"lines": [{"coverage": "scratch", "premium": "3000.00"}]}, "lines", "line_not_in_plan"),
        ({"insurer": "NOPE"}, "insurer", "does_not_exist"),
    ],
)
def test_offer_errors_name_the_field_and_the_rule(cast, quote, overrides, field, code):
    response = api(cast.a_issuer).post(f"/api/quotes/{quote.pk}/offers/", offer_payload(**overrides), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["codes"][field] == [code], body
    assert not QuoteOffer.objects.exists()


def test_choose_an_offer_of_another_quote_is_refused(cast, quote, vehicle):
    other = make_quote(cast.a_issuer, vehicle)
    offer = record(cast.a_issuer, other, "PICC")
    response = api(cast.a_issuer).post(f"/api/quotes/{quote.pk}/choose/", {"offer": offer.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["codes"] == {"offer": ["does_not_exist"]}


# ---------------------------------------------------------------- comparison
def test_comparison_is_read_only_and_explains_the_renewal(cast, vehicle, contracts):
    end = today() + dt.timedelta(days=5)
    last_year_policy(cast.a_issuer, vehicle, "PICC", end=end, premium="2500.00")
    quote = make_quote(cast.a_issuer, vehicle, start=end + dt.timedelta(days=1))
    picc = record(cast.a_issuer, quote, "PICC")
    pingan = record(cast.a_issuer, quote, "PINGAN", commercial="2900.00", damage="1950.00", third="950.00")
    response = api(cast.auditor).get(f"/api/quotes/{quote.pk}/comparison/")
    assert response.status_code == 200
    body = response.json()
    assert [o["insurer"] for o in body["offers"]] == ["PINGAN", "PICC"]
    assert body["cheapest"] == [pingan.pk] and body["chosen_offer"] is None
    assert body["rows"][0]["coverage"] == "vehicle_damage"
    assert body["rows"][0]["premiums"] == ["1950.00", "2000.00"] and body["rows"][0]["cheapest"] == [True, False]
    renewal = body["renewal"]
    assert renewal["difference"] == "400.00" and renewal["percent"] == "16.0"
    assert "claims not recorded yet" in renewal["text_en"] and "上涨" in renewal["text_zh"]
    assert picc.pk in [o["id"] for o in body["offers"]]
    assert api(cast.auditor).post(f"/api/quotes/{quote.pk}/comparison/").status_code == 405


def test_list_query_count_does_not_grow_with_rows(cast, vehicle, contracts, django_assert_max_num_queries):
    for _ in range(6):
        quote = make_quote(cast.a_issuer, vehicle)
        record(cast.a_issuer, quote, "PICC")
        record(cast.a_issuer, quote, "PINGAN")
    client = api(cast.a_issuer)
    with django_assert_max_num_queries(8):  # token, user, roles, count, quotes, items, offers, lines
        assert client.get("/api/quotes/").json()["count"] == 6


def test_openapi_schema_lists_the_quote_endpoints(cast):
    response = api(cast.a_issuer).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/quotes/", "/api/quotes/{id}/", "/api/quotes/{id}/offers/", "/api/quotes/{id}/choose/",
                 "/api/quotes/{id}/comparison/"):
        assert path in paths, path
    components = response.json()["components"]["schemas"]
    assert {"Quote", "QuoteOffer", "QuoteComparison", "QuoteCreateRequest", "QuoteOfferInputRequest"} <= set(components)
    assert "id_number" not in str(components["Quote"])
