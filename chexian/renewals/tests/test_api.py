"""The renewal API: scoped to the user's stores, same rules as the pages."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from chexian.core.testing import make_vehicle
from chexian.policies.tests.factories import active_contract, make_policy
from chexian.renewals import services
from chexian.renewals.choices import CaseStatus
from chexian.renewals.models import ContactLog, RenewalCase

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def case(cast, settings, tmp_path):
    settings.CHEXIAN_MESSAGE_LOG = tmp_path / "messages.log"
    active_contract(cast, cast.store_a, valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2030, 12, 31))
    car = make_vehicle(cast.a_issuer, cast.store_a, engine_no="E1")
    make_policy(cast.a_issuer, car, start=timezone.localdate() + dt.timedelta(days=20) - dt.timedelta(days=364))
    services.renewal_day(timezone.localdate())
    return RenewalCase.objects.get()


def test_cases_are_listed_only_in_the_users_stores(cast, case):
    assert [c["id"] for c in api(cast.a_issuer).get("/api/renewal-cases/").json()["results"]] == [case.pk]
    assert api(cast.b_issuer).get("/api/renewal-cases/").json()["results"] == []
    assert api(cast.b_issuer).get(f"/api/renewal-cases/{case.pk}/").status_code == 404


def test_a_call_is_logged_and_a_loss_needs_its_reason(cast, case):
    client = api(cast.a_issuer)
    response = client.post(f"/api/renewal-cases/{case.pk}/contact/", {"outcome": "no_answer"}, format="json")
    assert response.status_code == 200 and response.json()["contacts"][0]["outcome"] == "no_answer"
    assert ContactLog.objects.count() == 1
    response = client.post(f"/api/renewal-cases/{case.pk}/lost/", {"reason": "nope"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = client.post(f"/api/renewal-cases/{case.pk}/lost/", {"reason": "moved_away"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == CaseStatus.LOST
    assert api(cast.a_dept).post(f"/api/renewal-cases/{case.pk}/contact/", {"outcome": "no_answer"},
                                 format="json").status_code == 403
