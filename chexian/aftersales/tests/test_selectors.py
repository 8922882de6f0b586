"""在修不在保: a car serviced here in the last year and not insured here is a
prospect; one insured here, or last serviced more than a year ago, is not. The
renewals page lists them with the last visit and the number of visits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from chexian.aftersales import selectors
from chexian.aftersales.tests.conftest import days_ago
from chexian.core.testing import make_service_order, make_vehicle
from chexian.policies import services as policy_services
from chexian.policies.choices import PolicyLine
from chexian.policies.tests.factories import active_contract, make_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def cars(cast):
    """Store A: a car serviced twice this year and insured elsewhere, one serviced and
    insured here, one whose only visit was 13 months ago, one whose policy here was
    cancelled; store B: a prospect of its own."""
    active_contract(cast, cast.store_a, valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2030, 12, 31))
    today = timezone.localdate()
    elsewhere = make_vehicle(cast.a_issuer, cast.store_a, engine_no="E1")
    make_service_order(cast.a_supervisor, elsewhere, opened_on=days_ago(200))
    make_service_order(cast.a_supervisor, elsewhere, opened_on=days_ago(30), kind="wash")

    insured = make_vehicle(cast.a_issuer, cast.store_a, engine_no="E2")
    make_service_order(cast.a_supervisor, insured, opened_on=days_ago(30))
    make_policy(cast.a_issuer, insured, line=PolicyLine.COMMERCIAL, start=today - dt.timedelta(days=100))

    long_ago = make_vehicle(cast.a_issuer, cast.store_a, engine_no="E3")
    make_service_order(cast.a_supervisor, long_ago, opened_on=days_ago(400))

    cancelled = make_vehicle(cast.a_issuer, cast.store_a, engine_no="E4")
    make_service_order(cast.a_supervisor, cancelled, opened_on=days_ago(60))
    policy = make_policy(cast.a_issuer, cancelled, start=today - dt.timedelta(days=100))
    policy_services.cancel_policy(actor=cast.a_supervisor, policy=policy, reason="laid_up",
                                  effective_date=today - dt.timedelta(days=50), refund_amount=policy.premium / 2)

    theirs = make_vehicle(cast.b_issuer, cast.store_b, engine_no="E5")
    make_service_order(cast.b_supervisor, theirs, opened_on=days_ago(10))
    return {"elsewhere": elsewhere, "insured": insured, "long_ago": long_ago, "cancelled": cancelled,
            "theirs": theirs}


def test_a_car_serviced_here_and_insured_elsewhere_is_a_prospect(cast, cars):
    today = timezone.localdate()
    found = list(selectors.serviced_not_insured(cast.a_issuer, today))
    assert found == [cars["elsewhere"], cars["cancelled"]]
    assert (found[0].visits, found[0].last_visit) == (2, days_ago(30))
    assert [v.pk for v in selectors.serviced_not_insured(cast.b_issuer, today)] == [cars["theirs"].pk]
    assert len(selectors.serviced_not_insured(cast.office, today)) == 3
    assert list(selectors.serviced_not_insured(cast.a_sales, today)) == []  # no service.view


def test_the_lapsed_page_has_a_serviced_not_insured_tab(client, cast, cars):
    client.force_login(cast.a_supervisor)
    page = client.get(reverse("renewals:lapsed"), {"segment": "serviced"})
    assert page.status_code == 200 and page.context["total"] == 2
    html = page.content.decode()
    assert days_ago(30).isoformat() in html and 'id="segment-serviced"' in html
    client.force_login(cast.b_supervisor)
    assert client.get(reverse("renewals:lapsed"), {"segment": "serviced"}).context["total"] == 1
