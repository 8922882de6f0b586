"""Intention customers and referrals: a department logs a customer in a few taps,
the desk follows up, a policy issued for the car converts it and credits the
department and person on the leaderboard."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from chexian.core.testing import make_customer, make_vehicle
from chexian.leads import services
from chexian.leads.choices import LeadSource, LeadStatus
from chexian.leads.models import Lead
from chexian.org.choices import DepartmentKind
from chexian.org.models import Department, StaffRole
from chexian.policies.tests.factories import active_contract, make_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def wash(cast):
    department = Department.objects.create(store=cast.store_a, kind=DepartmentKind.WASH, name="洗车部")
    StaffRole.objects.filter(user=cast.a_dept).update(department=department)
    return department


def refer(cast, **data):
    return services.capture_lead(actor=cast.a_dept, store=cast.store_a,
                                 data={"name": "孙先生", "mobile": "13912345678", "plate": "粤A8K2M6",
                                       "note": "保险下月到期，想比比价", **data})


def test_a_department_refers_a_customer_credited_to_it(cast, wash):
    lead = refer(cast)
    assert (lead.source, lead.status, lead.department, lead.referred_by) == (
        LeadSource.REFERRAL, LeadStatus.NEW, wash, cast.a_dept)


@pytest.mark.parametrize(("field", "value"), [("mobile", "1391234"), ("plate", "粤A8K2"), ("name", " ")])
def test_a_referral_with_a_bad_mobile_plate_or_name_is_refused_and_nothing_saved(cast, wash, field, value):
    with pytest.raises(ValidationError) as exc:
        refer(cast, **{field: value})
    assert field in exc.value.message_dict
    assert not Lead.objects.exists()


def test_only_the_desk_follows_up_and_a_follow_up_cannot_be_in_the_past(cast, wash):
    lead = refer(cast)
    with pytest.raises(PermissionDenied):
        services.follow_up(actor=cast.a_dept, lead=lead, note="打过电话")
    with pytest.raises(ValidationError):
        services.follow_up(actor=cast.a_issuer, lead=lead, note="打过电话", next_follow_up=dt.date(2020, 1, 1))
    services.follow_up(actor=cast.a_issuer, lead=lead, note="已报价，周五回复",
                       next_follow_up=timezone.localdate() + dt.timedelta(days=3))
    lead.refresh_from_db()
    assert (lead.status, lead.assigned_to) == (LeadStatus.FOLLOWING, cast.a_issuer)


def test_a_policy_for_the_referred_car_converts_the_lead_and_the_leaderboard_counts_it(cast, wash):
    lead = refer(cast)
    other = refer(cast, name="周女士", mobile="13812345679", plate="")
    active_contract(cast, cast.store_a)
    owner = make_customer(cast.a_issuer, cast.store_a, mobile="13700000000")
    car = make_vehicle(cast.a_issuer, cast.store_a, owner=owner, plate="粤A8K2M6", engine_no="E1")
    policy = make_policy(cast.a_issuer, car)

    lead.refresh_from_db()
    other.refresh_from_db()
    assert (lead.status, lead.converted_policy, lead.vehicle) == (LeadStatus.CONVERTED, policy, car)
    assert other.status == LeadStatus.NEW
    today = timezone.localdate()
    board = services.leaderboard(cast.a_supervisor, today.replace(day=1), today)
    assert [(r["department__name"], r["referred"], r["converted"]) for r in board["departments"]] == [
        ("洗车部", 2, 1)]
    assert services.leaderboard(cast.b_supervisor, today.replace(day=1), today)["departments"] == []


def test_pages_are_scoped_and_the_tv_board_refreshes_itself(client, cast, wash):
    lead = refer(cast)
    client.force_login(cast.a_dept)
    response = client.post(reverse("leads:referral"), {"name": "吴先生", "mobile": "13612345678", "plate": "",
                                                       "note": ""})
    assert response.status_code == 302 and Lead.objects.count() == 2
    assert client.get(reverse("leads:lead_list")).status_code == 403  # the desk's list
    tv = client.get(reverse("leads:leaderboard_tv"))
    assert tv.status_code == 200 and b'http-equiv="refresh" content="60"' in tv.content
    client.force_login(cast.b_issuer)
    assert client.get(reverse("leads:lead_detail", args=[lead.pk])).status_code == 404
    client.force_login(cast.a_issuer)
    page = client.post(reverse("leads:lead_detail", args=[lead.pk]), {"note": "约周六来店"})
    assert page.status_code == 302 and lead.follow_ups.count() == 1


def test_the_leaderboard_is_posted_to_the_staff_group_once_a_day(cast, wash, settings, tmp_path):
    import json

    from chexian.notifications.models import Message

    settings.CHEXIAN_MESSAGE_LOG = tmp_path / "messages.log"
    refer(cast)
    today = timezone.localdate()
    assert services.post_leaderboards(today) == 0  # no store has a robot
    cast.store_a.wecom_robot_key = "robot-a"
    cast.store_a.save()
    assert services.post_leaderboards(today) == 1
    assert services.post_leaderboards(today) == 0  # once a day
    message = Message.objects.get()
    assert (message.channel, message.recipient, message.status) == ("wecom", "robot-a", "sent")
    assert "洗车部：推荐 1，成交 0" in message.body
    assert json.loads((tmp_path / "messages.log").read_text(encoding="utf-8"))["to"] == "robot-a"


def test_the_api_captures_a_referral_and_the_desk_follows_it_up(cast, wash):
    from rest_framework.test import APIClient

    dept = APIClient()
    dept.force_authenticate(cast.a_dept)
    response = dept.post("/api/leads/", {"store": cast.store_a.pk, "name": "郑先生", "mobile": "1361234"},
                         format="json")
    assert response.status_code == 400 and "mobile" in response.json()
    response = dept.post("/api/leads/", {"store": cast.store_b.pk, "name": "郑先生", "mobile": "13612345678"},
                         format="json")
    assert response.status_code == 400 and "store" in response.json()
    response = dept.post("/api/leads/", {"store": cast.store_a.pk, "name": "郑先生", "mobile": "13612345678"},
                         format="json")
    assert response.status_code == 201 and response.json()["department"] == "洗车部"
    lead_id = response.json()["id"]
    desk = APIClient()
    desk.force_authenticate(cast.a_issuer)
    response = desk.post(f"/api/leads/{lead_id}/follow-up/", {"note": "已报价"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "following"
    other = APIClient()
    other.force_authenticate(cast.b_issuer)
    assert other.get(f"/api/leads/{lead_id}/").status_code == 404


@pytest.mark.parametrize("name", ["leads:lead_list", "leads:lead_create", "leads:referral", "leads:leaderboard",
                                  "leads:leaderboard_tv", "leads:visits", "leads:repairs"])
def test_every_page_opens_for_the_supervisor_in_both_languages(client, cast, wash, name, settings):
    refer(cast)
    client.force_login(cast.a_supervisor)
    for language in ("en", "zh-hans"):
        response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, (name, language)


def test_the_desk_captures_a_walk_in_who_asked_a_price(client, cast):
    client.force_login(cast.a_issuer)
    response = client.post(reverse("leads:lead_create"), {"name": "冯女士", "mobile": "13512345678", "plate": "",
                                                          "source": "walk_in", "note": "问了商业险价格"})
    lead = Lead.objects.get()
    assert response.status_code == 302 and (lead.source, lead.assigned_to) == ("walk_in", cast.a_issuer)
    assert client.get(reverse("leads:lead_list")).context["paginator"].count == 1


def test_a_lead_due_for_follow_up_is_in_the_desks_queue_until_followed_up(client, cast, wash):
    lead = refer(cast)  # a fresh referral: followed up the same day
    today = timezone.localdate()
    assert list(services.follow_ups_due(cast.a_issuer, today)) == [lead]
    assert list(services.follow_ups_due(cast.b_issuer, today)) == []
    client.force_login(cast.a_issuer)
    assert client.get(reverse("renewals:queue")).context["leads"] == [lead]
    services.follow_up(actor=cast.a_issuer, lead=lead, note="已报价", next_follow_up=today + dt.timedelta(days=3))
    assert list(services.follow_ups_due(cast.a_issuer, today)) == []
    assert list(services.follow_ups_due(cast.a_issuer, today + dt.timedelta(days=3))) == [lead]
    assert list(services.follow_ups_due(cast.a_supervisor, today + dt.timedelta(days=3))) == []  # the issuer's
