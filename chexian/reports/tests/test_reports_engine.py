"""The daily operations report, the group ranking, month close and its differences, the
morning push, and the report everywhere: page, drill-down, Excel, PDF, JSON API, command."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from chexian.core.pdf_testing import embedded_fonts, pdf_text
from chexian.core.testing import make_vehicle
from chexian.policies.choices import PolicyLine
from chexian.policies.tests.factories import active_contract, make_policy
from chexian.reports import engine, services
from chexian.reports.engine import Rate, Scope
from chexian.reports.models import FrozenReport, MonthClose, StoreTarget
from chexian.reports.periods import Period

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 22)
_engines = iter(range(10_000, 99_999))


@pytest.fixture
def business(cast):
    """Store A: three policies issued in October 2026 (one on the 20th), a new car sold and insured."""
    active_contract(cast, cast.store_a, valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2027, 12, 31))
    made = []
    for day, line in ((5, PolicyLine.CTPL), (20, PolicyLine.COMMERCIAL), (20, PolicyLine.CTPL)):
        car = make_vehicle(cast.a_issuer, cast.store_a, engine_no=f"R{next(_engines)}")
        made.append(make_policy(cast.a_issuer, car, line=line, start=dt.date(2026, 10, day),
                                issued_on=dt.date(2026, 10, day)))
    return made


def run(user, code, period, **params):
    return engine.resolve(user, code, {"period": period, **params}, today=TODAY).run(today=TODAY)


def test_the_daily_operations_report_gives_the_day_and_the_month_to_date(cast, business):
    result = run(cast.a_supervisor, "daily_operations", "2026-10-20", store="A01")
    rows = {row["key"]: row for row in result.rows}
    commercial = business[1]
    assert rows["policies_transfer_in"]["day"] + rows["policies_new_car"]["day"] == 2
    assert result.figures[0].value == 3  # policies, month to date
    assert rows["premium"]["day"] == business[1].premium + business[2].premium
    assert rows["premium"]["month"] == sum(p.premium for p in business)
    assert result.figures[2].value == sum(p.commission_amount for p in business)
    assert commercial.line == PolicyLine.COMMERCIAL
    # The previous day (19 October) had none; the month to date still counts the 5th.
    earlier = run(cast.a_supervisor, "daily_operations", "2026-10-19", store="A01")
    assert {row["key"]: row["day"] for row in earlier.rows}["premium"] == D("0.00")
    assert earlier.figures[0].value == 1
    text = engine.get("daily_operations").push_text(result)
    assert "经营日报" in text and "出单 2 件" in text


def test_the_group_ranking_ranks_stores_with_commission_and_progress_to_target(cast, business):
    StoreTarget.objects.create(store=cast.store_a, year=2026, commission_target=D("1000.00"))
    result = run(cast.office, "group_ranking", "2026-10", group="1")
    rows = {row["store_code"]: row for row in result.rows}
    year = sum(p.commission_amount for p in business)
    assert rows["A01"]["year_commission"] == year and rows["A01"]["progress"] == Rate(year, D("1000.00"))
    assert rows["B01"]["renewal_rate"] == Rate(0, 0) and rows["B01"]["target"] is None
    assert [row["rank"] for row in result.rows] == [1, 2]
    # A store's supervisor cannot see the group; the ranking is a group report only.
    with pytest.raises(engine.ReportError) as refused:
        run(cast.a_supervisor, "group_ranking", "2026-10", group="1")
    assert refused.value.status == 404


def test_a_closed_month_keeps_its_reports_and_shows_later_corrections_as_differences(cast, business, client):
    with pytest.raises(PermissionDenied):
        services.close_month(actor=cast.a_issuer, store=cast.store_a, month=dt.date(2026, 10, 1), today=TODAY)
    with pytest.raises(ValidationError, match="is not over"):
        services.close_month(actor=cast.a_supervisor, store=cast.store_a, month=dt.date(2026, 11, 1), today=TODAY)
    close = services.close_month(actor=cast.a_supervisor, store=cast.store_a, month=dt.date(2026, 10, 1),
                                 today=dt.date(2026, 11, 3))
    assert close.on_time and set(close.reports.values_list("code", flat=True)) >= {"daily_operations",
                                                                                 "renewal_rate"}
    with pytest.raises(ValidationError, match="already closed"):
        services.close_month(actor=cast.a_supervisor, store=cast.store_a, month=dt.date(2026, 10, 1), today=TODAY)
    frozen = FrozenReport.objects.get(close=close, code="daily_operations")
    submitted = frozen.payload["figures"][0]["value"]
    # A policy recorded late for October: the report shows it, and the difference against what was submitted.
    car = make_vehicle(cast.a_issuer, cast.store_a, engine_no="LATE1")
    make_policy(cast.a_issuer, car, start=dt.date(2026, 10, 28), issued_on=dt.date(2026, 10, 28))
    client.force_login(cast.a_supervisor)
    page = client.get(reverse("reports:report", args=["daily_operations"]), {"store": "A01", "period": "2026-10"})
    assert page.status_code == 200
    assert [(d["key"], d["submitted"], d["now"]) for d in page.context["changed"]][0] == ("policies", submitted,
                                                                                         submitted + 1)
    assert FrozenReport.objects.get(pk=frozen.pk).payload["figures"][0]["value"] == submitted  # never changed
    # The group office sees who closed, and on time.
    client.force_login(cast.office)
    closes = client.get(reverse("reports:close"))
    assert closes.status_code == 200
    assert [(store.code, bool(c)) for store, c in closes.context["rows"]] == [("A01", True), ("B01", False)]


def test_a_late_close_is_marked_late(cast, business):
    close = services.close_month(actor=cast.a_supervisor, store=cast.store_a, month=dt.date(2026, 10, 1),
                                 today=dt.date(2026, 11, 6))
    assert not close.on_time and MonthClose.objects.count() == 1


def test_the_morning_push_sends_the_daily_and_renewal_reports_once(cast, business, settings, tmp_path):
    from chexian.notifications.models import Message

    settings.CHEXIAN_MESSAGE_LOG = tmp_path / "messages.log"
    settings.CHEXIAN_BASE_URL = "https://chexian.example"
    assert services.push_daily_reports(dt.date(2026, 10, 21)) == 0  # no store has a robot
    cast.store_a.wecom_robot_key = "robot-a"
    cast.store_a.save()
    assert services.push_daily_reports(dt.date(2026, 10, 21)) == 1
    assert services.push_daily_reports(dt.date(2026, 10, 21)) == 0  # once a day
    message = Message.objects.get()
    assert message.recipient == "robot-a" and "10月20日 经营日报" in message.body
    assert "本月续保率" in message.body and "period=2026-10-20" in message.body


def test_the_report_page_drill_down_and_exports(client, cast, business, django_assert_max_num_queries):
    client.force_login(cast.a_supervisor)
    url = reverse("reports:report", args=["daily_operations"])
    with django_assert_max_num_queries(60):
        page = client.get(url, {"store": "A01", "period": "2026-10"})
    assert page.status_code == 200 and b'id="report-figures"' in page.content
    assert page.context["data"]["charts"]
    drill = client.get(reverse("reports:drill", args=["daily_operations", "policies"]),
                       {"store": "A01", "period": "2026-10"})
    assert drill.status_code == 200 and drill.context["page_obj"].paginator.count == 3
    xlsx = client.get(url, {"store": "A01", "period": "2026-10", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("Daily operations report" in t for t in texts) and any("Exported by" in t for t in texts)
    pdf = client.get(url, {"store": "A01", "period": "2026-10", "format": "pdf", "reason": "月报"})
    assert pdf["Content-Type"] == "application/pdf"
    assert "A01店" in pdf_text(pdf.content) and "Noto-Sans-CJK-SC" in embedded_fonts(pdf.content)
    assert b"<svg" not in pdf.content[:10]  # a PDF, with the chart drawn inside
    # Another store's user: 404; a future period: 400 with the rule.
    client.force_login(cast.b_supervisor)
    assert client.get(url, {"store": "A01", "period": "2026-10"}).status_code == 404
    future = client.get(url, {"store": "B01", "period": "2027-02"})
    assert future.status_code == 400 and "has not started yet" in future.context["error"]
    client.force_login(cast.a_sales)
    assert client.get(url).status_code == 403


def test_the_api_gives_json_and_refuses_clearly(client, cast, business):
    client.force_login(cast.a_supervisor)
    data = client.get("/api/reports/renewal_rate/", {"store": "A01", "period": "2026-10",
                                                     "definition": "fleet"}).json()
    assert data["report"] == "renewal_rate" and data["options"] == {"definition": "fleet"}
    assert set(data["figures"][0]["value"]) == {"numerator", "denominator", "rate"}
    assert client.get("/api/reports/nope/").status_code == 404
    assert client.get("/api/reports/renewal_rate/", {"period": "2026-13"}).status_code == 400
    assert client.get("/api/reports/renewal_rate/", {"definition": "regional"}).status_code == 400
    assert client.get("/api/reports/renewal_rate/", {"store": "B01"}).status_code == 404
    codes = [r["code"] for r in client.get("/api/reports/").json()]
    assert {"daily_operations", "renewal_rate", "first_insurance_rate", "group_ranking"} <= set(codes)


def test_the_command_writes_each_format_and_exits_2_on_bad_input(cast, business, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    call_command("report", "renewal_rate", "--store", "A01", "--period", "2026-10", stdout=out)
    assert json.loads(out.getvalue())["period"]["label"] == "2026-10"
    call_command("report", "daily_operations", "--store", "A01", "--period", "2026-10", "--format", "xlsx",
                 stdout=io.StringIO())
    assert (tmp_path / "daily_operations-2026-10.xlsx").stat().st_size > 1000
    call_command("report", "group_ranking", "--group", "--period", "2026-10", "--format", "pdf",
                 "--output", str(tmp_path / "ranking.pdf"), stdout=io.StringIO())
    assert (tmp_path / "ranking.pdf").read_bytes().startswith(b"%PDF")
    for args, message in ((["nope"], "No report nope"), (["renewal_rate", "--period", "2030-01"], "not started"),
                          (["renewal_rate", "--store", "ZZ9"], "No store ZZ9"),
                          (["renewal_rate", "--store", "A01", "--definition", "x"], "not a definition"),
                          (["renewal_rate", "--store", "A01", "--user", "b-supervisor"], "No store A01")):
        with pytest.raises(CommandError, match=message) as refused:
            call_command("report", *args, stdout=io.StringIO())
        assert refused.value.returncode == 2


def test_every_registered_report_runs_for_a_store_and_renders(cast, business, client):
    """Smoke: each report (and each helper's) runs, exports and renders for a store with data."""
    scope = Scope.for_user(cast.office, store_code="A01")
    period = Period.parse("2026-10", today=TODAY)
    client.force_login(cast.office)
    for code, cls in sorted(engine.REGISTRY.items()):
        report = cls()
        if report.group_only:
            continue
        result = report.run(scope, period, today=TODAY)
        json.dumps(result.as_json())
        assert client.get(reverse("reports:report", args=[code]), {"store": "A01", "period": "2026-10"}
                          ).status_code == 200, code


def test_a_report_needing_an_app_permission_is_a_404_without_it_and_left_off_the_dashboard(client, cast, business):
    # The issuer reads the store's reports but not its profit (profit.view).
    with pytest.raises(engine.ReportError) as refused:
        run(cast.a_issuer, "profit", "2026-10", store="A01")
    assert refused.value.status == 404
    client.force_login(cast.a_issuer)
    assert client.get(reverse("reports:report", args=["profit"]), {"store": "A01"}).status_code == 404
    codes = {card["report"].code for card in client.get(reverse("reports:dashboard")).context["cards"]}
    assert "renewal_rate" in codes and "profit" not in codes
    listed = {r.code for r in client.get(reverse("reports:index")).context["reports"]}
    assert "profit" not in listed and "daily_operations" in listed
    client.force_login(cast.a_supervisor)
    codes = {card["report"].code for card in client.get(reverse("reports:dashboard")).context["cards"]}
    assert {"profit", "churn", "claim_rate", "staff_efficiency"} <= codes


@pytest.mark.parametrize("kind", ["bar", "line", "hbar", "pie"])
def test_the_pdf_charts_are_well_formed_svg(kind):
    from xml.etree import ElementTree

    from chexian.reports import svg

    drawn = svg.render({"title": "续保率 <&>", "kind": kind, "unit": "%", "categories": ["Another 4S store", "价格"],
                        "series": [{"name": "率", "data": ["33.3", None]}]})
    root = ElementTree.fromstring(drawn)  # noqa: S314 (our own SVG, not untrusted input)
    assert root.tag.endswith("svg") and "续保率 <&>" in "".join(root.itertext())


def test_the_dashboard_query_count_does_not_grow_with_the_data(client, cast, business):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.a_supervisor)
    url = reverse("reports:dashboard")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"store": "A01", "period": "2026-10"}).status_code == 200
        return len(captured.captured_queries)

    before = count()
    for day in range(1, 13):
        car = make_vehicle(cast.a_issuer, cast.store_a, engine_no=f"Q{next(_engines)}")
        make_policy(cast.a_issuer, car, start=dt.date(2026, 10, day), issued_on=dt.date(2026, 10, day))
    assert count() == before <= 90


