"""A supervisor opens the KPI dashboard in a real browser, sees a chart drawn with data,
opens the renewal-rate report and exports it to Excel and PDF."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from chexian.core.testing import (
    PASSWORD,
    active_picc_contract,
    ensure_seed_data,
    make_group,
    make_store,
    make_user,
    make_vehicle,
)
from chexian.org.choices import Role
from chexian.policies.tests.factories import make_policy


@pytest.fixture
def supervisor(transactional_db):
    ensure_seed_data()
    group, region = make_group("E2R")
    store = make_store(group, region, "R01")
    user = make_user("e2e-rsupervisor", Role.SUPERVISOR, store)
    office = make_user("e2e-roffice", Role.GROUP_OFFICE, group=group)
    today = timezone.localdate()
    active_picc_contract(store, user, office, today - dt.timedelta(days=800), today + dt.timedelta(days=300))
    for months_back in (0, 1, 2):
        day = (today.replace(day=1) - dt.timedelta(days=31 * months_back)).replace(day=3)
        car = make_vehicle(user, store, engine_no=f"ER{months_back}")
        make_policy(user, car, start=day, issued_on=day)
    return user


def test_dashboard_chart_and_renewal_rate_exports(page: Page, live_server, supervisor, tmp_path):
    page.goto(f"{live_server.url}/login/?next=/reports/dashboard/")
    page.locator("#id_username").fill("e2e-rsupervisor")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()

    expect(page.locator("#dashboard-cards .kpi").first).to_be_visible()
    chart = page.locator('#report-charts [data-chart="trend"]')
    expect(chart).to_be_visible()
    # ECharts drew it (SVG renderer) with the data points: a path per series, not an empty box.
    expect(chart.locator("svg path").first).to_be_attached()
    assert chart.locator("svg path").count() > 5

    page.locator("#dashboard-cards .kpi-label a").filter(has_text="Renewal rate").first.click()
    expect(page.locator("#report-definition")).to_contain_text("R01")
    with page.expect_download() as excel:
        page.locator("#export-xlsx").click()
    xlsx = tmp_path / "renewal.xlsx"
    excel.value.save_as(xlsx)
    assert xlsx.read_bytes()[:2] == b"PK"
    with page.expect_download() as pdf:
        page.locator("#export-pdf").click()
    saved = tmp_path / "renewal.pdf"
    pdf.value.save_as(saved)
    assert saved.read_bytes()[:4] == b"%PDF"
