"""A statement is never paid twice, under two truly concurrent matchings (PostgreSQL).

Two clerks match two different commission lines (neither waits for the other's line
lock) to the same invoiced statement at the same moment, each for the whole amount
due: the statement's row lock in ``statements.services.apply_payment`` queues the
second, which then sees it paid and is refused."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from chexian.core.testing import make_user
from chexian.org.choices import Role
from chexian.remittances import services as remittance_services
from chexian.remittances.choices import Purpose
from chexian.remittances.models import Allocation
from chexian.statements import services
from chexian.statements.choices import State
from chexian.statements.tests.factories import built, october_business

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_lines_matched_to_one_statement_at_the_same_moment_pay_it_once(cast):
    assert connection.vendor == "postgresql"
    month = october_business(cast)
    other_clerk = make_user("a-finance-2", Role.FINANCE, cast.store_a)
    statement = built(cast, month)
    services.send(actor=month.finance, statement=statement)
    services.confirm_as_ours(actor=month.finance, statement=statement)
    statement = services.invoice(actor=month.finance, statement=statement, invoice_no="FP1",
                                 invoiced_on=dt.date(2026, 11, 5))
    due = statement.due_amount
    remittance = remittance_services.record_remittance(
        actor=month.finance, store=cast.store_a, insurer=statement.insurer,
        data={"purpose": Purpose.COMMISSIONS, "received_on": dt.date(2026, 11, 20), "total_amount": due * 2},
        lines=[{"policy_number": "", "amount": due}, {"policy_number": "", "amount": due}])
    lines = list(remittance.lines.order_by("line_no"))
    barrier = threading.Barrier(2)
    outcomes = []

    def match(line, actor):
        try:
            barrier.wait(timeout=10)
            remittance_services.match_statement(actor=actor, line=line, statement=statement)
            outcomes.append("matched")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=match, args=(lines[0], month.finance)),
               threading.Thread(target=match, args=(lines[1], other_clerk))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes.count("matched") == 1, outcomes
    [refused] = [outcome for outcome in outcomes if outcome != "matched"]
    assert statement.number in refused
    statement.refresh_from_db()
    assert statement.state == State.PAID and statement.paid_amount == due
    assert Allocation.objects.count() == 1
