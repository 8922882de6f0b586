"""Claim pages and API: the board, the case page's moves, handover, tracking; scoped to the user's stores."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from chexian.claims.choices import Step
from chexian.claims.models import ClaimCase, HandoverBatch
from chexian.claims.testing import case_at_handover, open_case, png_upload, walk_to
from chexian.core.testing import make_vehicle
from chexian.insurers.models import Insurer

pytestmark = pytest.mark.django_db


def test_the_board_shows_each_step_with_its_cases_and_only_the_users_stores(client, cast, crew):
    case = open_case(crew.adjuster, cast.store_a)
    client.force_login(crew.adjuster)
    response = client.get(reverse("claims:board"))
    assert response.status_code == 200
    report = next(c for c in response.context["columns"] if c["step"] == Step.REPORT)
    assert report["total"] == 1 and report["cards"] == [case]
    client.force_login(crew.b_adjuster)
    response = client.get(reverse("claims:board"))
    assert all(c["total"] == 0 for c in response.context["columns"])
    assert client.get(reverse("claims:claim_detail", args=[case.pk])).status_code == 404
    client.force_login(cast.a_dept)
    assert client.get(reverse("claims:board")).status_code == 403


def test_an_adjuster_opens_a_case_and_completes_the_report_step_on_the_page(client, cast, crew):
    car = make_vehicle(crew.adjuster, cast.store_a)
    client.force_login(crew.adjuster)
    response = client.post(reverse("claims:claim_create"), {
        "vehicle_ref": car.plate, "insurer": Insurer.objects.get(code="PICC").pk, "report_no": "RDAA20260001",
        "claim_type": "single", "coverage": "own_damage", "accident_at": "2026-11-20T09:30",
        "accident_place": "天河路", "accident_description": "追尾"})
    assert response.status_code == 302
    case = ClaimCase.objects.get(report_no="RDAA20260001")
    url = reverse("claims:claim_detail", args=[case.pk])
    # Completing without the documents: refused on the form, nothing moves.
    response = client.post(url, {"action": "complete", "step-report_no": "RDAA20260001", "step-claim_type": "single",
                                 "step-coverage": "own_damage", "step-accident_at": "2026-11-20T09:30",
                                 "step-accident_place": "天河路", "step-accident_description": "追尾"})
    assert response.status_code == 400
    assert "documents_received" in response.context["step_form"].errors
    docs = list(case.required_documents)
    response = client.post(url, {"action": "complete", "step-report_no": "RDAA20260001", "step-claim_type": "single",
                                 "step-coverage": "own_damage", "step-accident_at": "2026-11-20T09:30",
                                 "step-accident_place": "天河路", "step-accident_description": "追尾",
                                 "step-documents_received": docs})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.step == Step.ASSESSMENT
    response = client.post(url, {"action": "upload", "kind": "photo", "files": [png_upload("a.png"),
                                                                                 png_upload("b.png")]})
    assert response.status_code == 302 and case.documents.count() == 2
    response = client.post(url, {"action": "back", "to_step": "report", "reason": ""})
    assert response.status_code == 400
    response = client.post(url, {"action": "back", "to_step": "report", "reason": "报案号录错"})
    case.refresh_from_db()
    assert case.step == Step.REPORT


def test_a_handover_batch_is_made_from_filed_cases_and_printed(client, cast, crew):
    first = case_at_handover(crew.adjuster, cast.store_a)
    second = case_at_handover(crew.adjuster, cast.store_a, settlement={
        "settlement_amount": Decimal("3000.00"), "insurer_amount": Decimal("3000.00")})
    client.force_login(crew.adjuster)
    url = reverse("claims:handover_create") + f"?store={cast.store_a.pk}&insurer={first.insurer_id}"
    response = client.get(url)
    assert set(response.context["form"].fields["cases"].queryset) == {first, second}
    response = client.post(url, {"handed_over_on": "2026-11-22", "received_by": "赵收案",
                                 "cases": [first.pk, second.pk]})
    assert response.status_code == 302
    batch = HandoverBatch.objects.get()
    assert batch.total_amount == Decimal("9800.00")
    first.refresh_from_db()
    assert first.step == Step.OLD_PARTS and first.payment_due_on == dt.date(2026, 12, 22)
    assert client.get(reverse("claims:handover_detail", args=[batch.pk])).status_code == 200
    client.force_login(crew.b_adjuster)
    assert client.get(reverse("claims:handover_detail", args=[batch.pk])).status_code == 404
    assert client.get(reverse("claims:handover_pdf", args=[batch.pk])).status_code == 404


def test_tracking_lists_the_waiting_cases_by_age(client, cast, crew):
    walk_to(open_case(crew.adjuster, cast.store_a), Step.PAYMENT, crew.adjuster,
            handed_over_on=timezone.localdate() - dt.timedelta(days=70))
    client.force_login(cast.a_supervisor)
    response = client.get(reverse("claims:aging"))
    assert [b["count"] for b in response.context["buckets"]] == [0, 0, 1, 0]
    client.force_login(cast.b_supervisor)
    assert [b["count"] for b in client.get(reverse("claims:aging")).context["buckets"]] == [0, 0, 0, 0]


def test_the_api_opens_and_moves_a_case_and_names_the_rule_on_a_bad_move(client, cast, crew):
    car = make_vehicle(crew.adjuster, cast.store_a)
    client.force_login(crew.adjuster)
    response = client.post("/api/claims/", {
        "store": cast.store_a.pk, "vehicle": car.pk, "insurer": Insurer.objects.get(code="PICC").pk,
        "report_no": "RDAA20269999", "claim_type": "glass", "accident_at": "2026-11-20T09:30:00+08:00",
        "accident_place": "停车场", "accident_description": "前挡风玻璃被石子击裂",
        "documents_received": ["id_card", "vehicle_licence", "policy", "payment_authorisation"]},
        content_type="application/json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    response = client.post(f"/api/claims/{pk}/step/", {}, content_type="application/json")
    assert response.status_code == 200 and response.json()["step"] == "assessment"
    response = client.post(f"/api/claims/{pk}/step/", {"assessed_amount": "-5", "assessed_on": "2026-11-21"},
                           content_type="application/json")
    assert response.status_code == 400 and "assessed_amount" in str(response.json())
    response = client.post(f"/api/claims/{pk}/back/", {"to_step": "report", "reason": ""},
                           content_type="application/json")
    assert response.status_code == 400
    client.force_login(crew.b_adjuster)
    assert client.get(f"/api/claims/{pk}/").status_code == 404
    assert client.get("/api/claims/").json()["count"] == 0


def test_a_payout_is_requested_and_signed_in_order_on_the_case_page(client, cast, crew):
    from django.db import transaction

    from chexian.claims import services
    from chexian.claims.testing import case_at_payment

    case = case_at_payment(crew.adjuster, cast.store_a, settlement={
        "settlement_amount": Decimal("8000.00"), "insurer_amount": Decimal("8000.00"),
        "third_party_amount": Decimal("2000.00")})
    with transaction.atomic():
        services.apply_payment(actor=crew.finance, case_id=case.pk, amount=Decimal("8000.00"),
                               on=timezone.localdate())
    url = reverse("claims:claim_detail", args=[case.pk])
    client.force_login(crew.adjuster)
    assert client.get(url).context["payout_form"].initial["amount"] == Decimal("2000.00")
    response = client.post(url, {"action": "payout", "payee_kind": "third_party", "payee_name": "陈三者",
                                 "bank_name": "工商银行", "account_name": "陈三者",
                                 "account_number": "6222021234567890129", "amount": "2000.00"})
    assert response.status_code == 400 and "account_number" in response.context["payout_form"].errors
    client.post(url, {"action": "payout", "payee_kind": "third_party", "payee_name": "陈三者",
                      "bank_name": "工商银行", "account_name": "陈三者", "account_number": "6222021234567890128",
                      "amount": "2000.00"})
    payout = case.payouts.get()
    response = client.get(url)
    assert response.context["payout_form"] is None  # nothing left to pay out
    assert response.context["payouts"][0].may_sign
    client.post(url, {"action": "sign", "payout": payout.pk, "role": "adjuster"})
    client.force_login(crew.cashier)  # the cashier is not next: the after-sales manager is
    assert not client.get(url).context["payouts"][0].may_sign
    client.post(url, {"action": "sign", "payout": payout.pk, "role": "cashier"})
    assert [s.role for s in payout.signatures.all()] == ["adjuster"]
