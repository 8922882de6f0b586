"""Likelihood to renew (SPEC §3.4): a logistic regression fitted on the store's own
history, explained in words on every case, and measured on a holdout.

**Examples** are the store's past renewal opportunities, read from its policies:
each *period* of a vehicle at the store (its CTPL and commercial policies ending
within ``PERIOD_DAYS`` of each other) that has ended is one example; it was
**renewed** when the vehicle's next period at the store starts no earlier than
``EARLY_RENEWAL_DAYS`` before the end and at most ``GRACE_DAYS`` after it.

**Features** (as of the end of the period, so past and open cases are described
alike): earlier renewals at the store, earlier periods at the store, the segment
(first renewal of a car sold here, renewed here last year too, transferred in),
the log of the premium at stake, a commercial policy in the period, a new-energy
car, a car of the store's brand, a car sold here, consent to contact, and the
service visits — the vehicle's service orders (``aftersales``) opened in the 365
days up to the end of the period: a car that comes here for service renews here
more often — and claims: the vehicle's claim cases at the store (``claims``) with
an accident in those 365 days. Contact outcomes are not used: past periods had no
recorded calls, so the feature would be zero in every training example.

**Model**: logistic regression with a small L2 penalty, fitted by Newton's method
(IRLS) in plain Python — eleven features and at most ``MAX_EXAMPLES`` examples per
store. A stored model keeps the list of features it was fitted on and is read
by it, so a model fitted before a feature was added still scores until the
weekly refit. A store with fewer than ``MIN_EXAMPLES`` examples (or too few of either
outcome) uses the model fitted on the whole group; without that, the base rate.

**Holdout**: the latest ``HOLDOUT_SHARE`` of the examples by end date are kept out
of the fit and scored: AUC and a calibration table (predicted vs observed by
band) are stored with the model and shown on the rules page.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import TruncDate
from django.utils import timezone

from chexian.customers.models import Vehicle
from chexian.policies.choices import BusinessType, PolicyLine, PolicyStatus
from chexian.policies.models import Policy
from chexian.renewals.choices import CaseStatus
from chexian.renewals.models import RenewalCase, RenewalModel

PERIOD_DAYS = 60
EARLY_RENEWAL_DAYS = 60
GRACE_DAYS = 30
MIN_EXAMPLES = 200
MIN_PER_CLASS = 20
MAX_EXAMPLES = 20_000
HOLDOUT_SHARE = 0.2
L2 = 1.0
FEATURES = ("prior_renewals", "prior_periods", "new_car_second_year", "renewed_again", "log_premium",
            "has_commercial", "new_energy", "own_brand", "sold_here", "consents", "service_visits",
            "claims")
SERVICE_WINDOW_DAYS = 365  # service visits counted: those in the year up to the end of the period
# How each feature reads on a case, in both languages (the page shows the one of the user).
WORDS = {
    "prior_renewals": ("此前在本店续保 {v} 次", "renewed here {v} times before"),
    "prior_periods": ("在本店投保 {v} 年", "insured here {v} years"),
    "new_car_second_year": ("本店售出新车的首次续保", "first renewal of a car sold here"),
    "renewed_again": ("上年也在本店续保", "renewed here last year too"),
    "log_premium": ("应续保费 ¥{premium}", "premium at stake ¥{premium}"),
    "has_commercial": ("上年投保了商业险", "had commercial cover"),
    "new_energy": ("新能源车", "new-energy car"),
    "own_brand": ("本品牌车", "a car of the store's brand"),
    "sold_here": ("在本店购车", "bought here"),
    "consents": ("同意联系", "consents to contact"),
    "service_visits": ("过去一年来店 {v} 次", "visited for service {v} times in the last year"),
    "claims": ("过去一年出险 {v} 次", "{v} claim(s) in the last year"),
}


@dataclass
class Period:
    store_id: int
    vehicle_id: int
    start: dt.date
    end: dt.date
    premium: float
    business_type: str
    has_commercial: bool


def _periods(store_ids, cases=None) -> dict[tuple[int, int], list[Period]]:
    """Every vehicle's periods at its store, in order (one query per store); only
    the vehicles of ``cases`` (a RenewalCase queryset) when given."""
    result: dict[tuple[int, int], list[Period]] = {}
    for store_id in store_ids:
        rows = Policy.objects.filter(store_id=store_id, line__in=[PolicyLine.CTPL, PolicyLine.COMMERCIAL])
        if cases is not None:
            rows = rows.filter(vehicle_id__in=cases.filter(store_id=store_id).values("vehicle_id"))
        rows = (
            rows.exclude(status=PolicyStatus.CANCELLED)
            .order_by("vehicle_id", "end_date", "line")
            .values_list("vehicle_id", "line", "start_date", "end_date", "premium", "business_type")
        )
        current: Period | None = None
        for vehicle_id, line, start, end, premium, business_type in rows.iterator(chunk_size=5000):
            key = (store_id, vehicle_id)
            if current is not None and current.vehicle_id == vehicle_id and (end - current.end).days <= PERIOD_DAYS:
                current.premium += float(premium)
                current.start = min(current.start, start)
                current.has_commercial |= line == PolicyLine.COMMERCIAL
                continue
            current = Period(store_id, vehicle_id, start, end, float(premium), business_type,
                             line == PolicyLine.COMMERCIAL)
            result.setdefault(key, []).append(current)
    return result


def _vehicle_facts(store_ids) -> dict[int, tuple[bool, bool, bool, bool]]:
    return {
        pk: (bool(nev), bool(own), bool(sold), bool(consent))
        for pk, nev, own, sold, consent in Vehicle.objects.filter(store_id__in=list(store_ids)).values_list(
            "pk", "is_new_energy", "is_own_brand", "sold_here", "owner__consent_outreach")
    }


# Per vehicle: the days it had service orders, and the running count of orders up to each.
Visits = tuple[list[dt.date], list[int]]


def _service_visits(store_ids, cases=None) -> dict[int, Visits]:
    """Every vehicle's service orders by day; only the vehicles of ``cases`` (a
    RenewalCase queryset) when given."""
    from chexian.aftersales.models import ServiceOrder

    return _by_day(ServiceOrder.objects.all(), F("opened_on"), store_ids, cases)


def _claims(store_ids, cases=None) -> dict[int, Visits]:
    """Every vehicle's claim cases at the store by accident day (Beijing time)."""
    from chexian.claims.models import ClaimCase

    return _by_day(ClaimCase.objects.exclude(step="withdrawn"),
                   TruncDate("accident_at", tzinfo=timezone.get_default_timezone()), store_ids, cases)


