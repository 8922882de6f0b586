"""Daily commission figures: per day, issuer and insurer, from the commission each policy
carries; cancellations claw back; scoped to the user's stores."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from chexian.commissions.selectors import daily_commission
from chexian.core.testing import make_vehicle
from chexian.policies.tests.factories import active_contract, make_policy

pytestmark = pytest.mark.django_db


def test_commission_adds_up_per_day_issuer_and_insurer_and_stays_in_the_store(client, cast):
    today = timezone.localdate()
    active_contract(cast, cast.store_a, valid_from=today - dt.timedelta(days=100),
                    valid_until=today + dt.timedelta(days=300))
    first = make_policy(cast.a_issuer, make_vehicle(cast.a_issuer, cast.store_a, engine_no="E1"),
                        start=today, issued_on=today - dt.timedelta(days=1))
    second = make_policy(cast.a_supervisor, make_vehicle(cast.a_issuer, cast.store_a, engine_no="E2"),
                         start=today, issued_on=today)
    since = today - dt.timedelta(days=5)
    by_day = daily_commission(cast.a_supervisor, since, today)
    assert [(r["issued_on"], r["policies"], r["commission"]) for r in by_day["rows"]] == [
        (first.issued_on, 1, first.commission_amount), (second.issued_on, 1, second.commission_amount)]
    total = first.commission_amount + second.commission_amount
    assert by_day["totals"]["commission"] == total == by_day["totals"]["net"]
    assert first.commission_amount == (first.commission_base_amount * first.commission_rate / 100).quantize(
        Decimal("0.01"))
    by_issuer = daily_commission(cast.a_supervisor, since, today, by="issuer")
    assert sorted(r["issuer__username"] for r in by_issuer["rows"]) == ["a-issuer", "a-supervisor"]
    by_insurer = daily_commission(cast.a_supervisor, since, today, by="insurer")
    assert [(r["insurer__short_name"], r["policies"]) for r in by_insurer["rows"]] == [(first.insurer.short_name, 2)]
    assert daily_commission(cast.b_supervisor, since, today)["totals"]["policies"] == 0
    client.force_login(cast.a_supervisor)
    response = client.get(reverse("commissions:daily"), {"since": since.isoformat(), "by": "insurer"})
    assert response.status_code == 200 and response.context["figures"]["totals"]["commission"] == total
    client.force_login(cast.a_dept)
    assert client.get(reverse("commissions:daily")).status_code == 403


def test_a_cancellation_claws_back_commission_on_the_day_it_takes_effect(cast):
    from chexian.policies import services
    from chexian.policies.choices import CancellationReason

    today = timezone.localdate()
    active_contract(cast, cast.store_a, valid_from=today - dt.timedelta(days=100),
                    valid_until=today + dt.timedelta(days=300))
    policy = make_policy(cast.a_issuer, make_vehicle(cast.a_issuer, cast.store_a, engine_no="E3"),
                         start=today - dt.timedelta(days=10), issued_on=today - dt.timedelta(days=10))
    cancellation = services.cancel_policy(actor=cast.a_supervisor, policy=policy, reason=CancellationReason.LAID_UP,
                                          effective_date=today, refund_amount=policy.premium / 2)
    assert cancellation.commission_clawback > 0
    figures = daily_commission(cast.a_supervisor, today - dt.timedelta(days=30), today)
    assert figures["totals"]["clawback"] == cancellation.commission_clawback
    assert figures["totals"]["net"] == policy.commission_amount - cancellation.commission_clawback
    assert daily_commission(cast.b_supervisor, today - dt.timedelta(days=30), today)["totals"]["clawback"] == 0


def test_sums_keep_two_decimals(cast):
    today = timezone.localdate()
    active_contract(cast, cast.store_a, valid_from=today - dt.timedelta(days=100),
                    valid_until=today + dt.timedelta(days=300))
    make_policy(cast.a_issuer, make_vehicle(cast.a_issuer, cast.store_a, engine_no="E4"), start=today,
                issued_on=today)
    totals = daily_commission(cast.a_supervisor, today, today)["totals"]
    assert all(totals[k].as_tuple().exponent == -2 for k in ("premium", "base", "commission", "clawback", "net"))
