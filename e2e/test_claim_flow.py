"""An adjuster takes an accident car from the report to the handover in a real
browser: opens the case, ticks the documents, uploads a photo of the damage,
records the assessment, repair, settlement, signatures and filing, and hands the
case to the insurer in a batch."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from chexian.claims.choices import Step
from chexian.claims.models import ClaimCase, HandoverBatch
from chexian.core.testing import (
    PASSWORD,
    active_picc_contract,
    ensure_seed_data,
    make_customer,
    make_group,
    make_store,
    make_user,
    make_vehicle,
)
from chexian.org.choices import Role


@pytest.fixture
def adjuster(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_seed_data()
    group, region = make_group("E2C")
    store = make_store(group, region, "C01")
    user = make_user("e2e-adjuster", Role.ADJUSTER, store)
    supervisor = make_user("e2e-csupervisor", Role.SUPERVISOR, store)
    office = make_user("e2e-coffice", Role.GROUP_OFFICE, group=group)
    today = timezone.localdate()
    active_picc_contract(store, supervisor, office, today - dt.timedelta(days=300), today + dt.timedelta(days=300))
    owner = make_customer(supervisor, store, name="周出险", mobile="13655556666")
    make_vehicle(supervisor, store, owner=owner, plate="粤A5C7L9", engine_no="E5C7L9")
    return user


def photo(tmp_path):
    from PIL import Image

    path = tmp_path / "damage.jpg"
    Image.new("RGB", (640, 480), (180, 40, 40)).save(path, "JPEG")
    return path


def complete(page: Page, fields: dict[str, str]):
    for name, value in fields.items():
        page.locator(f"#id_step-{name}").fill(value)
    page.locator("#step-complete").click()
    expect(page.locator(".messages")).to_contain_text("Step complete")


def test_an_adjuster_moves_a_case_from_report_to_handover(page: Page, live_server, adjuster, tmp_path):
    page.goto(f"{live_server.url}/login/?next=/claims/add/")
    page.locator("#id_username").fill("e2e-adjuster")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()

    page.locator("#id_vehicle_ref").fill("粤A5C7L9")
    page.locator("#id_insurer").select_option(label="人保财险")
    page.locator("#id_report_no").fill("RDAA202611220001")
    page.locator("#id_claim_type").select_option("single")
    page.locator("#id_accident_at").fill("2026-11-20T09:30")
    page.locator("#id_accident_place").fill("广州市天河区体育西路")
    page.locator("#id_accident_description").fill("倒车撞到立柱，后保险杠开裂")
    page.locator("#open-claim").click()

    expect(page.locator("#claim-step")).to_contain_text("Report guidance")
    for box in page.locator("#step-form input[type=checkbox]").all():
        box.check()
    page.locator("#step-complete").click()
    expect(page.locator("#claim-step")).to_contain_text("Photos and loss assessment")

    page.locator("#upload-form input[type=file]").set_input_files(str(photo(tmp_path)))
    page.locator("#upload-submit").click()
    expect(page.locator("#claim-documents img")).to_have_count(1)

    complete(page, {"assessed_amount": "4200.00", "assessed_on": "2026-11-21", "assessor": "李定损"})
    complete(page, {"repair_order_no": "RO20261121007", "quality_checked_by": "王质检",
                    "quality_checked_on": "2026-11-22"})
    complete(page, {"settlement_amount": "4200.00", "insurer_amount": "4200.00", "third_party_amount": "0"})
    complete(page, {"invoice_no": "FP0001", "signed_on": "2026-11-22"})
    complete(page, {})
    expect(page.locator("#claim-step")).to_contain_text("Handover")

    page.locator("#go-handover").click()
    page.locator("#id_received_by").fill("赵收案")
    page.get_by_label("RDAA202611220001", exact=False).check()
    page.locator("#hand-over").click()
    expect(page.locator(".messages")).to_contain_text("print the list")
    expect(page.locator("#handover-items")).to_contain_text("RDAA202611220001")

    case = ClaimCase.objects.get()
    assert case.step == Step.OLD_PARTS and case.tier == "small"
    assert HandoverBatch.objects.get().received_by == "赵收案"
    assert case.documents.get().thumbnail
