"""A case is never paid twice, under two truly concurrent matchings (PostgreSQL).

Two people match two different lines (so neither waits for the other's line
lock) to the same case at the same moment, each for the whole amount due: the
case's row lock in ``claims.services.apply_payment`` queues the second, which
then sees the case paid and is refused."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from chexian.claims.testing import claims_crew
from chexian.insurers.models import Insurer
from chexian.remittances import services
from chexian.remittances.models import Allocation, RemittanceLine
from chexian.remittances.tests.factories import a_case, remit

# Transactional: each thread has its own connection. The root conftest reseeds the insurers.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_lines_matched_to_one_case_at_the_same_moment_pay_it_once(cast):
    assert connection.vendor == "postgresql"
    crew = claims_crew(cast)
    picc = Insurer.objects.get(code="PICC")
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    remittance = remit(crew.finance, cast.store_a, picc, (case.report_no, "5000.00"), ("RDAA-AGAIN", "5000.00"))
    lines = list(remittance.lines.order_by("line_no"))
    barrier = threading.Barrier(2)
    outcomes = []

    def match(line, actor):
        try:
            barrier.wait(timeout=10)
            services.match(actor=actor, line=line, case=case)
            outcomes.append("matched")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=match, args=(lines[0], crew.finance)),
               threading.Thread(target=match, args=(lines[1], crew.adjuster))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes.count("matched") == 1, outcomes
    [refused] = [outcome for outcome in outcomes if outcome != "matched"]
    assert case.number in refused  # "… has nothing outstanding" or "… a case is never paid twice"
    case.refresh_from_db()
    assert case.paid_amount == Decimal("5000.00")
    assert Allocation.objects.count() == 1
    assert sum(RemittanceLine.objects.values_list("allocated_amount", flat=True)) == Decimal("5000.00")