def _by_day(queryset, day, store_ids, cases=None) -> dict[int, Visits]:
    """Rows per vehicle and day, with running counts (one aggregate query per store)."""
    result: dict[int, Visits] = {}
    for store_id in store_ids:
        rows = queryset.filter(store_id=store_id)
        if cases is not None:
            rows = rows.filter(vehicle_id__in=cases.filter(store_id=store_id).values("vehicle_id"))
        rows = (rows.annotate(day=day).values_list("vehicle_id", "day").annotate(n=Count("pk"))
                .order_by("vehicle_id", "day"))
        for vehicle_id, day_seen, n in rows.iterator(chunk_size=5000):
            days, running = result.setdefault(vehicle_id, ([], []))
            days.append(day_seen)
            running.append((running[-1] if running else 0) + n)
    return result


def visits_before(visits: Visits | None, end: dt.date) -> int:
    """Service orders opened in the ``SERVICE_WINDOW_DAYS`` days up to ``end`` (included)."""
    if not visits:
        return 0
    days, running = visits
    last = bisect.bisect_right(days, end)
    first = bisect.bisect_right(days, end - dt.timedelta(days=SERVICE_WINDOW_DAYS))
    return (running[last - 1] if last else 0) - (running[first - 1] if first else 0)


def features(history: list[Period], index: int, facts, visits: Visits | None = None,
             claims: Visits | None = None) -> dict[str, float]:
    period = history[index]
    earlier = history[:index]
    nev, own, sold, consent = facts
    return {
        "prior_renewals": float(sum(1 for p in earlier if p.business_type == BusinessType.RENEWAL)),
        "prior_periods": float(len(earlier)),
        "new_car_second_year": float(period.business_type == BusinessType.NEW_CAR),
        "renewed_again": float(period.business_type == BusinessType.RENEWAL),
        "log_premium": math.log1p(period.premium),
        "has_commercial": float(period.has_commercial),
        "new_energy": float(nev),
        "own_brand": float(own),
        "sold_here": float(sold),
        "consents": float(consent),
        "service_visits": float(visits_before(visits, period.end)),
        "claims": float(visits_before(claims, period.end)),
    }


def renewed(history: list[Period], index: int) -> bool | None:
    """Whether period ``index`` was renewed at the store; None while it may still be."""
    period = history[index]
    for later in history[index + 1:]:
        if period.end - dt.timedelta(days=EARLY_RENEWAL_DAYS) <= later.start <= period.end + dt.timedelta(
                days=GRACE_DAYS):
            return True
    return None if period.end + dt.timedelta(days=GRACE_DAYS) >= timezone.localdate() else False


