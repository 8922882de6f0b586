"""The policy API: the same rules and permissions as the pages (SPEC §5.2), store
isolation (STYLE §4), and errors that name the field."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chexian.core.testing import make_customer, make_vehicle
from chexian.insurers.models import Insurer
from chexian.policies.choices import BusinessType, PolicyLine, PolicySource, PolicyStatus
from chexian.policies.models import Policy
from chexian.policies.tests.factories import active_contract
from chexian.policies.tests.test_views import TODAY, issue_directly

pytestmark = pytest.mark.django_db

URL = "/api/policies/"


def api(user=None):
    """A client authenticated by token, as integrations call the API."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def contract(cast):
    return active_contract(cast, cast.store_a)


@pytest.fixture
def vehicle(cast):
    owner = make_customer(cast.a_supervisor, cast.store_a, name="张三")
    return make_vehicle(cast.a_supervisor, cast.store_a, owner=owner, purchase_date=TODAY - dt.timedelta(days=5))


def payload(vehicle, **overrides):
    data = {
        "vehicle": vehicle.pk,
        "insurer": Insurer.objects.get(code="PICC").pk,
        "line": "commercial",
        "number": "PDAA2026API0001",
        "start_date": TODAY.isoformat(),
        "premium": "3180.00",
        "premium_without_vat": "3000.00",
        "vat": "180.00",
        "payment_ref": "WX1",
        "confirm_code": "C1",
        "documents": ["owner_id", "sales_invoice", "certificate"],
        "coverages": [
            {"coverage": "vehicle_damage", "premium": "2000.00"},
            {"coverage": "third_party", "limit": "1000000", "premium": "1180.00"},
        ],
    }
    data.update(overrides)
    return data


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# ------------------------------------------------------------------ create = issue_policy
def test_create_issues_a_policy_with_derived_type_and_commission(cast, contract, vehicle):
    response = api(cast.a_issuer).post(URL, payload(vehicle), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    policy = Policy.objects.get()
    assert body["id"] == policy.pk
    assert body["business_type"] == BusinessType.NEW_CAR
    assert body["source"] == PolicySource.DIRECT
    assert body["commission_rate"] == "18.00"
    assert body["commission_amount"] == "540.00"
    assert body["end_date"] == policy.end_date.isoformat()
    assert body["policyholder"] == vehicle.owner_id
    assert {c["coverage"] for c in body["coverages"]} == {"vehicle_damage", "third_party"}
    assert policy.contract == contract


def test_negative_premium_is_a_400_naming_the_field(cast, contract, vehicle):
    response = api(cast.a_issuer).post(
        URL, payload(vehicle, premium="-3180.00", premium_without_vat="3000.00"), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["premium"] == ["The amount cannot be negative."]
    assert "premium" in body["codes"]
    assert not Policy.objects.exists()


def test_negative_coverage_premium_is_refused(cast, contract, vehicle):
    data = payload(vehicle)
    data["coverages"][0]["premium"] = "-1.00"
    response = api(cast.a_issuer).post(URL, data, format="json")
    assert response.status_code == 400
    assert "coverages" in response.json()


def test_unknown_coverage_code_names_the_coverage_field(cast, contract, vehicle):
    data = payload(vehicle)
    data["coverages"][0]["coverage"] = "no_such_cover"
    response = api(cast.a_issuer).post(URL, data, format="json")
    assert response.status_code == 400
    assert "coverages" in response.json()


def test_overlapping_ctpl_is_refused_over_the_api(cast, contract, vehicle):
    issue_directly(cast.a_issuer, vehicle, line=PolicyLine.CTPL, start=TODAY - dt.timedelta(days=30))
    data = payload(
        vehicle, line="ctpl", number="PDZA-API-2", premium="855.00", premium_without_vat="806.60", vat="48.40",
        vehicle_tax="360.00", documents=["owner_id", "vehicle_licence"],
        coverages=[{"coverage": "ctpl", "premium": "855.00"}],
    )
    response = api(cast.a_issuer).post(URL, data, format="json")
    assert response.status_code == 400
    assert "already has a CTPL policy" in response.json()["start_date"][0]
    assert Policy.objects.count() == 1


def test_department_staff_get_403_on_issue(cast, contract, vehicle):
    response = api(cast.a_dept).post(URL, payload(vehicle), format="json")
    assert response.status_code == 403
    assert not Policy.objects.exists()


def test_another_stores_vehicle_is_unknown(cast, contract, vehicle):
    response = api(cast.b_issuer).post(URL, payload(vehicle), format="json")
    assert response.status_code == 400
    assert "vehicle" in response.json()
    assert not Policy.objects.exists()


# ------------------------------------------------------------------ reading and scoping
def test_store_b_never_sees_store_a_policies(cast, contract, vehicle):
    policy = issue_directly(cast.a_issuer, vehicle)
    active_contract(cast, cast.store_b)
    b_owner = make_customer(cast.b_supervisor, cast.store_b, name="李四")
    b_policy = issue_directly(cast.b_issuer, make_vehicle(cast.b_supervisor, cast.store_b, owner=b_owner),
                              number="PDAA-B-1")

    assert ids(api(cast.a_issuer).get(URL)) == {policy.pk}
    assert ids(api(cast.b_issuer).get(URL)) == {b_policy.pk}
    assert ids(api(cast.office).get(URL)) == {policy.pk, b_policy.pk}
    assert api(cast.b_issuer).get(f"{URL}{policy.pk}/").status_code == 404
    assert api(cast.b_supervisor).post(
        f"{URL}{policy.pk}/cancel/", {"reason": "policyholder_request", "effective_date": TODAY.isoformat(),
                                      "refund_amount": "0"}, format="json",
    ).status_code == 404
    assert api(cast.a_issuer).get(f"{URL}{policy.pk}/").status_code == 200
    assert ids(api(cast.b_issuer).get(URL, {"q": policy.number})) == set()


def test_list_filters(cast, contract, vehicle):
    commercial = issue_directly(cast.a_issuer, vehicle)
    ctpl = issue_directly(cast.a_issuer, vehicle, line=PolicyLine.CTPL, number="PDZA-1")
    client = api(cast.a_issuer)
    assert ids(client.get(URL, {"line": "ctpl"})) == {ctpl.pk}
    assert ids(client.get(URL, {"q": vehicle.plate})) == {commercial.pk, ctpl.pk}
    assert ids(client.get(URL, {"end_from": (TODAY + dt.timedelta(days=400)).isoformat()})) == set()


def test_policies_cannot_be_changed_or_deleted_directly(cast, contract, vehicle):
    policy = issue_directly(cast.a_issuer, vehicle)
    client = api(cast.a_supervisor)
    assert client.patch(f"{URL}{policy.pk}/", {"premium": "1"}, format="json").status_code == 405
    assert client.delete(f"{URL}{policy.pk}/").status_code == 405


# ------------------------------------------------------------------ actions
def test_endorse_plate(cast, contract, vehicle):
    policy = issue_directly(cast.a_issuer, vehicle)
    response = api(cast.a_issuer).post(
        f"{URL}{policy.pk}/endorse/", {"kind": "plate", "plate": "粤B7K3M9", "effective_date": TODAY.isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["endorsements"][0]["after"] == {"plate": "粤B7K3M9"}
    vehicle.refresh_from_db()
    assert vehicle.plate == "粤B7K3M9"


def test_endorse_needs_the_kind_fields_and_a_date_in_the_period(cast, contract, vehicle):
    policy = issue_directly(cast.a_issuer, vehicle)
    client = api(cast.a_issuer)
    response = client.post(f"{URL}{policy.pk}/endorse/", {"kind": "owner", "effective_date": TODAY.isoformat()},
                           format="json")
    assert response.status_code == 400
    assert "policyholder" in response.json()
    buyer = make_customer(cast.a_supervisor, cast.store_a, name="王五")
    response = client.post(
        f"{URL}{policy.pk}/endorse/",
        {"kind": "owner", "policyholder": buyer.pk, "effective_date": (TODAY - dt.timedelta(days=3)).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert "effective_date" in response.json()


def test_cancel_is_for_supervisors_and_checks_the_reason(cast, contract, vehicle):
    ctpl = issue_directly(cast.a_issuer, vehicle, line=PolicyLine.CTPL, number="PDZA-9")
    body = {"reason": "policyholder_request", "effective_date": TODAY.isoformat(), "refund_amount": "100.00"}
    assert api(cast.a_issuer).post(f"{URL}{ctpl.pk}/cancel/", body, format="json").status_code == 403
    response = api(cast.a_supervisor).post(f"{URL}{ctpl.pk}/cancel/", body, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    response = api(cast.a_supervisor).post(f"{URL}{ctpl.pk}/cancel/", {**body, "reason": "laid_up"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == PolicyStatus.CANCELLED
    assert response.json()["cancellation"]["refund_amount"] == "100.00"


def test_schema_documents_the_policy_endpoints(cast):
    response = api(cast.a_issuer).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/policies/" in paths
    assert "/api/policies/{id}/endorse/" in paths
    assert "/api/policies/{id}/cancel/" in paths
