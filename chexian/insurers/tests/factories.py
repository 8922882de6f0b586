"""Contract test data through the real services: proposals by the store's
supervisor, decisions by the group office, policies through ``issue_policy``."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from chexian.core.testing import make_vehicle
from chexian.insurers import services
from chexian.insurers.models import Insurer
from chexian.policies.choices import PolicyLine
from chexian.policies.services import PolicyInput, issue_policy, one_year_end

CENT = Decimal("0.01")
_numbers = itertools.count(70_000_000)


def insurer(code: str) -> Insurer:
    """One of the insurers seeded by migration 0002."""
    return Insurer.objects.get(code=code)


def terms(**overrides) -> dict:
    """Terms of a proposal: a period around today, the rates of a typical agreement."""
    today = timezone.localdate()
    data = {
        "valid_from": today - dt.timedelta(days=200),
        "valid_until": today + dt.timedelta(days=365),
        "rate_ctpl": Decimal("4.00"),
        "rate_commercial": Decimal("18.00"),
        "rate_nev_commercial": Decimal("15.00"),
        "rate_non_motor": Decimal("25.00"),
        "commission_base": "without_vat",
        "parts_terms": "4S店指导价",
        "labour_terms": "工时费 ¥120/h",
        "claim_payment_days": 30,
    }
    data.update(overrides)
    return data


def supervisor_of(cast, store):
    return cast.a_supervisor if store == cast.store_a else cast.b_supervisor


def propose(cast, store, code: str, actor=None, **overrides):
    return services.propose_contract(
        actor=actor or supervisor_of(cast, store), store=store, insurer=insurer(code), data=terms(**overrides)
    )


def activate(cast, contract):
    services.approve_contract(actor=cast.office, contract=contract, reason="费率合理")
    return services.record_legal_review(actor=cast.office, contract=contract, opinion="合同条款合规")


def active_contract(cast, store, code: str, **overrides):
    return activate(cast, propose(cast, store, code, **overrides))


def months_ago(today: dt.date, months: int) -> dt.date:
    """The 15th of the month ``months`` before ``today``'s month."""
    year, month = today.year, today.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return dt.date(year, month, 15)


def place_premium(cast, store, code: str, premium: Decimal, issued_on: dt.date, line=PolicyLine.CTPL):
    """Issue one policy of ``premium`` at ``store`` with ``code``'s contract (in force on ``issued_on``)."""
    issuer = cast.a_issuer if store == cast.store_a else cast.b_issuer
    vehicle = make_vehicle(issuer, store)
    vat = (premium * Decimal(6) / Decimal(106)).quantize(CENT)
    data = PolicyInput(
        vehicle=vehicle,
        policyholder=vehicle.owner,
        insurer=insurer(code),
        line=line,
        number=f"T{next(_numbers)}",
        start_date=issued_on,
        end_date=one_year_end(issued_on),
        premium=premium,
        premium_without_vat=premium - vat,
        vat=vat,
        issued_on=issued_on,
        documents=["owner_id", "vehicle_licence", "sales_invoice", "certificate"],
    )
    return issue_policy(actor=issuer, data=data)