def examples(store_ids, today: dt.date):
    """(store id, end date, features, renewed) for every finished period."""
    periods = _periods(store_ids)
    facts = _vehicle_facts(store_ids)
    visits = _service_visits(store_ids)
    claims = _claims(store_ids)
    out = []
    for (store_id, vehicle_id), history in periods.items():
        for index, period in enumerate(history):
            if period.end >= today:
                continue
            label = renewed(history, index)
            if label is None:
                continue
            row = features(history, index, facts.get(vehicle_id, (0, 0, 0, 0)), visits.get(vehicle_id),
                           claims.get(vehicle_id))
            out.append((store_id, period.end, row, label))
    return out


# ---------------------------------------------------------------- the model
def _vector(row: dict[str, float], means, scales, names=FEATURES) -> list[float]:
    return [1.0] + [(row[name] - means[i]) / scales[i] for i, name in enumerate(names)]


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (a is small and positive definite)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            factor = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= factor * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -35 else 0.0


def fit(rows: list[tuple[dict, bool]], iterations: int = 12) -> dict:
    """Weights of a logistic regression on standardised features (Newton / IRLS)."""
    n = len(rows)
    means = [sum(r[name] for r, _y in rows) / n for name in FEATURES]
    scales = []
    for i, name in enumerate(FEATURES):
        variance = sum((r[name] - means[i]) ** 2 for r, _y in rows) / n
        scales.append(math.sqrt(variance) or 1.0)
    xs = [_vector(r, means, scales) for r, _y in rows]
    ys = [1.0 if y else 0.0 for _r, y in rows]
    d = len(FEATURES) + 1
    w = [0.0] * d
    for _ in range(iterations):
        gradient = [0.0] * d
        hessian = [[0.0] * d for _ in range(d)]
        for x, y in zip(xs, ys, strict=True):
            p = _sigmoid(sum(wi * xi for wi, xi in zip(w, x, strict=True)))
            s = p * (1 - p)
            for i in range(d):
                gradient[i] += (p - y) * x[i]
                xi_s = x[i] * s
                row = hessian[i]
                for j in range(i, d):
                    row[j] += xi_s * x[j]
        for i in range(d):
            for j in range(i):
                hessian[i][j] = hessian[j][i]
            if i:  # no penalty on the intercept
                gradient[i] += L2 * w[i]
                hessian[i][i] += L2
        step = _solve(hessian, gradient)
        w = [wi - si for wi, si in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return {"weights": w, "means": means, "scales": scales, "features": list(FEATURES)}


def predict(model: dict, row: dict[str, float]) -> float:
    if not model.get("weights"):
        return model.get("base_rate", 0.5)
    x = _vector(row, model["means"], model["scales"], model.get("features", FEATURES))
    return _sigmoid(sum(wi * xi for wi, xi in zip(model["weights"], x, strict=True)))


def auc(scored: list[tuple[float, bool]]) -> float | None:
    """Area under the ROC curve (Mann–Whitney, ties counted half)."""
    positives = sum(1 for _s, y in scored if y)
    negatives = len(scored) - positives
    if not positives or not negatives:
        return None
    ranked = sorted(scored, key=lambda item: item[0])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        average_rank = (i + j + 1) / 2  # ranks i+1 … j
        rank_sum += average_rank * sum(1 for _s, y in ranked[i:j] if y)
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def calibration(scored: list[tuple[float, bool]], bands: int = 5) -> list[dict]:
    """Predicted against observed renewal rate in bands of equal size, lowest scores first."""
    ranked = sorted(scored, key=lambda item: item[0])
    table = []
    for band in range(bands):
        part = ranked[band * len(ranked) // bands:(band + 1) * len(ranked) // bands]
        if part:
            table.append({"cases": len(part), "predicted": round(sum(s for s, _y in part) / len(part), 3),
                          "observed": round(sum(1 for _s, y in part if y) / len(part), 3)})
    return table


def _train(data: list[tuple[dt.date, dict, bool]]) -> dict:
    data = sorted(data, key=lambda item: item[0])
    if len(data) > MAX_EXAMPLES:  # keep the most recent ones
        data = data[-MAX_EXAMPLES:]
    cut = int(len(data) * (1 - HOLDOUT_SHARE))
    train, holdout = data[:cut], data[cut:]
    labels = [y for _d, _r, y in train]
    base_rate = sum(labels) / len(labels) if labels else 0.5
    if len(train) < MIN_EXAMPLES or min(sum(labels), len(labels) - sum(labels)) < MIN_PER_CLASS:
        return {"base_rate": base_rate, "n_train": len(train), "n_holdout": 0}
    model = fit([(r, y) for _d, r, y in train])
    scored = [(predict(model, r), y) for _d, r, y in holdout]
    model.update(base_rate=base_rate, n_train=len(train), n_holdout=len(holdout), auc=auc(scored),
                 calibration=calibration(scored))
    return model


def train_models(group, today: dt.date | None = None) -> list[RenewalModel]:
    """Fit the group's model and one per store with enough history; replace the stored ones."""
    today = today or timezone.localdate()
    store_ids = list(group.stores.filter(is_active=True).values_list("pk", flat=True))
    data = examples(store_ids, today)
    by_store: dict[int, list] = defaultdict(list)
    for store_id, end, row, label in data:
        by_store[store_id].append((end, row, label))
    random.Random(2026).shuffle(data)  # noqa: S311 (no security use: an even mix for the group model)
    models = [RenewalModel(group=group, store_id=None, trained_on=today,
                           parameters=_train([(end, row, label) for _s, end, row, label in data]))]
    for store_id, rows in by_store.items():
        parameters = _train(rows)
        if parameters.get("weights"):
            models.append(RenewalModel(group=group, store_id=store_id, trained_on=today, parameters=parameters))
    with transaction.atomic():
        RenewalModel.objects.filter(group=group).delete()
        return RenewalModel.objects.bulk_create(models)


# Counts read better in words when they are zero.
WORDS_WHEN_ZERO = {
    "prior_renewals": ("从未在本店续保", "never renewed here"),
    "prior_periods": ("首年在本店投保", "first year insured here"),
    "service_visits": ("过去一年未来店维修保养", "no service visit in the last year"),
}


def explain(model: dict, row: dict[str, float], premium) -> tuple[list[str], list[str]]:
    """The facts that move this case's score most, in words (Chinese, English), strongest first."""
    if not model.get("weights"):
        return [], []
    contributions = []
    for i, name in enumerate(model.get("features", FEATURES)):
        value = row[name]
        if name not in ("log_premium", *WORDS_WHEN_ZERO) and not value:
            continue
        effect = model["weights"][i + 1] * (value - model["means"][i]) / model["scales"][i]
        contributions.append((abs(effect), effect, name, value))
    contributions.sort(reverse=True)
    zh, en = [], []
    for _size, effect, name, value in contributions[:3]:
        sign = "+" if effect > 0 else "−"
        word_zh, word_en = WORDS_WHEN_ZERO[name] if name in WORDS_WHEN_ZERO and not value else WORDS[name]
        params = {"v": int(value), "premium": f"{premium:,.0f}"}
        zh.append(f"{sign} {word_zh.format(**params)}")
        en.append(f"{sign} {word_en.format(**params)}")
    return zh, en


def score_open_cases(today: dt.date | None = None, *, only_unscored: bool = False) -> int:
    """Score the open cases (only those without a score yet, if asked) with their
    store's model, else the group's; returns how many were scored."""
    today = today or timezone.localdate()
    models = {(m.group_id, m.store_id): m.parameters for m in RenewalModel.objects.all()}
    if not models:
        return 0
    open_cases = RenewalCase.objects.filter(status=CaseStatus.OPEN)
    if only_unscored:
        open_cases = open_cases.filter(likelihood__isnull=True)
    cases = list(open_cases.values_list(
        "pk", "store_id", "store__group_id", "vehicle_id", "due_date", "expiring_premium"))
    if not cases:
        return 0
    store_ids = {c[1] for c in cases}
    periods = _periods(store_ids, open_cases)
    facts = _vehicle_facts(store_ids)
    visits = _service_visits(store_ids, open_cases)
    claims = _claims(store_ids, open_cases)
    updates = []
    for pk, store_id, group_id, vehicle_id, due, premium in cases:
        model = models.get((group_id, store_id)) or models.get((group_id, None))
        if model is None:
            continue
        history = periods.get((store_id, vehicle_id), [])
        index = next((i for i, p in enumerate(history) if abs((p.end - due).days) <= PERIOD_DAYS), None)
        if index is None:
            continue
        row = features(history, index, facts.get(vehicle_id, (0, 0, 0, 0)), visits.get(vehicle_id),
                       claims.get(vehicle_id))
        zh, en = explain(model, row, premium)
        updates.append(RenewalCase(pk=pk, likelihood=round(predict(model, row), 3),
                                   likelihood_reasons={"zh": zh, "en": en}))
    RenewalCase.objects.bulk_update(updates, ["likelihood", "likelihood_reasons"], batch_size=1000)
    return len(updates)
