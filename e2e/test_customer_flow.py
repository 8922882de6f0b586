"""The desk's first minutes with a new customer, in a real browser: log in,
register the customer, add their car (a mistyped VIN is refused with the rule
it broke), find the car by its plate."""

from __future__ import annotations

import random
import re

import pytest
from playwright.sync_api import Page, expect

from chexian.core import demo_data
from chexian.core.choices import AuditAction
from chexian.core.models import AuditLog
from chexian.core.testing import PASSWORD, make_customer, make_group, make_store, make_user, make_vehicle
from chexian.org.choices import Role


@pytest.fixture
def supervisor(transactional_db):
    group, region = make_group("E2E")
    store = make_store(group, region, "E01")
    return make_user("e2e-supervisor", Role.SUPERVISOR, store)


def with_wrong_check_digit(vin: str) -> str:
    return vin[:8] + ("0" if vin[8] != "0" else "1") + vin[9:]


def test_register_customer_add_vehicle_and_find_it_by_plate(page: Page, live_server, supervisor):
    rng = random.Random(3779)  # noqa: S311 (deterministic test data, not secrets)
    id_number = demo_data.resident_id(rng)
    vin = demo_data.vin(rng, 424242)
    plate = demo_data.plate(4242)

    # Log in through the login page.
    page.goto(f"{live_server.url}/login/")
    page.locator("#id_username").fill("e2e-supervisor")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/customers/$"))
    expect(page.locator("h1")).to_have_text("Customers")

    # Register the customer.
    page.locator("#add-object").click()
    expect(page.locator("h1")).to_have_text("Add customer")
    page.locator("#id_name").fill("林小明")
    page.locator("#id_mobile").fill("13912345678")
    page.locator("#id_id_number").fill(id_number)
    page.locator("#id_consent_outreach").check()
    page.locator("#submit").click()
    expect(page.locator("h1")).to_have_text("林小明")
    expect(page.locator("#id-number")).to_contain_text(id_number[:6] + "********" + id_number[-4:])

    # Unmasking the identity number goes through htmx (and is logged).
    page.locator("#unmask-button").click()
    expect(page.locator("#id-number-clear")).to_have_text(id_number)
    assert AuditLog.objects.filter(action=AuditAction.UNMASK, actor=supervisor).count() == 1

    # Add the car: a VIN with a wrong check digit is refused with the rule's message.
    page.locator("#add-vehicle").click()
    expect(page.locator("h1")).to_have_text("Add vehicle")
    expect(page.locator("#id_owner option:checked")).to_contain_text("林小明")
    page.locator("#id_vin").fill(with_wrong_check_digit(vin))
    page.locator("#id_plate").fill(plate)
    page.locator("#id_brand").fill("广汽丰田")
    page.locator("#id_series").fill("凯美瑞")
    page.locator("#submit").click()
    expect(page.get_by_text("VIN (GB 16735): the check digit in position 9 does not match.")).to_be_visible()

    # With the right VIN it is saved and gets its archive number (一车一档).
    page.locator("#id_vin").fill(vin)
    page.locator("#submit").click()
    expect(page.locator("#archive-no")).to_have_text(re.compile(r"^E01-\d{7}$"))
    expect(page.locator("#vehicle-owner")).to_have_text("林小明")

    # Find the car by its plate on the vehicle list.
    page.get_by_role("link", name="Vehicles").first.click()
    page.locator("#id_q").fill(plate)
    page.locator("#filter-submit").click()
    rows = page.locator("#vehicle-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(plate)
    expect(rows.first).to_contain_text("林小明")


def test_transfer_picks_the_new_owner_by_search(page: Page, live_server, supervisor):
    store = supervisor.staff_roles.get().store
    seller = make_customer(supervisor, store, name="陈卖家")
    buyer = make_customer(supervisor, store, name="黄买家", mobile="13655551234")
    vehicle = make_vehicle(supervisor, store, owner=seller)

    page.goto(f"{live_server.url}/login/?next=/customers/vehicles/{vehicle.pk}/transfer/")
    page.locator("#id_username").fill("e2e-supervisor")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("to a new owner")

    # The picker asks the server for matching customers (htmx) and fills the select.
    page.locator("#id_new_owner_search").fill("1234")
    expect(page.locator("#id_new_owner option:checked")).to_contain_text("黄买家")
    page.locator("#submit").click()

    expect(page.locator("#vehicle-owner")).to_have_text("黄买家")
    expect(page.locator("#ownership-history tbody tr")).to_have_count(2)
    assert AuditLog.objects.filter(action=AuditAction.TRANSFER, object_id=str(vehicle.pk)).count() == 1
    assert buyer.vehicles.get() == vehicle
