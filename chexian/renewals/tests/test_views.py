"""The renewal pages: scoped to the user's stores, the queue, logging a call,
marking a case lost, reassigning, the board, the rules and the lost summary."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from chexian.core.testing import make_vehicle
from chexian.policies.tests.factories import active_contract, make_policy
from chexian.renewals import services
from chexian.renewals.choices import CaseStatus, Channel, TaskStatus
from chexian.renewals.models import ContactLog, ContactTask, ReminderRule, RenewalCase

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _message_log(settings, tmp_path):
    settings.CHEXIAN_MESSAGE_LOG = tmp_path / "messages.log"


@pytest.fixture
def case(cast):
    """Store A's car whose CTPL ends in 20 days; the daily job has run today."""
    active_contract(cast, cast.store_a, valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2030, 12, 31))
    today = timezone.localdate()
    car = make_vehicle(cast.a_issuer, cast.store_a, engine_no="E1")
    start = today + dt.timedelta(days=20) - dt.timedelta(days=364)
    make_policy(cast.a_issuer, car, start=start)
    services.renewal_day(today)
    return RenewalCase.objects.get()


def test_the_queue_shows_the_specialists_due_calls(client, cast, case):
    client.force_login(cast.a_issuer)
    page = client.get(reverse("renewals:queue"))
    assert page.status_code == 200
    assert [t.case for t in page.context["tasks"]] == [case]
    assert case.vehicle.plate in page.content.decode()


