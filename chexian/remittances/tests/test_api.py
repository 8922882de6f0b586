"""The remittance API: scoped lists, another store's remittance a 404, recording with
lines (400s name the line, field and rule), automatic and hand matching, the
unmatched lines, undoing a match — and a schema that stays valid."""

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chexian.claims.choices import Step
from chexian.remittances.models import Allocation, Remittance
from chexian.remittances.tests.factories import a_case, remit

pytestmark = pytest.mark.django_db
D = Decimal


def api(user=None):
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def payload(cast, picc, **overrides):
    return {"store": cast.store_a.pk, "insurer": picc.pk, "received_on": "2026-12-01", "reference": "BANK-API",
            "total_amount": "300.00",
            "lines": [{"report_no": "RDAA1", "amount": "100.00"}, {"report_no": "RDAA2", "amount": "200.00"}],
            **overrides}


def test_the_list_is_scoped_and_another_stores_remittance_is_a_404(cast, crew, picc,
                                                                     django_assert_max_num_queries):
    mine = remit(crew.finance, cast.store_a, picc, ("RDAA-A", "100.00"), ("RDAA-A2", "5.00"))
    theirs = remit(crew.b_adjuster, cast.store_b, picc, ("RDAA-B", "200.00"))
    client = api(crew.finance)
    with django_assert_max_num_queries(8):
        body = client.get("/api/remittances/").json()
    assert [r["number"] for r in body["results"]] == [mine.number]
    assert body["results"][0]["lines"][1]["unallocated"] == "5.00"
    assert client.get(f"/api/remittances/{theirs.pk}/").status_code == 404
    assert client.get("/api/remittances/999999/").status_code == 404
    assert client.post(f"/api/remittances/{theirs.pk}/auto-match/").status_code == 404
    assert api(cast.office).get("/api/remittances/").json()["count"] == 2
    assert api(cast.a_sales).get("/api/remittances/").status_code == 403
    assert api().get("/api/remittances/").status_code == 401


def test_a_remittance_is_recorded_with_its_lines(cast, crew, picc):
    response = api(crew.finance).post("/api/remittances/", payload(cast, picc), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("A01-HK") and body["source"] == "manual"
    assert [(line["line_no"], line["report_no"], line["amount"]) for line in body["lines"]] == [
        (1, "RDAA1", "100.00"), (2, "RDAA2", "200.00")]


def test_a_bad_remittance_is_a_400_naming_the_line_the_field_and_the_rule(cast, crew, picc):
    client = api(crew.finance)
    response = client.post("/api/remittances/", payload(cast, picc, total_amount="999.00"), format="json")
    assert response.status_code == 400
    assert response.json()["codes"] == {"total_amount": ["total_mismatch"]}
    response = client.post("/api/remittances/", payload(cast, picc, lines=[
        {"report_no": "RDAA1", "amount": "300.00"}, {"report_no": "RDAA2", "amount": "0"}]), format="json")
    assert response.status_code == 400 and "amount" in response.json()["lines"][1]
    response = client.post("/api/remittances/", payload(cast, picc, total_amount="100.00", lines=[
        {"report_no": "", "amount": "100.00"}]), format="json")
    assert response.status_code == 400
    assert response.json()["lines"] == [
        "Line 1 · Report number (报案号): The report number is needed to match the payment to its claim case."]
    response = client.post("/api/remittances/", payload(cast, picc, store=cast.store_b.pk), format="json")
    assert response.status_code == 400 and "store" in response.json()
    assert not Remittance.objects.exists()


def test_auto_match_and_hand_match_through_the_api(cast, crew, picc):
    exact = a_case(crew.adjuster, cast.store_a, "5000.00")
    partial = a_case(crew.adjuster, cast.store_a, "3000.00")
    remittance = remit(crew.finance, cast.store_a, picc, (exact.report_no, "5000.00"), ("RDAA-ADV", "1000.00"))
    client = api(crew.finance)

    response = client.post(f"/api/remittances/{remittance.pk}/auto-match/")
    assert response.json() == {"lines": 2, "matched": 1, "amount": "5000.00", "unmatched": 1}
    exact.refresh_from_db()
    assert exact.step == Step.CLOSED

    [line] = client.get("/api/remittance-lines/", {"unmatched": "1"}).json()["results"]
    assert line["report_no"] == "RDAA-ADV"
    assert len(client.get("/api/remittance-lines/").json()["results"]) == 2
    response = client.post(f"/api/remittance-lines/{line['id']}/match/", {"case": partial.pk, "amount": "600.00"},
                           format="json")
    assert response.status_code == 201 and response.json()["claim_number"] == partial.number
    response = client.post(f"/api/remittance-lines/{line['id']}/match/", {"case": partial.pk, "amount": "500.00"},
                           format="json")
    assert response.status_code == 400 and response.json()["codes"] == {"amount": ["more_than_line"]}
    response = client.post(f"/api/remittance-lines/{line['id']}/match/", {"case": partial.pk}, format="json")
    assert response.status_code == 201 and response.json()["amount"] == "400.00"
    partial.refresh_from_db()
    assert (partial.paid_amount, partial.step) == (D("1000.00"), Step.PAYMENT)
    assert client.get("/api/remittance-lines/", {"unmatched": "1"}).json()["results"] == []

    allocation = Allocation.objects.filter(claim=partial).first()
    response = client.post(f"/api/remittance-allocations/{allocation.pk}/unmatch/", {"reason": "重复录入"},
                           format="json")
    assert response.status_code == 200 and response.json()["reversal_reason"] == "重复录入"
    partial.refresh_from_db()
    assert partial.paid_amount == D("400.00")


def test_matching_another_stores_case_or_line_is_refused(cast, crew, picc):
    case_b = a_case(crew.b_adjuster, cast.store_b, "5000.00")
    mine = remit(crew.finance, cast.store_a, picc, ("RDAA-X", "5000.00"))
    theirs = remit(crew.b_adjuster, cast.store_b, picc, (case_b.report_no, "5000.00"), received_on=dt.date(2026, 1, 1))
    client = api(crew.finance)
    line = mine.lines.get()
    response = client.post(f"/api/remittance-lines/{line.pk}/match/", {"case": case_b.pk}, format="json")
    assert response.status_code == 400 and response.json()["codes"] == {"case": ["does_not_exist"]}
    response = client.post(f"/api/remittance-lines/{theirs.lines.get().pk}/match/", {"case": case_b.pk},
                           format="json")
    assert response.status_code == 404
    # Seeing a store is not matching in it: the supervisor reads, the adjuster and finance match.
    response = api(cast.a_supervisor).post(f"/api/remittance-lines/{line.pk}/match/", {"case": case_b.pk},
                                           format="json")
    assert response.status_code == 403
    assert not Allocation.objects.exists()


def test_the_schema_lists_the_remittance_endpoints(cast):
    paths = api(cast.a_supervisor).get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in ("/api/remittances/", "/api/remittances/{id}/", "/api/remittances/{id}/auto-match/",
                 "/api/remittance-lines/", "/api/remittance-lines/{id}/match/",
                 "/api/remittance-allocations/{id}/unmatch/"):
        assert path in paths, path


def test_the_remittance_api_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--validate", "--urlconf", "chexian.remittances.tests.urls",
                 "--file", str(tmp_path / "schema.yaml"))
