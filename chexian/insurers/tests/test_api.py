"""The REST API over insurers, agency contracts and licences: the same rules and
permissions as the pages (SPEC §5.2), store isolation (STYLE §4), errors that
name the rule and carry its code."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chexian.insurers import services
from chexian.insurers.choices import ContractStatus
from chexian.insurers.models import AgencyContract, AgencyLicence
from chexian.insurers.tests.factories import active_contract, insurer, propose

URLCONF = "chexian.insurers.tests.urls"
pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLCONF)]
S = ContractStatus


def api(user=None):
    """A client authenticated by token, as integrations call the API."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def contract_payload(store, code="PICC", **overrides):
    data = {
        "store": store.pk,
        "insurer": insurer(code).pk,
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
        "rate_ctpl": "4.00",
        "rate_commercial": "18.00",
        "rate_nev_commercial": "15.00",
        "rate_non_motor": "25.00",
        "commission_base": "without_vat",
        "claim_payment_days": 45,
    }
    data.update(overrides)
    return data


@pytest.fixture
def a_contract(cast):
    return propose(cast, cast.store_a, "PICC")


# ------------------------------------------------------------------ insurers
def test_insurers_are_read_only_master_data(cast):
    client = api(cast.a_dept)
    response = client.get("/api/insurers/", {"q": "PICC"})
    assert response.status_code == 200
    assert [row["short_name"] for row in response.json()["results"]] == ["人保财险"]
    picc = insurer("PICC")
    assert client.get(f"/api/insurers/{picc.pk}/").json()["name"] == "中国人民财产保险股份有限公司"
    for user in (cast.a_dept, cast.office):
        assert api(user).post("/api/insurers/", {"code": "X", "name": "X", "short_name": "X"}).status_code == 405
    assert api().get("/api/insurers/").status_code == 401