def test_another_stores_case_is_a_404_and_its_list_is_empty(client, cast, case):
    client.force_login(cast.b_issuer)
    assert client.get(reverse("renewals:case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("renewals:case_list")).context["paginator"].count == 0
    assert client.get(reverse("renewals:queue")).context["tasks"] == []
    client.force_login(cast.a_dept)
    assert client.get(reverse("renewals:queue")).status_code == 403


def test_logging_a_call_from_the_case_page(client, cast, case):
    client.force_login(cast.a_issuer)
    url = reverse("renewals:case_detail", args=[case.pk])
    response = client.post(url, {"outcome": "interested", "note": "要报价", "next_contact_on": ""})
    assert response.status_code == 302
    contact = ContactLog.objects.get()
    assert (contact.case, contact.outcome, contact.by) == (case, "interested", cast.a_issuer)
    assert not ContactTask.objects.filter(case=case, channel=Channel.CALL, status=TaskStatus.DUE).exists()
    assert client.get(reverse("renewals:queue")).context["tasks"] == []


def test_lost_without_a_reason_is_refused_on_the_page(client, cast, case):
    client.force_login(cast.a_issuer)
    url = reverse("renewals:case_detail", args=[case.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert RenewalCase.objects.get().status == CaseStatus.OPEN
    assert client.post(url, {"reason": "price", "channel": "保险公司电销"}).status_code == 302
    assert RenewalCase.objects.get().status == CaseStatus.LOST
    summary = client.get(reverse("renewals:lost_summary"))
    assert summary.context["summary"]["totals"]["lost"] == 1


def test_the_supervisor_reassigns_and_sees_the_board(client, cast, case):
    from chexian.core.testing import make_user
    from chexian.org.choices import Role

    second = make_user("a-issuer2", Role.ISSUER, cast.store_a)
    client.force_login(cast.a_supervisor)
    board = client.get(reverse("renewals:board"))
    # The call became due 30 days before expiry — ten days ago — and nobody made it.
    assert [(r["assigned_to"], r["open"], r["contacted_count"], r["overdue_count"])
            for r in board.context["rows"]] == [(cast.a_issuer.pk, 1, 0, 1)]
    response = client.post(reverse("renewals:reassign"), {"case": [case.pk], "to": second.pk})
    assert response.status_code == 302
    assert RenewalCase.objects.get().assigned_to == second
    client.force_login(cast.a_issuer)
    assert client.post(reverse("renewals:reassign"), {"case": [case.pk], "to": cast.a_issuer.pk}).status_code == 403


def test_the_supervisor_runs_the_daily_job_and_adds_a_rule(client, cast, case):
    client.force_login(cast.a_supervisor)
    assert client.post(reverse("renewals:run_daily")).status_code == 302
    response = client.post(reverse("renewals:rules"), {"store": cast.store_a.pk, "channel": "sms",
                                                         "start_days_before": "0", "interval_days": "7",
                                                         "is_active": "on"})
    assert response.status_code == 400
    response = client.post(reverse("renewals:rules"), {"store": cast.store_a.pk, "channel": "sms",
                                                         "start_days_before": "7", "interval_days": "3",
                                                         "template": "{name}您好，{plate}保险{date}到期",
                                                         "is_active": "on"})
    assert response.status_code == 302 and ReminderRule.objects.filter(store=cast.store_a).count() == 3
    client.force_login(cast.a_issuer)
    assert client.post(reverse("renewals:run_daily")).status_code == 403


def test_the_supervisor_sets_a_target_and_sees_its_attainment(client, cast, case):
    from chexian.policies.tests.factories import make_policy as issue

    month = timezone.localdate().replace(day=1)
    client.force_login(cast.a_supervisor)
    response = client.post(reverse("renewals:board"), {"specialist": cast.b_issuer.pk, "month": f"{month:%Y-%m}",
                                                       "target": "10"})
    assert response.status_code == 400  # another store's specialist is not a choice
    response = client.post(reverse("renewals:board"), {"specialist": cast.a_issuer.pk, "month": f"{month:%Y-%m}",
                                                       "target": "-1"})
    assert response.status_code == 400
    response = client.post(reverse("renewals:board"), {"specialist": cast.a_issuer.pk, "month": f"{month:%Y-%m}",
                                                       "target": "4"})
    assert response.status_code == 302
    issue(cast.a_issuer, case.vehicle, start=case.due_date + dt.timedelta(days=1))  # the case is renewed
    (row,) = client.get(reverse("renewals:board")).context["targets"]
    assert (row["target"].target, row["renewed"], row["share"]) == (4, 1, 25)


def test_lapsed_and_gone_vehicles_are_listed_for_winning_back(client, cast):
    from chexian.renewals import selectors

    today = timezone.localdate()
    active_contract(cast, cast.store_a, valid_from=today - dt.timedelta(days=2000), valid_until=today)
    lapsed_car = make_vehicle(cast.a_issuer, cast.store_a, engine_no="E1")
    ago = today - dt.timedelta(days=800)
    make_policy(cast.a_issuer, lapsed_car, start=ago, issued_on=ago)
    gone_car = make_vehicle(cast.a_issuer, cast.store_a, engine_no="E2")
    long_ago = today - dt.timedelta(days=1900)
    make_policy(cast.a_issuer, gone_car, start=long_ago, issued_on=long_ago)
    current = make_vehicle(cast.a_issuer, cast.store_a, engine_no="E3")
    make_policy(cast.a_issuer, current, start=today - dt.timedelta(days=100), issued_on=today - dt.timedelta(days=100))

    assert list(selectors.lapsed(cast.a_issuer, today)) == [lapsed_car]
    assert list(selectors.lapsed(cast.a_issuer, today, "gone")) == [gone_car]
    assert list(selectors.lapsed(cast.b_issuer, today)) == []
    client.force_login(cast.a_issuer)
    assert client.get(reverse("renewals:lapsed") + "?segment=gone").context["total"] == 1


@pytest.mark.parametrize("name", ["renewals:queue", "renewals:case_list", "renewals:board", "renewals:rules",
                                  "renewals:lost_summary", "renewals:lapsed"])
def test_every_page_opens_for_the_supervisor_in_both_languages(client, cast, case, name):
    client.force_login(cast.a_supervisor)
    for language in ("en", "zh-hans"):
        response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, (name, language)
    assert client.get(reverse("renewals:case_detail", args=[case.pk])).status_code == 200


def test_the_board_shows_the_renewal_rate_of_each_segment(client, cast, case):
    from chexian.renewals import selectors
    from chexian.renewals.choices import LostReason

    month = case.due_date.replace(day=1)
    services.mark_lost(actor=cast.a_issuer, case=case, reason=LostReason.PRICE)
    rows = {row["segment"]: row for row in selectors.segment_rates(cast.a_supervisor, month)}
    mine = rows[case.get_segment_display()]
    assert (mine["due"], mine["renewed"], mine["lost"], mine["rate"]) == (1, 0, 1, 0)
    assert all(row["due"] == 0 for row in selectors.segment_rates(cast.b_supervisor, month))
    client.force_login(cast.a_supervisor)
    assert len(client.get(reverse("renewals:board")).context["segments"]) == len(rows)
