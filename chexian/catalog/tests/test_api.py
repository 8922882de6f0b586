"""The catalog API: read-only, ``insurer.view`` like the pages, 401 without a token."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chexian.catalog.models import Coverage, PlanTemplate
from chexian.core.testing import make_user, make_vehicle

pytestmark = pytest.mark.django_db


def api(user=None):
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_anonymous_gets_401():
    assert api().get("/api/coverages/").status_code == 401
    assert api().get("/api/plan-templates/").status_code == 401


def test_a_user_without_a_role_gets_403(cast):
    assert api(make_user("nobody")).get("/api/coverages/").status_code == 403


def test_coverages_list_with_tiers_and_dates(cast, django_assert_max_num_queries):
    client = api(cast.a_issuer)
    with django_assert_max_num_queries(4):  # token, roles, count, coverages with their main
        response = client.get("/api/coverages/")
    rows = results(response)
    assert len(rows) == response.json()["count"] == Coverage.objects.count()
    assert rows[0]["code"] == "ctpl"
    third = next(r for r in rows if r["code"] == "third_party")
    assert third["limit_kind"] == "tier" and third["limit_choices"][0] == "100000"
    assert third["limit_choices"][-1] == "10000000" and third["effective_from"] == "2020-09-19"
    scratch = next(r for r in rows if r["code"] == "scratch")
    assert scratch["requires_code"] == "vehicle_damage"


def test_coverages_filter_by_family_and_date(cast):
    client = api(cast.a_dept)
    rows = results(client.get("/api/coverages/", {"family": "nev_2021"}))
    assert rows and all(r["code"].startswith("nev_") for r in rows)
    assert not results(client.get("/api/coverages/", {"family": "nev_2021", "on": "2021-12-26"}))


def test_coverages_quotable_for_a_vehicle(cast):
    nev = make_vehicle(cast.a_issuer, cast.store_a, energy_type="bev")
    rows = results(api(cast.a_issuer).get("/api/coverages/", {"vehicle": nev.pk, "on": "2026-11-22"}))
    families = {r["family"] for r in rows}
    assert families == {"ctpl", "nev_2021", "non_motor"}


def test_another_stores_vehicle_is_not_a_filter_choice(cast):
    nev = make_vehicle(cast.b_issuer, cast.store_b, energy_type="bev")
    response = api(cast.a_issuer).get("/api/coverages/", {"vehicle": nev.pk})
    assert response.status_code == 400
    assert "vehicle" in response.json()


def test_templates_with_items_and_note(cast, django_assert_max_num_queries):
    client = api(cast.a_sales)
    with django_assert_max_num_queries(5):  # token, roles, count, templates, items with coverages
        rows = results(client.get("/api/plan-templates/"))
    assert len(rows) == 16
    full = next(r for r in rows if r["code"] == "nev_2021_full")
    codes = [item["coverage_code"] for item in full["items"]]
    assert codes[:2] == ["nev_vehicle_damage", "nev_third_party"] and "nev_grid_failure" in codes
    assert "新能源" in full["note"]
    minimum = client.get(f"/api/plan-templates/{PlanTemplate.objects.get(code='commercial_2020_minimum').pk}/")
    assert minimum.status_code == 200 and minimum.json()["items"] == []


def test_the_catalog_api_is_read_only(cast):
    client = api(cast.a_supervisor)
    coverage = Coverage.objects.get(code="ctpl")
    assert client.post("/api/coverages/", {"code": "x"}, format="json").status_code == 405
    assert client.patch(f"/api/coverages/{coverage.pk}/", {"name": "x"}, format="json").status_code == 405
    assert client.delete(f"/api/coverages/{coverage.pk}/").status_code == 405