def test_the_ranking_drills_from_group_to_region_to_store(client, cast, business):
    from chexian.org.models import Region

    south = Region.objects.create(group=cast.group, code="SOUTH", name="华南")
    cast.store_b.region = south
    cast.store_b.save()
    client.force_login(cast.office)
    url = reverse("reports:report", args=["group_ranking"])
    page = client.get(url, {"group": "1", "period": "2026-10"})
    links = [link for row in page.context["rows"] for _value, link in row if link]
    assert any("region=SOUTH" in link for link in links) and any("store=A01" in link for link in links)
    region = client.get(url, {"group": "1", "region": "SOUTH", "period": "2026-10"})
    assert [row["store_code"] for row in region.context["result"].rows] == ["B01"]
    assert region.context["data"]["scope"] == {"kind": "region", "label": "Region 华南 (1 stores)",
                                               "stores": ["B01"], "region": "SOUTH"}
    assert client.get(url, {"group": "1", "region": "NOWHERE"}).status_code == 404
    # From the store, the person: the store's staff efficiency lists its issuers.
    staff = run(cast.office, "staff_efficiency", "2026-10", store="A01")
    assert [row.get("person") or row.get("label") for row in staff.rows]


def test_no_report_issues_a_query_per_record(cast, business):
    """Every store report's query count, pinned by shape: the same with 3 policies as with 15."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scope = Scope.for_user(cast.office, store_code="A01")
    period = Period.parse("2026-10", today=TODAY)

    def counts() -> dict:
        found = {}
        for code, cls in sorted(engine.REGISTRY.items()):
            if cls.group_only:
                continue
            with CaptureQueriesContext(connection) as captured:
                cls().run(scope, period, today=TODAY).as_json()
            found[code] = len(captured.captured_queries)
        return found

    before = counts()
    for day in range(1, 13):
        car = make_vehicle(cast.a_issuer, cast.store_a, engine_no=f"N{next(_engines)}")
        make_policy(cast.a_issuer, car, start=dt.date(2026, 10, day), issued_on=dt.date(2026, 10, day))
    assert counts() == before
    assert max(before.values()) <= 40, before
