"""The demo's gifts and rebates are what the services would have written: costs add up,
redemptions stay within the grant, decisions carry their reason, one is left pending."""

import random

import pytest
from django.db.models import F, Sum

from chexian.incentives import demo
from chexian.incentives.choices import IncentiveStatus
from chexian.incentives.models import Incentive, IncentiveLine, Redemption
from chexian.incentives.tests.factories import policy_of

pytestmark = pytest.mark.django_db


def test_demo_rows_keep_the_services_rules(cast, policy):
    for _ in range(5):
        policy_of(cast.a_issuer, cast.store_a)
    cast.store_a.staff = {"supervisor": cast.a_supervisor, "issuer1": cast.a_issuer, "wash": cast.a_dept}
    assert demo.build(stores=[cast.store_a], rng=random.Random(1)) == len(demo.PLAN)
    assert Incentive.objects.filter(status=IncentiveStatus.PENDING).count() == 1
    assert not Incentive.objects.exclude(status=IncentiveStatus.PENDING).filter(decision_reason="").exists()
    for incentive in Incentive.objects.filter(kind="gift_package"):
        lines = IncentiveLine.objects.filter(incentive=incentive)
        assert incentive.cost_at_grant == sum(line.cost for line in lines)
        redeemed = Redemption.objects.filter(line__incentive=incentive).aggregate(total=Sum("real_cost"))["total"]
        assert incentive.redeemed_cost == (redeemed or 0)
    assert not IncentiveLine.objects.filter(redeemed_quantity__gt=F("quantity")).exists()
    assert not Redemption.objects.filter(line__incentive__status=IncentiveStatus.PENDING).exists()
