"""Test data for remittances, built through the real services: claim cases walked to
the payment step by ``claims.testing``, remittances recorded by ``services``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from chexian.claims.testing import case_at_payment
from chexian.remittances import services


def settled(amount, third_party="0.00"):
    """The settlement step's data for a case the insurer owes ``amount`` for."""
    amount, third_party = Decimal(amount), Decimal(third_party)
    return {"settlement": {"settlement_amount": amount - third_party, "insurer_amount": amount,
                           "third_party_amount": third_party}}


def a_case(actor, store, amount="5000.00", third_party="0.00", **kwargs):
    return case_at_payment(actor, store, **settled(amount, third_party), **kwargs)


def remit(actor, store, insurer, *lines, received_on=None, **data):
    """Record a claims remittance by hand; ``lines`` are (report number, amount)."""
    line_data = [{"report_no": report_no, "amount": Decimal(amount)} for report_no, amount in lines]
    return services.record_remittance(
        actor=actor, store=store, insurer=insurer,
        data={"received_on": received_on or dt.date(2026, 12, 1),
              "total_amount": sum((line["amount"] for line in line_data), Decimal("0")), **data},
        lines=line_data)
