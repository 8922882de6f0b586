"""The one-CTPL-per-vehicle rule under two truly concurrent transactions."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from chexian.core.testing import make_vehicle
from chexian.policies import services
from chexian.policies.models import Policy
from chexian.policies.tests.factories import active_contract, policy_input

# Transactional: the threads need their own connections. The root conftest reseeds.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_parallel_overlapping_ctpl_issues_only_one_succeeds(cast):
    active_contract(cast, cast.store_a)
    vehicle = make_vehicle(cast.a_issuer, cast.store_a, purchase_date=dt.date(2025, 3, 1))
    inputs = [policy_input(vehicle, start=dt.date(2026, 3, 1)), policy_input(vehicle, start=dt.date(2026, 6, 1))]
    barrier = threading.Barrier(2)
    outcomes = []

    def issue(data):
        try:
            barrier.wait(timeout=10)
            services.issue_policy(actor=cast.a_issuer, data=data)
            outcomes.append("issued")
        except ValidationError as exc:
            outcomes.append(exc.message_dict)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(d,)) for d in inputs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(map(str, outcomes)).count("issued") == 1, outcomes
    assert Policy.objects.filter(vehicle=vehicle).count() == 1


def test_the_database_itself_refuses_an_overlapping_ctpl(cast):
    """Even a write that bypasses the service cannot create the overlap."""
    from django.db import IntegrityError, transaction

    active_contract(cast, cast.store_a)
    vehicle = make_vehicle(cast.a_issuer, cast.store_a, purchase_date=dt.date(2025, 3, 1))
    policy = services.issue_policy(actor=cast.a_issuer, data=policy_input(vehicle, start=dt.date(2026, 3, 1)))
    policy.pk = None
    policy.number = "DIRECT-INSERT"
    policy.start_date = dt.date(2026, 8, 1)
    policy.end_date = dt.date(2027, 7, 31)
    with pytest.raises(IntegrityError), transaction.atomic():
        policy.save()
    assert connection.vendor == "postgresql"
