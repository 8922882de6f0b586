"""The remittance pages: scoped lists, a remittance with its lines and matching by
hand or automatically, entry by hand, the import with its error list, the
unmatched list — no role 403, another store's remittance 404."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chexian.claims.choices import Step
from chexian.remittances.models import Allocation, Remittance
from chexian.remittances.tests.factories import a_case, remit

pytestmark = pytest.mark.django_db
D = Decimal


def logged_in(client, user):
    client.force_login(user)
    return client


def detail_url(remittance):
    return reverse("remittances:remittance_detail", args=[remittance.pk])


def test_the_list_shows_the_users_stores_only_and_needs_the_role(client, cast, crew, picc,
                                                                  django_assert_max_num_queries):
    mine = remit(crew.finance, cast.store_a, picc, ("RDAA-A", "100.00"))
    theirs = remit(crew.b_adjuster, cast.store_b, picc, ("RDAA-B", "200.00"))
    logged_in(client, crew.finance)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("remittances:remittance_list"))
    html = response.content.decode()
    assert response.status_code == 200 and mine.number in html and theirs.number not in html
    assert 'href="/remittances/"' in client.get(reverse("customers:customer_list")).content.decode()  # the menu

    office = logged_in(client, cast.office).get(reverse("remittances:remittance_list")).content.decode()
    assert mine.number in office and theirs.number in office
    for page in ("remittance_list", "unmatched_list", "remittance_create", "remittance_import"):
        assert logged_in(client, cast.a_sales).get(reverse(f"remittances:{page}")).status_code == 403
    assert logged_in(client, cast.office).get(reverse("remittances:remittance_create")).status_code == 403


def test_the_list_filters_by_unmatched_money_and_insurer(client, cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    done = remit(crew.finance, cast.store_a, picc, (case.report_no, "5000.00"))
    open_ = remit(crew.finance, cast.store_a, picc, ("RDAA-OPEN", "10.00"))
    logged_in(client, crew.finance).post(detail_url(done), {"action": "auto"})
    html = client.get(reverse("remittances:remittance_list"), {"unmatched": "true"}).content.decode()
    assert open_.number in html and done.number not in html
    html = client.get(reverse("remittances:remittance_list"), {"q": case.report_no}).content.decode()
    assert done.number in html and open_.number not in html


def test_another_stores_remittance_is_a_404_like_a_missing_one(client, cast, crew, picc):
    theirs = remit(crew.b_adjuster, cast.store_b, picc, ("RDAA-B", "200.00"))
    logged_in(client, crew.finance)
    assert client.get(detail_url(theirs)).status_code == 404
    assert client.post(detail_url(theirs), {"action": "auto"}).status_code == 404
    assert client.get(reverse("remittances:remittance_detail", args=[999999])).status_code == 404


def test_the_page_matches_a_line_by_report_number_and_undoes_it(client, cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    remittance = remit(crew.finance, cast.store_a, picc, (case.report_no, "2000.00"))
    line = remittance.lines.get()
    logged_in(client, crew.finance)
    html = client.get(detail_url(remittance)).content.decode()
    assert f'id="match-{line.line_no}"' in html and case.number in html

    response = client.post(detail_url(remittance), {"action": "match", "line": line.pk,
                                                    f"line-{line.pk}-case": case.number,
                                                    f"line-{line.pk}-amount": "1500.00"})
    assert response.status_code == 302
    allocation = Allocation.objects.get()
    assert (allocation.claim, allocation.amount) == (case, D("1500.00"))

    response = client.post(detail_url(remittance), {"action": "unmatch", "allocation": allocation.pk,
                                                    f"allocation-{allocation.pk}-reason": "金额录错"})
    assert response.status_code == 302
    allocation.refresh_from_db()
    assert allocation.reversed_at is not None
    case.refresh_from_db()
    assert case.paid_amount == 0


def test_a_refused_match_is_shown_on_the_line_and_changes_nothing(client, cast, crew, picc):
    cpic_case = a_case(crew.adjuster, cast.store_a, "5000.00", insurer_code="CPIC")
    remittance = remit(crew.finance, cast.store_a, picc, ("RDAA-X", "5000.00"))
    line = remittance.lines.get()
    logged_in(client, crew.finance)
    response = client.post(detail_url(remittance), {"action": "match", "line": line.pk,
                                                    f"line-{line.pk}-case": cpic_case.report_no})
    assert response.status_code == 400
    assert "not from" in response.content.decode()
    response = client.post(detail_url(remittance), {"action": "match", "line": line.pk,
                                                    f"line-{line.pk}-case": "NO-SUCH-CASE"})
    assert response.status_code == 400 and "No claim case" in response.content.decode()
    assert not Allocation.objects.exists()


def test_auto_matching_from_the_page_and_only_for_those_who_match(client, cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    remittance = remit(crew.finance, cast.store_a, picc, (case.report_no, "5000.00"))
    assert logged_in(client, cast.a_supervisor).get(detail_url(remittance)).status_code == 200
    assert client.post(detail_url(remittance), {"action": "auto"}).status_code == 403
    response = logged_in(client, crew.finance).post(detail_url(remittance), {"action": "auto"}, follow=True)
    assert "Matched automatically: 1 lines" in response.content.decode()
    case.refresh_from_db()
    assert case.step == Step.CLOSED


def test_a_remittance_is_entered_by_hand_with_its_lines(client, cast, crew, picc):
    logged_in(client, crew.finance)
    assert client.get(reverse("remittances:remittance_create"), {"lines": 3}).status_code == 200
    form = {"store": cast.store_a.pk, "insurer": picc.pk, "purpose": "claims", "received_on": "2026-12-01",
            "reference": "BANK-7", "total_amount": "300.00", "note": "",
            "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "1",
            "lines-MAX_NUM_FORMS": "200",
            "lines-0-report_no": "RDAA1", "lines-0-amount": "100.00",
            "lines-1-report_no": "RDAA2", "lines-1-amount": "150.00"}
    response = client.post(reverse("remittances:remittance_create"), form)
    assert response.status_code == 400 and "add up to ¥250.00" in response.content.decode()
    assert not Remittance.objects.exists()

    response = client.post(reverse("remittances:remittance_create"), {**form, "lines-2-report_no": "RDAA3",
                                                                      "lines-2-amount": "50.00"})
    remittance = Remittance.objects.get()
    assert response.status_code == 302 and response.url == detail_url(remittance)
    assert list(remittance.lines.values_list("report_no", flat=True)) == ["RDAA1", "RDAA2", "RDAA3"]


def test_the_import_page_lists_every_problem_and_saves_nothing(client, cast, crew, picc):
    logged_in(client, crew.finance)
    content = "报案号,赔款金额,支付日期\nRDAA1,abc,2026-12-01\n,100,2026/12/1\n".encode("gb18030")
    response = client.post(reverse("remittances:remittance_import"), {
        "store": cast.store_a.pk, "insurer": picc.pk, "purpose": "claims",
        "file": SimpleUploadedFile("回款.csv", content), "auto_match": "on"})
    html = response.content.decode()
    assert response.status_code == 400 and 'id="import-problems"' in html
    assert "赔款金额" in html and "Not an amount of money" in html and "报案号" in html
    assert not Remittance.objects.exists()


def test_the_import_page_imports_and_matches(client, cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    logged_in(client, crew.finance)
    content = f"人保财险回款明细\n报案号,赔款金额,支付日期\n{case.report_no},5000.00,2026-12-01\n合计,5000.00,\n"
    response = client.post(reverse("remittances:remittance_import"), {
        "store": cast.store_a.pk, "insurer": picc.pk, "purpose": "claims",
        "file": SimpleUploadedFile("hk.csv", content.encode("gb18030")), "auto_match": "on"}, follow=True)
    assert "Matched automatically: 1 lines" in response.content.decode()
    remittance = Remittance.objects.get()
    assert (remittance.received_on, remittance.file_name) == (dt.date(2026, 12, 1), "hk.csv")


def test_the_unmatched_list_shows_money_left_oldest_first(client, cast, crew, picc):
    remit(crew.finance, cast.store_a, picc, ("RDAA-LATE", "10.00"), received_on=dt.date(2026, 12, 5))
    remit(crew.finance, cast.store_a, picc, ("RDAA-EARLY", "20.00"), received_on=dt.date(2026, 11, 5))
    remit(crew.b_adjuster, cast.store_b, picc, ("RDAA-B", "30.00"))
    html = logged_in(client, crew.finance).get(reverse("remittances:unmatched_list")).content.decode()
    assert html.index("RDAA-EARLY") < html.index("RDAA-LATE") and "RDAA-B" not in html