# ------------------------------------------------------------------ the approval flow
def test_full_flow_proposed_approved_active_over_the_api(cast):
    response = api(cast.a_supervisor).post("/api/contracts/", contract_payload(cast.store_a), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == S.PROPOSED and body["store_code"] == "A01" and body["insurer_code"] == "PICC"
    assert body["proposed_by"] == cast.a_supervisor.pk and body["claim_payment_days"] == 45
    pk = body["id"]

    office = api(cast.office)
    response = office.post(f"/api/contracts/{pk}/approve/", {"reason": "费率合理"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == S.APPROVED and response.json()["decision_reason"] == "费率合理"

    response = office.post(f"/api/contracts/{pk}/legal-review/", {"opinion": "合同条款合规"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == S.ACTIVE and body["legal_opinion"] == "合同条款合规"
    assert [(e["from_status"], e["to_status"], e["actor_name"]) for e in body["events"]] == [
        ("", S.PROPOSED, "a-supervisor"),
        (S.PROPOSED, S.APPROVED, "office"),
        (S.APPROVED, S.ACTIVE, "office"),
    ]

    response = office.post(f"/api/contracts/{pk}/terminate/", {"reason": "合作结束"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == S.TERMINATED


def test_status_and_decisions_cannot_be_written_directly(cast):
    payload = contract_payload(cast.store_a, status=S.ACTIVE, decided_by=cast.office.pk, legal_opinion="ok")
    response = api(cast.a_supervisor).post("/api/contracts/", payload, format="json")
    assert response.status_code == 201
    contract = AgencyContract.objects.get()
    assert (contract.status, contract.decided_by, contract.legal_opinion) == (S.PROPOSED, None, "")
    client = api(cast.office)
    assert client.patch(f"/api/contracts/{contract.pk}/", {"status": S.ACTIVE}, format="json").status_code == 405
    assert client.delete(f"/api/contracts/{contract.pk}/").status_code == 405


def test_rejecting_needs_a_reason(cast, a_contract):
    client = api(cast.office)
    response = client.post(f"/api/contracts/{a_contract.pk}/reject/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["codes"] == {"reason": ["required"]}
    a_contract.refresh_from_db()
    assert a_contract.status == S.PROPOSED
    response = client.post(f"/api/contracts/{a_contract.pk}/reject/", {"reason": "费率过高"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == S.REJECTED


@pytest.mark.parametrize(
    ("activate_first", "move", "body"),
    [(False, "legal-review", {"opinion": "合规"}), (True, "approve", {}), (False, "terminate", {"reason": "x"})],
)
def test_illegal_transitions_are_a_400_with_the_rule_code(cast, a_contract, activate_first, move, body):
    if activate_first:
        client = api(cast.office)
        client.post(f"/api/contracts/{a_contract.pk}/approve/", {}, format="json")
        client.post(f"/api/contracts/{a_contract.pk}/legal-review/", {"opinion": "合规"}, format="json")
    a_contract.refresh_from_db()
    before = (a_contract.status, a_contract.events.count())
    response = api(cast.office).post(f"/api/contracts/{a_contract.pk}/{move}/", body, format="json")
    assert response.status_code == 400
    assert response.json()["codes"] == {"non_field_errors": ["contract_transition"]}
    assert f"({a_contract.status})" in response.json()["non_field_errors"][0]
    a_contract.refresh_from_db()
    assert (a_contract.status, a_contract.events.count()) == before


def test_the_partner_limit_is_a_400_naming_the_rule(cast):
    active_contract(cast, cast.store_a, "PICC")
    active_contract(cast, cast.store_a, "PINGAN")
    response = api(cast.a_supervisor).post("/api/contracts/", contract_payload(cast.store_a, "CPIC"), format="json")
    assert response.status_code == 400
    assert response.json()["codes"] == {"non_field_errors": ["partner_limit"]}
    assert "at most 2 partner insurers; 3 only when" in response.json()["non_field_errors"][0]


def test_field_rules_come_back_on_their_field(cast):
    response = api(cast.a_supervisor).post(
        "/api/contracts/", contract_payload(cast.store_a, rate_commercial="120.00"), format="json"
    )
    assert response.status_code == 400 and "rate_commercial" in response.json()["codes"]
    response = api(cast.a_supervisor).post(
        "/api/contracts/", contract_payload(cast.store_a, valid_until="2025-01-01"), format="json"
    )
    assert response.status_code == 400 and "valid_until" in response.json()
    assert not AgencyContract.objects.exists()


# ------------------------------------------------------------------ who may do what
def test_the_group_office_cannot_propose(cast):
    response = api(cast.office).post("/api/contracts/", contract_payload(cast.store_a), format="json")
    assert response.status_code == 403
    assert not AgencyContract.objects.exists()


@pytest.mark.parametrize("who", ["a_issuer", "a_sales", "auditor"])
def test_roles_without_propose_cannot_propose(cast, who):
    response = api(getattr(cast, who)).post("/api/contracts/", contract_payload(cast.store_a), format="json")
    assert response.status_code == 403


def test_a_store_proposes_only_for_its_own_store(cast):
    response = api(cast.a_supervisor).post("/api/contracts/", contract_payload(cast.store_b), format="json")
    assert response.status_code == 400 and response.json()["codes"] == {"store": ["does_not_exist"]}
    assert not AgencyContract.objects.exists()


def test_a_replacement_must_name_one_of_my_contracts(cast):
    theirs = active_contract(cast, cast.store_b, "PICC")
    response = api(cast.a_supervisor).post(
        "/api/contracts/", contract_payload(cast.store_a, replaces=theirs.pk), format="json"
    )
    assert response.status_code == 400 and response.json()["codes"] == {"replaces": ["does_not_exist"]}


@pytest.mark.parametrize("who", ["a_supervisor", "a_manager", "auditor"])
def test_a_store_supervisor_cannot_approve(cast, a_contract, who):
    client = api(getattr(cast, who))
    assert client.get(f"/api/contracts/{a_contract.pk}/").status_code == 200
    for move, body in (("approve", {}), ("reject", {"reason": "x"}), ("legal-review", {"opinion": "x"})):
        assert client.post(f"/api/contracts/{a_contract.pk}/{move}/", body, format="json").status_code == 403
    a_contract.refresh_from_db()
    assert a_contract.status == S.PROPOSED


# ------------------------------------------------------------------ store isolation
def test_store_b_gets_404_for_store_a_contracts_and_never_lists_them(cast, a_contract):
    b_contract = propose(cast, cast.store_b, "PINGAN")
    client = api(cast.b_supervisor)
    assert client.get(f"/api/contracts/{a_contract.pk}/").status_code == 404
    assert client.get("/api/contracts/999999/").status_code == 404
    assert ids(client.get("/api/contracts/")) == {b_contract.pk}
    assert ids(api(cast.b_issuer).get("/api/contracts/", {"insurer": insurer("PICC").pk})) == set()
    response = client.get("/api/contracts/", {"store": cast.store_a.pk})
    assert response.status_code == 400 and response.json()["store"]
    assert ids(api(cast.office).get("/api/contracts/")) == {a_contract.pk, b_contract.pk}


def test_the_office_of_another_group_gets_404(cast, a_contract):
    from chexian.core.testing import make_group, make_store, make_user
    from chexian.org.choices import Role

    group, region = make_group("G2")
    make_store(group, region, "C01")
    client = api(make_user("office-2", Role.GROUP_OFFICE, group=group))
    assert client.get(f"/api/contracts/{a_contract.pk}/").status_code == 404
    assert client.post(f"/api/contracts/{a_contract.pk}/approve/", {}, format="json").status_code == 404
    assert ids(client.get("/api/contracts/")) == set()


def test_sales_and_department_staff_do_not_see_contracts(cast, a_contract):
    for user in (cast.a_sales, cast.a_dept):
        assert api(user).get("/api/contracts/").status_code == 403
        assert api(user).get(f"/api/contracts/{a_contract.pk}/").status_code == 403


# ------------------------------------------------------------------ licences
def test_the_store_registers_and_changes_its_licence(cast):
    client = api(cast.a_supervisor)
    payload = {"store": cast.store_a.pk, "licence_no": "粤保监兼代字0001", "valid_from": "2024-01-01",
               "registered_staff": "张三\n李四"}
    response = client.post("/api/licences/", payload, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = client.patch(f"/api/licences/{pk}/", {"valid_until": "2027-12-31"}, format="json")
    assert response.status_code == 200 and response.json()["valid_until"] == "2027-12-31"
    response = client.patch(f"/api/licences/{pk}/", {"store": cast.store_b.pk}, format="json")
    assert response.status_code == 400
    assert AgencyLicence.objects.get().store == cast.store_a


def test_licences_follow_the_permission_model(cast):
    client = api(cast.a_supervisor)
    payload = {"store": cast.store_a.pk, "licence_no": "粤保监兼代字0001", "valid_from": "2024-01-01"}
    pk = client.post("/api/licences/", payload, format="json").json()["id"]
    assert api(cast.a_issuer).get(f"/api/licences/{pk}/").status_code == 200
    assert api(cast.a_issuer).patch(f"/api/licences/{pk}/", {"licence_no": "X"}, format="json").status_code == 403
    assert api(cast.a_issuer).post("/api/licences/", payload, format="json").status_code == 403
    assert api(cast.b_supervisor).get(f"/api/licences/{pk}/").status_code == 404
    assert api(cast.b_supervisor).patch(f"/api/licences/{pk}/", {"licence_no": "X"}, format="json").status_code == 404
    assert ids(api(cast.b_supervisor).get("/api/licences/")) == set()
    response = api(cast.b_supervisor).post("/api/licences/", payload, format="json")
    assert response.status_code == 400 and response.json()["codes"] == {"store": ["does_not_exist"]}


# ------------------------------------------------------------------ query counts and schema
def test_contract_list_query_count_does_not_grow_with_rows(cast, django_assert_max_num_queries):
    client = api(cast.a_supervisor)

    def check(expected):
        # token, roles, count, page, the events of the page (prefetched): whatever the number of rows
        with django_assert_max_num_queries(5):
            response = client.get("/api/contracts/")
        assert response.json()["count"] == expected

    active_contract(cast, cast.store_a, "PICC")
    check(1)
    for code in ("CPIC", "CHINALIFE", "CIC", "DADI"):
        services.reject_contract(actor=cast.office, contract=propose(cast, cast.store_a, code), reason="不合作")
    active_contract(cast, cast.store_a, "PINGAN")
    check(6)


def test_openapi_schema_lists_the_endpoints(cast):
    response = api(cast.a_issuer).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/insurers/",
        "/api/insurers/{id}/",
        "/api/contracts/",
        "/api/contracts/{id}/",
        "/api/contracts/{id}/approve/",
        "/api/contracts/{id}/reject/",
        "/api/contracts/{id}/legal-review/",
        "/api/contracts/{id}/terminate/",
        "/api/licences/",
        "/api/licences/{id}/",
    ):
        assert path in paths, path
    assert {"Insurer", "AgencyContract", "AgencyLicence", "ContractEvent"} <= set(
        response.json()["components"]["schemas"]
    )


def test_openapi_schema_generates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--fail-on-warn", "--validate", "--urlconf", URLCONF, "--file", str(tmp_path / "schema.yaml")
    )
