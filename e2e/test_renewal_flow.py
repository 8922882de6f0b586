"""A renewal specialist works a call from today's queue in a real browser: the
daily job has made the call due, the specialist opens the case, logs the outcome,
and the call leaves the queue."""

from __future__ import annotations

import datetime as dt

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
from chexian.policies.services import issue_policy
from chexian.policies.tests.factories import policy_input
from chexian.renewals import services as renewal_services
from chexian.renewals.models import ContactLog


@pytest.fixture
def queue(transactional_db, settings, tmp_path):
    settings.CHEXIAN_MESSAGE_LOG = tmp_path / "messages.log"
    ensure_seed_data()
    group, region = make_group("E2R")
    store = make_store(group, region, "R01")
    specialist = make_user("e2e-specialist", Role.ISSUER, store)
    supervisor = make_user("e2e-rsupervisor", Role.SUPERVISOR, store)
    office = make_user("e2e-roffice", Role.GROUP_OFFICE, group=group)
    today = timezone.localdate()
    active_picc_contract(store, supervisor, office, today - dt.timedelta(days=500), today + dt.timedelta(days=500))
    owner = make_customer(supervisor, store, name="钱续保", mobile="13733334444")
    car = make_vehicle(supervisor, store, owner=owner, plate="粤A7R3K5", engine_no="E7R3K5")
    start = today + dt.timedelta(days=20) - dt.timedelta(days=364)
    issue_policy(actor=specialist, data=policy_input(car, start=start, issued_on=start))
    renewal_services.renewal_day(today)
    return specialist


def test_a_specialist_logs_a_call_from_the_queue(page: Page, live_server, queue):
    page.goto(f"{live_server.url}/login/?next=/renewals/")
    page.locator("#id_username").fill("e2e-specialist")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()

    expect(page.locator("h1")).to_contain_text("Today's calls")
    row = page.locator("#queue tbody tr").filter(has_text="粤A7R3K5")
    expect(row).to_contain_text("钱续保")
    row.get_by_role("link", name="Open the case").click()

    expect(page.locator("h1")).to_contain_text("粤A7R3K5")
    page.locator("#contact-form").get_by_label("Reached: interested, quote to follow").check()
    page.locator("#contact-form #id_note").fill("客户要报价，明天发")
    page.locator("#log-call").click()

    expect(page.locator(".messages")).to_contain_text("Call logged")
    expect(page.locator("#case-contacts")).to_contain_text("客户要报价")
    assert ContactLog.objects.get().by == queue
    page.goto(f"{live_server.url}/renewals/")
    expect(page.locator("#queue")).to_contain_text("No calls due today")


@pytest.fixture
def wash_staff(transactional_db):
    from chexian.org.choices import DepartmentKind
    from chexian.org.models import Department

    ensure_seed_data()
    group, region = make_group("E2L")
    store = make_store(group, region, "L01")
    department = Department.objects.create(store=store, kind=DepartmentKind.WASH, name="洗车部")
    user = make_user("e2e-wash", Role.DEPARTMENT, store)
    user.staff_roles.update(department=department)
    return user


def test_a_department_refers_a_customer_from_a_phone(browser, live_server, wash_staff):
    from chexian.leads.models import Lead

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US",
                                extra_http_headers={"Accept-Language": "en"}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(f"{live_server.url}/login/?next=/leads/referral/")
    page.locator("#id_username").fill("e2e-wash")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()

    expect(page.locator("h1")).to_contain_text("Refer a customer")
    page.locator("#id_name").fill("孙先生")
    page.locator("#id_mobile").fill("1391234")  # a digit short
    page.locator("#send-referral").tap()
    expect(page.locator("#referral-form")).to_contain_text("11")
    page.locator("#id_mobile").fill("13912345678")
    page.locator("#id_plate").fill("粤A8K2M6")
    page.locator("#id_note").fill("保险下月到期，想比比价")
    page.locator("#send-referral").tap()

    expect(page.locator(".messages")).to_contain_text("the insurance desk will follow up")
    expect(page.locator("#my-referrals")).to_contain_text("孙先生")
    lead = Lead.objects.get()
    assert (lead.referred_by, lead.department.name, lead.plate) == (wash_staff, "洗车部", "粤A8K2M6")
    phone.close()
