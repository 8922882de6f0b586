"""Demo commission statements: the last six months that are over, per store and insurer,
walked as a finance clerk would — the oldest paid and closed, then paid, invoiced,
confirmed with the insurer's differences, sent, and last month's still a draft — with
one invoiced statement left unpaid for more than three months, so the aging flag shows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from chexian.remittances import services as remittances
from chexian.remittances.choices import Purpose
from chexian.statements import services
from chexian.statements.models import add_months

MONTHS = 6


def build(*, stores, rng, today: dt.date) -> int:
    made = 0
    this_month = today.replace(day=1)
    for store in stores:
        finance = store.staff.get("finance")
        if finance is None:
            continue
        for back in range(MONTHS, 0, -1):
            month = add_months(this_month, -back)
            result = services.build(actor=finance, month=month, stores=[store], today=today)
            for index, statement in enumerate(result.created):
                _walk(statement, finance, back, index, rng, today)
                made += 1
    return made


def _walk(statement, finance, back: int, index: int, rng, today: dt.date):
    if back == 1:
        return  # last month: a draft to check and send
    statement = services.send(actor=finance, statement=statement)
    if back == 2 and index % 2:
        return  # sent, the insurer has not answered yet
    answer = [services.TheirLine(line.policy_number, line.premium, line.rate, line.commission)
              for line in statement.lines.filter(commission__isnull=False).order_by("pk")]
    if back <= 3 and len(answer) > 3:
        # The insurer's list differs: a rate they filed lower, a policy they have not booked yet.
        first = answer[0]
        if first.rate:
            lower = first.rate - Decimal("1.00")
            base = (first.commission / first.rate * 100) if first.rate else Decimal("0")
            answer[0] = services.TheirLine(first.policy_number, first.premium, lower,
                                           (base * lower / 100).quantize(Decimal("0.01")))
        answer.pop(rng.randrange(1, len(answer)))
    statement = services.record_confirmation(actor=finance, statement=statement, lines=answer)
    if back == 2:
        return
    statement = services.invoice(actor=finance, statement=statement,
                                 invoice_no=f"FP{statement.month:%Y%m}{statement.pk:05d}",
                                 invoiced_on=add_months(statement.month, 1) + dt.timedelta(days=4))
    if (back == MONTHS and index == 0) or back == 3 or statement.due_amount <= 0:
        return  # the oldest one's money never came (aged), and the latest invoices are still open
    received = min(add_months(statement.month, 2) + dt.timedelta(days=rng.randrange(0, 20)), today)
    remittance = remittances.record_remittance(
        actor=finance, store=statement.store, insurer=statement.insurer,
        data={"purpose": Purpose.COMMISSIONS, "received_on": received, "reference": f"SXF{statement.pk:06d}",
              "total_amount": statement.due_amount},
        lines=[{"policy_number": "", "note": f"手续费 {statement.number}", "amount": statement.due_amount}])
    remittances.auto_match(actor=finance, remittance=remittance)
    if back >= 5:
        statement.refresh_from_db()
        services.close(actor=finance, statement=statement, note="双方已签字盖章")
