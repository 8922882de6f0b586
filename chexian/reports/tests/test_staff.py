"""Staff efficiency (人效, SPEC §3.11) on a small data set built through the real services:

October 2026 at store A (contract rates CTPL 4 %, commercial 18 % of the premium without VAT):
  a-issuer:     2 commercial (3,180.00 premium, 540.00 commission each) and 1 CTPL renewal (855.00,
                32.26) → 3 policies, 1 renewal, 7,215.00 premium, 1,112.26 commission; a fourth policy
                issued and cancelled does not count
  a-supervisor: 1 commercial → 1 policy, 3,180.00, 540.00
  a-issuer-2:   nothing — but a commercial policy in October 2025
  store A:      4 policies, 10,395.00 premium, 1,652.26 commission; 2 people issued → 826.13 each
October 2025: a-issuer's CTPL (855.00, 32.26) and a-issuer-2's commercial (3,180.00, 540.00).
Store B: one commercial policy by b-issuer in October 2026.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chexian.core.testing import make_user, make_vehicle
from chexian.org.choices import Role
from chexian.policies import services as policy_services
from chexian.policies.choices import BusinessType, CancellationReason, PolicyLine
from chexian.policies.tests.factories import active_contract, make_policy
from chexian.reports import engine
from chexian.reports.engine import Rate, Scope
from chexian.reports.periods import Period

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 22)
_engines = iter(range(1, 1_000_000))


def run(user, period="2026-10", store="A01"):
    return engine.get("staff_efficiency").run(Scope.for_user(user, store_code=store),
                                              Period.parse(period, today=TODAY), today=TODAY)


def issue(issuer, store, day, line=PolicyLine.COMMERCIAL, vehicle=None):
    vehicle = vehicle or make_vehicle(issuer, store, engine_no=f"SE{next(_engines):06d}")
    return make_policy(issuer, vehicle, line=line, start=day, issued_on=day)


@pytest.fixture
def team(cast):
    for store in (cast.store_a, cast.store_b):
        active_contract(cast, store, valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2027, 12, 31))
    second = make_user("a-issuer-2", Role.ISSUER, cast.store_a)
    a = cast.store_a
    last_year_ctpl = issue(cast.a_issuer, a, dt.date(2025, 10, 10), PolicyLine.CTPL)
    issue(second, a, dt.date(2025, 10, 20))
    issue(cast.a_issuer, a, dt.date(2026, 10, 3))
    issue(cast.a_issuer, a, dt.date(2026, 10, 17))
    renewal = issue(cast.a_issuer, a, dt.date(2026, 10, 10), PolicyLine.CTPL, vehicle=last_year_ctpl.vehicle)
    assert renewal.business_type == BusinessType.RENEWAL
    cancelled = issue(cast.a_issuer, a, dt.date(2026, 10, 21))
    policy_services.cancel_policy(actor=cast.a_supervisor, policy=cancelled, reason=CancellationReason.DUPLICATE,
                                  effective_date=dt.date(2026, 10, 21), refund_amount=cancelled.premium)
    issue(cast.a_supervisor, a, dt.date(2026, 10, 25))
    issue(cast.b_issuer, cast.store_b, dt.date(2026, 10, 5))
    return second


def test_staff_efficiency_per_person_with_shares_and_the_same_period_last_year(cast, team):
    result = run(cast.a_supervisor)
    keys = ("policies", "renewals", "premium", "commission", "ly_policies", "ly_premium", "ly_commission")
    assert [(row["label"], *(row[key] for key in keys)) for row in result.rows] == [
        ("a-issuer", 3, 1, D("7215.00"), D("1112.26"), 1, D("855.00"), D("32.26")),
        ("a-supervisor", 1, 0, D("3180.00"), D("540.00"), 0, D("0.00"), D("0.00")),
        ("a-issuer-2", 0, 0, D("0.00"), D("0.00"), 1, D("3180.00"), D("540.00")),
    ]
    shares = [row["share"] for row in result.rows]
    assert shares == [Rate(D("1112.26"), D("1652.26")), Rate(D("540.00"), D("1652.26")), Rate(D("0.00"),
                                                                                              D("1652.26"))]
    assert [str(share.value) for share in shares] == ["67.3", "32.7", "0.0"]
    assert result.rows[0]["vs_last_year"] == Rate(D("1112.26"), D("32.26"))
    assert result.rows[1]["vs_last_year"].value is None  # nothing last year: "—", never 0 %
    found = {figure.key: figure for figure in result.figures}
    assert (found["policies"].value, found["premium"].value, found["commission"].value) == (
        4, D("10395.00"), D("1652.26"))
    assert (found["people"].value, found["per_person"].value) == (2, D("826.13"))
    # 同期对比: October 2025 had 2 policies and 572.26 commission; September 2026 none.
    assert (found["policies"].last_year, found["commission"].last_year) == (2, D("572.26"))
    assert (found["policies"].previous, found["per_person"].previous) == (0, None)
    [chart] = result.charts
    assert chart.kind == "hbar" and chart.categories == ["a-issuer", "a-supervisor", "a-issuer-2"]
    assert chart.series[0]["data"] == [D("1112.26"), D("540.00"), D("0.00")]
    assert result.totals["share"] == Rate(D("1652.26"), D("1652.26"))
    queryset, _columns = engine.get("staff_efficiency").drill(result.ctx, "policies")
    assert queryset.count() == 4
    assert result.as_json()["rows"][0]["share"] == {"numerator": "1112.26", "denominator": "1652.26",
                                                    "rate": "67.3"}


def test_staff_efficiency_of_store_b_shows_none_of_store_a(cast, team):
    result = run(cast.b_supervisor, store="B01")
    assert [(row["label"], row["policies"], row["share"]) for row in result.rows] == [
        ("b-issuer", 1, Rate(D("540.00"), D("540.00")))]


def test_staff_efficiency_runs_in_one_grouped_query_per_period(cast, team, django_assert_max_num_queries):
    report = lambda: run(cast.a_supervisor)  # noqa: E731
    report()
    with CaptureQueriesContext(connection) as before:
        report()
    for day in (1, 2, 3):
        issue(team, cast.store_a, dt.date(2026, 10, day))
        issue(cast.a_supervisor, cast.store_a, dt.date(2025, 10, day))
    # The scope's stores, then one grouped query for the period (with last year's), one for the previous
    # period's figures and one for last year's.
    with django_assert_max_num_queries(4), CaptureQueriesContext(connection) as after:
        result = report()
    assert len(after) == len(before) == 4
    assert {row["label"]: row["policies"] for row in result.rows}["a-issuer-2"] == 3
