"""Issuing a policy in a real browser: a store supervisor with an active agency
contract walks the six steps (介绍 → 方案 → 录入 → 缴费打印 → 确认 → 归档) for a
new car, sees the business type derived and the contract's commission, and
finds the policy on the list."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

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
from chexian.policies.models import Policy


@pytest.fixture
def desk(transactional_db):
    """Store E01 with a supervisor, an ACTIVE contract with PICC and a new car."""
    ensure_seed_data()
    group, region = make_group("E2P")
    store = make_store(group, region, "E01")
    supervisor = make_user("e2e-supervisor", Role.SUPERVISOR, store)
    office = make_user("e2e-office", Role.GROUP_OFFICE, group=group)
    today = timezone.localdate()
    active_picc_contract(store, supervisor, office, today - dt.timedelta(days=30), today + dt.timedelta(days=700))
    owner = make_customer(supervisor, store, name="周新车", mobile="13722223333")
    vehicle = make_vehicle(
        supervisor, store, owner=owner, plate="粤A5N8Q2", purchase_date=today - dt.timedelta(days=3)
    )
    return supervisor, vehicle


def log_in(page: Page, live_server, next_url: str) -> None:
    page.goto(f"{live_server.url}/login/?next={next_url}")
    page.locator("#id_username").fill("e2e-supervisor")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()


def test_guided_issue_of_a_new_car_policy(page: Page, live_server, desk):
    supervisor, vehicle = desk
    log_in(page, live_server, "/policies/")
    expect(page.locator("h1")).to_have_text("Policies")

    # 1 介绍: find the car by its plate; the panel shows what the policy will be.
    page.locator("#add-object").click()
    expect(page.locator("#issue-steps li[aria-current=step]")).to_contain_text("介绍")
    page.locator("#id_vehicle_search").fill("A5N8Q2")
    expect(page.locator("#id_vehicle option:checked")).to_contain_text("粤A5N8Q2")
    expect(page.locator("#business-type-preview")).to_have_text("New car first insurance (新车首保)")
    expect(page.locator("#documents-preview")).to_contain_text("Motor vehicle sales invoice")
    page.locator("#id_line").select_option("commercial")
    page.locator("#next").click()

    # 2 方案: the catalog's coverages of the 2020 clauses, with limits and premiums.
    expect(page.locator("#issue-steps li[aria-current=step]")).to_contain_text("方案")
    damage = page.locator("#coverage-vehicle_damage")
    damage.locator("input[type=checkbox]").check()
    damage.locator("input[name$=-premium]").fill("2000.00")
    third = page.locator("#coverage-third_party")
    third.locator("input[type=checkbox]").check()
    third.locator("select").select_option("1000000.00")
    third.locator("input[name$=-premium]").fill("1180.00")
    page.locator("#next").click()

    # 3 录入: the insurer's policy; the policyholder is the owner, the end date one year on.
    expect(page.locator("#issue-steps li[aria-current=step]")).to_contain_text("录入")
    expect(page.locator("#id_policyholder option:checked")).to_contain_text("周新车")
    expect(page.locator("#id_premium")).to_have_value("3180.00")
    page.locator("#id_insurer").select_option(label="人保财险")
    page.locator("#id_number").fill("PDAA202644010000E2E1")
    page.locator("#id_premium_without_vat").fill("3000.00")
    page.locator("#next").click()

    # 4 缴费打印: 实名缴费 must be confirmed.
    expect(page.locator("#issue-steps li[aria-current=step]")).to_contain_text("缴费打印")
    page.locator("#id_payment_ref").fill("WX4200002026")
    page.locator("#next").click()
    expect(page.locator("#issue-steps li[aria-current=step]")).to_contain_text("缴费打印")
    page.locator("#id_payer_is_policyholder").check()
    page.locator("#next").click()

    # 5 确认: the summary reads everything back, with the contract's commission.
    expect(page.locator("#issue-steps li[aria-current=step]")).to_contain_text("确认")
    expect(page.locator("#summary-commission")).to_contain_text("25.00% × ¥3000.00 = ¥750.00")
    expect(page.locator("#summary-business-type")).to_contain_text("New car first insurance")
    page.locator("#id_confirm_code").fill("PICC2026E2E")
    page.locator("#next").click()

    # 6 归档: the documents of a new car; nothing is saved until this click.
    expect(page.locator("#issue-steps li[aria-current=step]")).to_contain_text("归档")
    assert not Policy.objects.exists()
    for name in ("Owner ID", "Motor vehicle sales invoice", "Certificate of conformity"):
        page.locator("#documents label", has_text=name).locator("input").check()
    page.locator("#next").click()

    expect(page.locator("#policy-number")).to_have_text("PDAA202644010000E2E1")
    expect(page.locator("#policy-properties")).to_contain_text("New car first insurance (新车首保)")
    expect(page.locator("#policy-commission")).to_contain_text("750.00")
    policy = Policy.objects.get()
    assert policy.vehicle == vehicle and policy.issuer == supervisor
    assert policy.commission_amount == Decimal("750.00")

    # The policy list shows it, found by the car's plate.
    page.goto(f"{live_server.url}/policies/")
    page.locator("#id_q").fill("粤A5N8Q2")
    page.locator("#filter-submit").click()
    rows = page.locator("#policy-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("PDAA202644010000E2E1")
    expect(rows.first).to_contain_text(re.compile("New car first insurance"))


def test_quote_with_a_template_then_issue_from_the_chosen_offer(page: Page, live_server, desk):
    supervisor, vehicle = desk
    log_in(page, live_server, "/quotes/add/")

    # The quote: the car, the recommendation template for a new driver's new car.
    page.locator("#id_vehicle_search").fill("A5N8Q2")
    expect(page.locator("#id_vehicle option:checked")).to_contain_text("粤A5N8Q2")
    page.locator("#submit").click()
    template = page.locator("#id_template option", has_text="新手开新车").first.get_attribute("value")
    page.locator("#id_template").select_option(template)
    page.locator("#submit").click()
    expect(page.locator("#quote-status")).to_be_visible()

    # One insurer's figures, line by line as its system returned them; then the customer chooses it.
    page.locator("#add-offer").click()
    page.locator("#id_insurer").select_option(label="人保财险")
    lines = page.locator("input[name^=line_]")
    count = lines.count()
    assert count >= 1
    for i in range(count):
        lines.nth(i).fill("500.00")
    page.locator("#id_commercial_premium").fill(f"{500 * count}.00")
    page.locator("#id_commercial_premium_without_vat").fill(f"{Decimal(500 * count) / Decimal('1.06'):.2f}")
    page.locator("#id_ctpl_premium").fill("855.00")
    page.locator("#id_ctpl_premium_without_vat").fill("806.60")
    page.locator("#id_vehicle_tax").fill("360.00")
    page.locator("#submit").click()
    page.locator("#comparison button[id^=choose-]").click()
    expect(page.locator("#quote-status")).to_contain_text("Insurer chosen")

    # Issue policy: the flow starts on the quote's car, the plan and premiums come from the offer.
    page.locator("#issue-policy").click()
    expect(page.locator("#issue-from-quote")).to_contain_text("人保财险")
    expect(page.locator("#id_vehicle option:checked")).to_contain_text("粤A5N8Q2")
    expect(page.locator("#business-type-preview")).to_have_text("New car first insurance (新车首保)")
    page.locator("#next").click()

    expect(page.locator("#issue-steps li[aria-current=step]")).to_contain_text("方案")
    expect(page.locator("#coverage-rows input[type=checkbox]:checked")).to_have_count(count)
    page.locator("#next").click()

    expect(page.locator("#issue-steps li[aria-current=step]")).to_contain_text("录入")
    expect(page.locator("#id_insurer option:checked")).to_have_text("人保财险")
    expect(page.locator("#id_premium")).to_have_value(f"{500 * count}.00")
    page.locator("#id_number").fill("PDAA202644010000Q001")
    page.locator("#next").click()

    page.locator("#id_payment_ref").fill("WX4200002027")
    page.locator("#id_payer_is_policyholder").check()
    page.locator("#next").click()
    page.locator("#id_confirm_code").fill("PICC2026Q")
    page.locator("#next").click()
    for name in ("Owner ID", "Motor vehicle sales invoice", "Certificate of conformity"):
        page.locator("#documents label", has_text=name).locator("input").check()
    page.locator("#next").click()

    expect(page.locator("#policy-number")).to_have_text("PDAA202644010000Q001")
    expect(page.locator("#policy-properties")).to_contain_text("Issued from a quote")
    # The CTPL of the same offer is one click away.
    expect(page.locator("#issue-sibling")).to_be_visible()
    policy = Policy.objects.get()
    assert policy.quote is not None and policy.quote.vehicle == vehicle
    assert policy.coverages.count() == count

    page.goto(f"{live_server.url}/policies/")
    rows = page.locator("#policy-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("PDAA202644010000Q001")
