"""Likelihood to renew: the statistics are right, and a model fitted on a store's
history (policies issued through the real services) learns what drove it."""

import datetime as dt
import random

import pytest

from chexian.core.testing import make_vehicle
from chexian.policies.services import one_year_end
from chexian.policies.tests.factories import active_contract, make_policy
from chexian.renewals import likelihood, services
from chexian.renewals.models import RenewalCase, RenewalModel


def test_auc_counts_pairs_ranked_right_and_ties_as_half():
    assert likelihood.auc([(0.1, False), (0.2, False), (0.8, True), (0.9, True)]) == 1.0
    assert likelihood.auc([(0.9, False), (0.1, True)]) == 0.0
    assert likelihood.auc([(0.5, False), (0.5, True)]) == 0.5
    assert likelihood.auc([(0.2, False), (0.6, True), (0.4, False), (0.3, True)]) == 0.75
    assert likelihood.auc([(0.5, True)]) is None


def test_the_fit_finds_the_feature_that_drives_renewal():
    rng = random.Random(1)
    rows = []
    for _ in range(600):
        row = dict.fromkeys(likelihood.FEATURES, 0.0)
        row["own_brand"] = float(rng.random() < 0.5)
        row["log_premium"] = rng.uniform(6, 9)
        rows.append((row, rng.random() < (0.85 if row["own_brand"] else 0.25)))
    model = likelihood.fit(rows[:500])
    weights = dict(zip(likelihood.FEATURES, model["weights"][1:], strict=True))
    assert weights["own_brand"] > 0.8 and abs(weights["log_premium"]) < 0.3
    scored = [(likelihood.predict(model, r), y) for r, y in rows[500:]]
    assert likelihood.auc(scored) > 0.7
    low, high = likelihood.calibration(scored, bands=2)
    assert low["predicted"] < 0.4 < 0.7 < high["predicted"]
    assert abs(high["predicted"] - high["observed"]) < 0.15


@pytest.mark.django_db
def test_a_store_model_from_its_history_scores_and_explains_the_open_cases(cast, monkeypatch, settings, tmp_path):
    """Own-brand cars renewed at the store, the others did not: the model fitted
    on those years ranks this year's own-brand cases first and says why."""
    settings.CHEXIAN_MESSAGE_LOG = tmp_path / "messages.log"
    monkeypatch.setattr(likelihood, "MIN_EXAMPLES", 20)
    monkeypatch.setattr(likelihood, "MIN_PER_CLASS", 5)
    active_contract(cast, cast.store_a, valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2030, 12, 31))
    today = dt.date(2026, 11, 22)
    first_start = dt.date(2024, 12, 1)
    cars = []
    for i in range(40):
        own = i % 2 == 0
        car = make_vehicle(cast.a_issuer, cast.store_a, engine_no=f"E{i}", is_own_brand=own)
        start = first_start + dt.timedelta(days=i)
        make_policy(cast.a_issuer, car, start=start, issued_on=start)
        if own or i % 10 == 1:  # own-brand cars renew, and a few of the others
            renewal = one_year_end(start) + dt.timedelta(days=1)
            make_policy(cast.a_issuer, car, start=renewal, issued_on=renewal - dt.timedelta(days=5))
        cars.append(car)
    services.create_cases(today)
    (group_model, *store_models) = likelihood.train_models(cast.group, today)
    assert group_model.store_id is None and group_model.parameters["n_train"] >= 20
    assert store_models and store_models[0].store_id == cast.store_a.pk
    assert likelihood.score_open_cases(today) == RenewalCase.objects.filter(status="open").count() > 0

    scores = {c.vehicle.is_own_brand: c for c in RenewalCase.objects.filter(status="open").select_related("vehicle")}
    assert scores[True].likelihood > scores[False].likelihood
    assert any("brand" in reason for reason in scores[True].likelihood_reasons["en"])
    assert RenewalModel.objects.count() == len(store_models) + 1


@pytest.mark.django_db
def test_the_daily_job_scores_new_cases_and_rescores_only_after_a_refit(cast, monkeypatch, settings, tmp_path):
    settings.CHEXIAN_MESSAGE_LOG = tmp_path / "messages.log"
    active_contract(cast, cast.store_a, valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2030, 12, 31))
    today = dt.date(2026, 11, 22)
    car = make_vehicle(cast.a_issuer, cast.store_a, engine_no="E1")
    make_policy(cast.a_issuer, car, start=dt.date(2025, 12, 20), issued_on=dt.date(2025, 12, 15))
    services.renewal_day(today)  # no history to learn from: the group model is the base rate
    case = RenewalCase.objects.get()
    assert case.likelihood is not None
    scored = []
    original = likelihood.score_open_cases
    monkeypatch.setattr(likelihood, "score_open_cases",
                        lambda day, only_unscored: scored.append(only_unscored) or original(day, only_unscored=True))
    services.renewal_day(today + dt.timedelta(days=1))  # model fresh: only unscored cases
    services.renewal_day(today + dt.timedelta(days=8))  # a week old: refit, rescore all
    assert scored == [True, False]
