"""The gifts-and-rebates API: store-scoped reads with the warning and the flag, and the
supervisor's approve / reject through the service (reason required, role checked)."""

from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chexian.incentives.choices import IncentiveStatus
from chexian.incentives.tests.factories import gift_package, policy_of, rebate, store_contract

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def package(cast, policy, items):
    return gift_package(cast.a_issuer, policy, [(items["wash"], 10), (items["detailing"], 1)])


def test_list_and_detail_carry_the_flag_the_warning_and_the_lines(cast, package, django_assert_max_num_queries):
    rebate(cast.a_issuer, package.policy, "120.00")
    client = api(cast.a_supervisor)
    # token, roles, count, incentives, lines with items, redemptions
    with django_assert_max_num_queries(6):
        response = client.get("/api/incentives/")
    rows = response.json()["results"]
    assert len(rows) == 2 and all(row["flagged"] for row in rows)
    assert all("Insurance Law Art 131(4)" in row["compliance_warning"] for row in rows)
    detail = client.get(f"/api/incentives/{package.pk}/").json()
    assert detail["cost_at_grant"] == "500.00" and [(line["item_name"], line["quantity"]) for line in
                                                    detail["lines"]] == [("精洗", 10), ("内饰清洁", 1)]
    assert api(cast.a_sales).get("/api/incentives/").status_code == 403
    items = api(cast.a_dept).get("/api/gift-items/").json()["results"]
    assert {item["name"] for item in items} == {"精洗", "小保养", "内饰清洁"}


def test_approve_needs_a_reason_and_the_supervisors_role(cast, package):
    url = f"/api/incentives/{package.pk}/approve/"
    assert api(cast.a_issuer).post(url, {"reason": "ok"}).status_code == 403
    response = api(cast.a_supervisor).post(url, {"reason": ""})
    assert response.status_code == 400 and response.json()["codes"] == {"reason": ["reason_required"]}
    response = api(cast.a_supervisor).post(url, {"reason": "老客户"})
    assert response.status_code == 200
    assert response.json()["status"] == IncentiveStatus.APPROVED and response.json()["flagged"] is False
    response = api(cast.a_manager).post(f"/api/incentives/{package.pk}/reject/", {"reason": "改主意"})
    assert response.status_code == 400 and response.json()["codes"] == {"non_field_errors": ["already_decided"]}


def test_another_stores_record_is_404_like_a_missing_one(cast, package):
    store_contract(cast, cast.store_b)
    rebate(cast.b_supervisor, policy_of(cast.b_issuer, cast.store_b), "10.00")
    client = api(cast.b_supervisor)
    assert client.get(f"/api/incentives/{package.pk}/").status_code == 404
    assert client.get("/api/incentives/999999/").status_code == 404
    assert client.post(f"/api/incentives/{package.pk}/approve/", {"reason": "x"}).status_code == 404
    assert [row["cost"] for row in client.get("/api/incentives/").json()["results"]] == ["10.00"]
    assert Decimal(api(cast.office).get("/api/incentives/").json()["count"]) == 2
