"""Two people can never use the same serial, under two truly concurrent uses (PostgreSQL).

Two holders' sessions try to use one form at the same moment; the row lock in
``services.use`` queues the second, which then sees the form used and is refused."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from chexian.blankforms import services
from chexian.blankforms.choices import FormKind, FormStatus
from chexian.blankforms.models import BlankForm, FormMovement
from chexian.blankforms.tests.factories import receive
from chexian.core.testing import make_vehicle
from chexian.policies.tests.factories import active_contract, make_policy

# Transactional: each thread has its own connection. The root conftest reseeds the insurers.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_uses_of_one_serial_at_the_same_moment_one_wins(cast):
    assert connection.vendor == "postgresql"
    active_contract(cast, cast.store_a)
    receive(cast.a_supervisor, cast.store_a, 1, 1)
    form = BlankForm.objects.get(serial="JQ00000001")
    services.issue(actor=cast.a_supervisor, form=form, holder=cast.a_issuer)
    policies = [make_policy(cast.a_issuer, make_vehicle(cast.a_issuer, cast.store_a)) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def use(policy):
        try:
            barrier.wait(timeout=10)
            services.use(actor=cast.a_issuer, form=form, policy=policy)
            outcomes.append("used")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=use, args=(policy,)) for policy in policies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes.count("used") == 1, outcomes
    [refused] = [outcome for outcome in outcomes if outcome != "used"]
    assert "JQ00000001" in refused and "already used" in refused
    form.refresh_from_db()
    assert form.status == FormStatus.USED and form.policy in policies
    assert FormMovement.objects.filter(form=form, to_status=FormStatus.USED).count() == 1
    assert form.kind == FormKind.COMPULSORY_POLICY
