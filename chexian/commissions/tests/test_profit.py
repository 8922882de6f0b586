"""Profit per policy, specialist, store and month (seed-000 十、, SPEC §3.7), on a small
example built through the real services and worked out by hand:

store A (accident-repair gross margin 30 %, the default):
  P1 commercial, issuer a-issuer: commission 18 % × 3,000.00 = 540.00
     gift package 10 washes × 35.00 + 2 maintenance × 280.00 = 910.00, approved;
     4 washes redeemed at a real 30.00 → cost now 910.00 − 4 × 35.00 + 4 × 30.00 = 890.00
     a rejected rebate of 500.00 (not given: not counted)
     a claim settled at 6,800.00 → margin 30 % = 2,040.00
     profit 540.00 − 890.00 + 2,040.00 = 1,690.00
  P2 CTPL, issuer a-issuer: commission 4 % × 806.60 = 32.26
     a pending rebate of 100.00 (money given: counted); a claim still at the report step (not settled)
     profit 32.26 − 100.00 = −67.74
  P3 non-motor, issuer a-supervisor: commission 25 % × 200.00 = 50.00
     cancelled with 106.00 of its 212.00 refunded → 25.00 clawed back
     profit 50.00 − 25.00 = 25.00
  store A: motor 572.26 + non-motor 50.00 − 25.00 − 990.00 + 2,040.00 = 1,647.26
store B:
  P4 commercial, issuer b-issuer: 540.00 − an approved rebate of 300.00 = 240.00
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from chexian.catalog.models import Coverage
from chexian.claims.choices import Step
from chexian.claims.testing import claims_crew, open_case, walk_to
from chexian.commissions.profit import policy_rows, profit
from chexian.incentives import services as incentive_services
from chexian.incentives.tests.factories import (
    approve,
    catalogue,
    gift_package,
    policy_of,
    rebate,
    reject,
    store_contract,
)
from chexian.policies import services as policy_services
from chexian.policies.choices import CancellationReason, PolicyLine
from chexian.policies.services import CoverageInput

pytestmark = pytest.mark.django_db
D = Decimal
PARTS = ("motor_commission", "non_motor_commission", "clawback", "gifts", "repair_settled", "repair_margin",
         "profit")


def parts(row) -> tuple:
    return tuple(row[key] for key in PARTS)


@pytest.fixture
def example(cast):
    crew = claims_crew(cast)
    store_contract(cast, cast.store_a)
    store_contract(cast, cast.store_b)
    items = catalogue(cast.a_supervisor, cast.store_a)

    p1 = policy_of(cast.a_issuer, cast.store_a, PolicyLine.COMMERCIAL)
    package = approve(cast.a_supervisor, gift_package(cast.a_issuer, p1, [(items["wash"], 10),
                                                                         (items["maintenance"], 2)]))
    incentive_services.redeem(actor=cast.a_dept, line=package.lines.get(item=items["wash"]), quantity=4,
                              unit_cost=D("30.00"))
    reject(cast.a_supervisor, rebate(cast.a_issuer, p1, "500.00"))
    walk_to(open_case(crew.adjuster, cast.store_a, vehicle=p1.vehicle), Step.SIGNING, crew.adjuster,
            settlement={"settlement_amount": D("6800.00"), "insurer_amount": D("6800.00"),
                        "third_party_amount": D("0.00")})

    p2 = policy_of(cast.a_issuer, cast.store_a, PolicyLine.CTPL)
    rebate(cast.a_issuer, p2, "100.00")
    open_case(crew.adjuster, cast.store_a, vehicle=p2.vehicle)

    p3 = policy_of(cast.a_supervisor, cast.store_a, PolicyLine.NON_MOTOR, premium=D("212.00"),
                   premium_without_vat=D("200.00"), vat=D("12.00"), vehicle_tax=D("0"),
                   coverages=[CoverageInput(Coverage.objects.get(code="driver_passenger_accident"), D("212.00"),
                                            limit=D("100000"))])
    policy_services.cancel_policy(actor=cast.a_supervisor, policy=p3, reason=CancellationReason.POLICYHOLDER_REQUEST,
                                  effective_date=timezone.localdate(), refund_amount=D("106.00"))

    p4 = policy_of(cast.b_issuer, cast.store_b, PolicyLine.COMMERCIAL)
    approve(cast.b_supervisor, rebate(cast.b_issuer, p4, "300.00"))
    for policy in (p1, p2, p3, p4):
        policy.refresh_from_db()
    return p1, p2, p3, p4


def period():
    today = timezone.localdate()
    return today.replace(year=today.year - 1), today


def test_profit_per_policy_shows_every_part(cast, example):
    p1, p2, p3, _p4 = example
    assert (p1.commission_amount, p2.commission_amount, p3.commission_amount) == (D("540.00"), D("32.26"),
                                                                                 D("50.00"))
    from chexian.commissions.profit import cents

    rows = {row["pk"]: row for row in cents(policy_rows(cast.a_supervisor, *period()))}
    assert set(rows) == {p1.pk, p2.pk, p3.pk}
    assert parts(rows[p1.pk]) == (D("540.00"), D("0.00"), D("0.00"), D("890.00"), D("6800.00"), D("2040.00"),
                                  D("1690.00"))
    assert parts(rows[p2.pk]) == (D("32.26"), D("0.00"), D("0.00"), D("100.00"), D("0.00"), D("0.00"),
                                  D("-67.74"))
    assert parts(rows[p3.pk]) == (D("0.00"), D("50.00"), D("25.00"), D("0.00"), D("0.00"), D("0.00"), D("25.00"))


def test_profit_per_specialist_store_and_month(cast, example):
    p1, *_rest = example
    by_issuer = {row["issuer__username"]: row for row in profit(cast.a_supervisor, *period(), by="issuer")["rows"]}
    assert set(by_issuer) == {"a-issuer", "a-supervisor"}
    assert by_issuer["a-issuer"]["policies"] == 2
    assert parts(by_issuer["a-issuer"]) == (D("572.26"), D("0.00"), D("0.00"), D("990.00"), D("6800.00"),
                                            D("2040.00"), D("1622.26"))
    assert parts(by_issuer["a-supervisor"]) == (D("0.00"), D("50.00"), D("25.00"), D("0.00"), D("0.00"),
                                                D("0.00"), D("25.00"))
    figures = profit(cast.a_supervisor, *period(), by="month")
    [month] = figures["rows"]
    assert (month["month"].year, month["month"].month) == (p1.issued_on.year, p1.issued_on.month)
    store_a = (D("572.26"), D("50.00"), D("25.00"), D("990.00"), D("6800.00"), D("2040.00"), D("1647.26"))
    assert parts(month) == parts(figures["totals"]) == store_a
    # The group office sees both stores; store B's own supervisor only B.
    by_store = {row["store__code"]: row for row in profit(cast.office, *period(), by="store")["rows"]}
    assert parts(by_store["A01"]) == store_a
    assert by_store["B01"]["profit"] == D("240.00")
    assert profit(cast.b_supervisor, *period())["totals"]["profit"] == D("240.00")
    assert all(value.as_tuple().exponent == -2 for value in parts(figures["totals"]))


def test_profit_page_shows_the_parts_scoped_and_pinned(client, cast, example, django_assert_max_num_queries):
    client.force_login(cast.a_supervisor)
    since, until = period()
    for by in ("month", "issuer", "store", "policy"):
        # session, user, roles, grouped rows (or count and page), totals, the store filter's choices
        with django_assert_max_num_queries(7):
            response = client.get(reverse("commissions:profit"), {"since": since.isoformat(), "by": by})
        assert response.status_code == 200
        assert response.context["figures"]["totals"]["profit"] == D("1647.26")
        text = response.content.decode()
        assert "Accident-repair margin" in text and "Gifts and rebates at cost" in text and "1647.26" in text
    assert len(response.context["page"].object_list) == 3
    client.force_login(cast.a_issuer)  # the desk sees its commission, not the profit
    assert client.get(reverse("commissions:profit")).status_code == 403
    client.force_login(cast.b_supervisor)
    response = client.get(reverse("commissions:profit"), {"since": since.isoformat(), "store": cast.store_a.pk})
    assert response.context["figures"]["totals"]["profit"] == D("240.00")  # store A is not theirs: ignored
