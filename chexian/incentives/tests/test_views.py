"""Pages of gifts and rebates: the compliance warning everywhere, recording from the
policy's page, the supervisor's decision with its reason, redemptions, the monthly
compliance report (unapproved highlighted, Excel export) and store isolation."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from chexian.core.models import AuditLog
from chexian.incentives.choices import IncentiveStatus
from chexian.incentives.models import Incentive
from chexian.incentives.tests.factories import approve, gift_package, policy_of, rebate, reject, store_contract

pytestmark = pytest.mark.django_db

RULE = "Insurance Law Art 131(4)"
ALTERNATIVE = "增值服务特约条款"


def page(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def assert_warning(response):
    text = response.content.decode()
    assert response.status_code == 200
    assert RULE in text and "报行合一" in text and ALTERNATIVE in text, "the compliance warning is missing"
    assert "?kind=service" in text  # the link to the value-added service clauses


def test_every_page_about_gifts_shows_the_compliance_warning(client, cast, policy, items):
    package = gift_package(cast.a_issuer, policy, [(items["wash"], 10)])
    assert_warning(page(client, cast.a_issuer, reverse("incentives:incentive_list")))
    assert_warning(page(client, cast.a_issuer, reverse("incentives:incentive_create", args=[policy.pk])))
    assert_warning(page(client, cast.a_issuer, reverse("incentives:incentive_detail", args=[package.pk])))
    assert_warning(page(client, cast.a_issuer, reverse("incentives:giftitem_list")))
    assert_warning(page(client, cast.a_supervisor, reverse("incentives:compliance")))
    detail = page(client, cast.a_issuer, reverse("policies:policy_detail", args=[policy.pk]))
    assert_warning(detail)
    assert reverse("incentives:incentive_create", args=[policy.pk]) in detail.content.decode()


def test_the_quote_page_offers_the_value_added_service_clauses(client, cast):
    from chexian.core.testing import make_vehicle
    from chexian.quotes.tests.factories import active_contract, make_quote

    active_contract(cast, cast.store_a, "PICC")
    quote = make_quote(cast.a_issuer, make_vehicle(cast.a_issuer, cast.store_a))
    text = page(client, cast.a_issuer, reverse("quotes:quote_detail", args=[quote.pk])).content.decode()
    assert 'id="value-added-services"' in text
    assert "道路救援服务特约" in text and "代为送检服务特约" in text


def test_recording_from_the_policy_page_makes_a_pending_flagged_package(client, cast, policy, items):
    client.force_login(cast.a_issuer)
    url = reverse("incentives:incentive_create", args=[policy.pk])
    form = {"kind": "gift_package", "granted_on": timezone.localdate().isoformat(), "reason": "续保赠送",
            "lines-TOTAL_FORMS": "4", "lines-INITIAL_FORMS": "0", "lines-0-item": items["wash"].pk,
            "lines-0-quantity": "10", "lines-1-item": items["maintenance"].pk, "lines-1-quantity": "1"}
    response = client.post(url, form)
    package = Incentive.objects.get()
    assert response.status_code == 302 and response.url == reverse("incentives:incentive_detail", args=[package.pk])
    assert package.cost_at_grant == Decimal("630.00") and package.status == IncentiveStatus.PENDING
    detail = client.get(response.url).content.decode()
    assert 'id="unapproved-flag"' in detail and "Pending approval" in detail
    # A rebate without its amount goes back on the form, nothing saved.
    response = client.post(url, {"kind": "rebate", "granted_on": "2026-03-01", "reason": "返现",
                                 "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"})
    assert response.status_code == 400 and "A rebate needs the cash amount" in response.content.decode()
    assert Incentive.objects.count() == 1


def test_the_supervisor_decides_with_a_reason_on_the_page(client, cast, policy, items):
    package = gift_package(cast.a_issuer, policy, [(items["wash"], 10)])
    url = reverse("incentives:incentive_detail", args=[package.pk])
    client.force_login(cast.a_issuer)
    assert 'id="decision-form"' not in client.get(url).content.decode()
    assert client.post(url, {"form": "decision", "status": "approved", "reason": "ok"}).status_code == 403
    client.force_login(cast.a_supervisor)
    assert 'id="decision-form"' in client.get(url).content.decode()
    response = client.post(url, {"form": "decision", "status": "approved", "reason": ""})
    assert response.status_code == 400 and "without a reason is refused" in response.content.decode()
    assert client.post(url, {"form": "decision", "status": "approved", "reason": "老客户"}).status_code == 302
    package.refresh_from_db()
    assert package.status == IncentiveStatus.APPROVED and package.decided_by == cast.a_supervisor


def test_a_department_redeems_on_the_page_within_the_grant(client, cast, policy, items):
    package = approve(cast.a_supervisor, gift_package(cast.a_issuer, policy, [(items["wash"], 2)]))
    line = package.lines.get()
    url = reverse("incentives:incentive_detail", args=[package.pk])
    client.force_login(cast.a_dept)
    assert 'id="redemption-form"' in client.get(url).content.decode()
    data = {"form": "redeem", "line": line.pk, "quantity": "3", "redeemed_on": "2026-03-02"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Only 2 of the 2 精洗 granted are left to redeem" in response.content.decode()
    assert client.post(url, {**data, "quantity": "2", "unit_cost": "30.00"}).status_code == 302
    package.refresh_from_db()
    assert package.redeemed_cost == Decimal("60.00") and package.cost == Decimal("60.00")


def test_another_stores_records_are_not_found(client, cast, policy, items):
    package = gift_package(cast.a_issuer, policy, [(items["wash"], 1)])
    store_contract(cast, cast.store_b)
    client.force_login(cast.b_supervisor)
    assert client.get(reverse("incentives:incentive_detail", args=[package.pk])).status_code == 404
    assert client.get(reverse("incentives:incentive_detail", args=[999999])).status_code == 404
    assert client.get(reverse("incentives:incentive_create", args=[policy.pk])).status_code == 404
    assert client.get(reverse("incentives:giftitem_edit", args=[items["wash"].pk])).status_code == 404
    assert package.policy.number not in client.get(reverse("incentives:incentive_list")).content.decode()
    report = client.get(reverse("incentives:compliance"))
    assert list(report.context["report"]["rows"]) == [] and report.context["report"]["totals"]["count"] == 0
    client.force_login(cast.a_sales)  # no incentive.view
    assert client.get(reverse("incentives:incentive_list")).status_code == 403
    client.force_login(cast.a_dept)  # sees gifts to redeem them, not the compliance report
    assert client.get(reverse("incentives:incentive_list")).status_code == 200
    assert client.get(reverse("incentives:compliance")).status_code == 403


@pytest.fixture
def month_of_gifts(cast, policy, items):
    """Store A's month: an approved package partly redeemed, a pending rebate, a rejected rebate;
    store B: one rebate."""
    from chexian.incentives import services

    approved = approve(cast.a_supervisor, gift_package(cast.a_issuer, policy, [(items["wash"], 10)]))
    services.redeem(actor=cast.a_dept, line=approved.lines.get(), quantity=4, unit_cost=Decimal("30.00"))
    pending = rebate(cast.a_issuer, policy, "200.00")
    rejected = reject(cast.a_supervisor, rebate(cast.a_issuer, policy, "500.00"))
    store_contract(cast, cast.store_b)
    rebate(cast.b_supervisor, policy_of(cast.b_issuer, cast.store_b), "66.00")
    return approved, pending, rejected


def test_compliance_report_lists_the_month_and_highlights_the_unapproved(client, cast, month_of_gifts,
                                                                         django_assert_max_num_queries):
    approved, pending, rejected = month_of_gifts
    client.force_login(cast.a_supervisor)
    # session, user, roles, per-store totals, totals, the store choices, rows: never one query per row.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("incentives:compliance"), {"month": timezone.localdate().strftime("%Y-%m")})
    report = response.context["report"]
    assert [i.pk for i in report["rows"]] == [approved.pk, pending.pk, rejected.pk]
    totals = report["totals"]
    assert (totals["count"], totals["approved"], totals["pending"], totals["rejected"]) == (3, 1, 1, 1)
    # At grant: 10 × 35.00 + 200.00 + 500.00; redeemed: 4 × 30.00; not approved: 200.00 + 500.00.
    assert (totals["at_grant"], totals["redeemed"], totals["unapproved"]) == (
        Decimal("1050.00"), Decimal("120.00"), Decimal("700.00"))
    text = response.content.decode()
    assert text.count('class="flagged"') == 2
    assert "老客户，经理同意" in text and "不符合公司规定" in text  # the approver's reasons
    # The group office sees both stores, per store.
    client.force_login(cast.office)
    report = client.get(reverse("incentives:compliance")).context["report"]
    assert [s["store__code"] for s in report["per_store"]] == ["A01", "B01"] and report["totals"]["count"] == 4
    # Another month is empty.
    client.force_login(cast.a_supervisor)
    assert client.get(reverse("incentives:compliance"), {"month": "2001-01"}).context["report"]["totals"][
        "count"] == 0


def test_compliance_report_exports_to_excel_with_the_warning_and_an_audit_entry(client, cast, month_of_gifts):
    from openpyxl import load_workbook

    client.force_login(cast.a_supervisor)
    response = client.get(reverse("incentives:compliance_export"), {"reason": "月度合规检查"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert RULE in cells[1][0]
    body = [row for row in cells[4:] if row[0] == "A01"]
    assert len(body) == 3 and sum(1 for row in body if row[-1] == "NOT APPROVED") == 2
    entry = AuditLog.objects.get(action="export")
    assert entry.store_id == cast.store_a.pk and entry.reason == "月度合规检查" and entry.after["rows"] == 3
    # Auditors give a reason.
    client.force_login(cast.auditor)
    assert client.get(reverse("incentives:compliance_export")).status_code == 302
    assert client.get(reverse("incentives:compliance_export"), {"reason": "审计"}).status_code == 200


def test_incentive_list_query_count_is_pinned(client, cast, month_of_gifts, django_assert_max_num_queries):
    client.force_login(cast.a_supervisor)
    # session, user, roles, count, the filter's store choices, page (store, policy and people joined)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("incentives:incentive_list"))
    assert response.status_code == 200 and len(response.context["object_list"]) == 3
