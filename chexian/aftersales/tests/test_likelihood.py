"""The likelihood to renew reads the service visits: the count in the year up to a
period's end, learned from the store's history and given as a reason on a case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from chexian.core.testing import make_service_order, make_vehicle
from chexian.policies.services import one_year_end
from chexian.policies.tests.factories import active_contract, make_policy
from chexian.renewals import likelihood, services
from chexian.renewals.models import RenewalCase


def test_visits_are_counted_in_the_year_up_to_the_end_of_the_period():
    end = dt.date(2026, 6, 30)
    days = [dt.date(2025, 6, 30), dt.date(2025, 7, 1), dt.date(2026, 1, 5), dt.date(2026, 6, 30),
            dt.date(2026, 7, 1)]
    visits = (days, [1, 3, 4, 5, 6])  # two orders on 2025-07-01
    assert likelihood.visits_before(visits, end) == 4  # 2025-07-01 (×2) … 2026-06-30; not 2025-06-30
    assert likelihood.visits_before(visits, dt.date(2025, 1, 1)) == 0
    assert likelihood.visits_before(None, end) == 0


@pytest.mark.django_db
def test_cars_that_come_for_service_score_higher_and_the_case_says_why(cast, monkeypatch, settings, tmp_path):
    """Cars serviced here in the year before their policy ended renewed; the others
    mostly did not. The model fitted on that ranks this year's serviced car first
    and names its visits."""
    settings.CHEXIAN_MESSAGE_LOG = tmp_path / "messages.log"
    monkeypatch.setattr(likelihood, "MIN_EXAMPLES", 20)
    monkeypatch.setattr(likelihood, "MIN_PER_CLASS", 5)
    active_contract(cast, cast.store_a, valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2030, 12, 31))
    today = timezone.localdate()
    for i in range(40):
        serviced = i % 2 == 0
        car = make_vehicle(cast.a_issuer, cast.store_a, engine_no=f"E{i}")
        start = today - dt.timedelta(days=720 - i)
        make_policy(cast.a_issuer, car, start=start, issued_on=start)
        end = one_year_end(start)
        if serviced:
            for before in (100, 200):
                make_service_order(cast.a_supervisor, car, opened_on=end - dt.timedelta(days=before))
        if serviced or i % 10 == 1:  # serviced cars renew, and a few of the others
            renewal = end + dt.timedelta(days=1)
            make_policy(cast.a_issuer, car, start=renewal, issued_on=renewal - dt.timedelta(days=5))
            if serviced:  # and keep coming this year
                for ago in (50, 20):
                    make_service_order(cast.a_supervisor, car, opened_on=today - dt.timedelta(days=ago))
    services.create_cases(today)
    group_model, store_model = likelihood.train_models(cast.group, today)
    weights = dict(zip(store_model.parameters["features"], store_model.parameters["weights"][1:], strict=True))
    assert weights["service_visits"] > 0.5
    assert likelihood.score_open_cases(today) == RenewalCase.objects.filter(status="open").count() == 24

    cases = RenewalCase.objects.filter(status="open").select_related("vehicle").order_by("-likelihood")
    top, bottom = cases.first(), cases.last()
    assert top.vehicle.service_orders.count() == 4 and not bottom.vehicle.service_orders.exists()
    assert top.likelihood > bottom.likelihood
    assert "+ visited for service 2 times in the last year" in top.likelihood_reasons["en"]
    assert "+ 过去一年来店 2 次" in top.likelihood_reasons["zh"]
    assert "− no service visit in the last year" in bottom.likelihood_reasons["en"]


def test_a_model_fitted_before_the_feature_existed_still_scores():
    """A stored model reads the features it was fitted on (until the weekly refit)."""
    old = {"weights": [0.1] + [0.0] * 9 + [1.0], "means": [0.0] * 10, "scales": [1.0] * 10,
           "features": list(likelihood.FEATURES[:likelihood.FEATURES.index("service_visits")])}
    row = dict.fromkeys(likelihood.FEATURES, 0.0) | {"consents": 1.0, "service_visits": 3.0}
    assert likelihood.predict(old, row) == pytest.approx(1 / (1 + pow(2.718281828459045, -1.1)))
    zh, en = likelihood.explain(old, row, 1000)
    assert en[0] == "+ consents to contact" and not any("service" in reason for reason in en)
