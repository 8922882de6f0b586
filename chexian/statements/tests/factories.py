"""Statement test data through the real services: contracts approved, policies issued,
cancellations recorded, statements built, sent and confirmed as a store would."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from chexian.core.testing import make_user, make_vehicle
from chexian.org.choices import Role
from chexian.policies import services as policy_services
from chexian.policies.choices import CancellationReason, PolicyLine
from chexian.policies.tests.factories import active_contract, make_policy
from chexian.statements import services

OCTOBER = dt.date(2026, 10, 1)
AFTER_OCTOBER = dt.date(2026, 11, 3)
_engines = iter(range(1, 1_000_000))


@dataclass
class Month:
    """One store-month of business with PICC: the policies by name, the cancellation, the finance clerk."""

    finance: object
    policies: dict = field(default_factory=dict)
    cancelled: object = None


def car(actor, store):
    return make_vehicle(actor, store, engine_no=f"ST{next(_engines):06d}")


def october_business(cast) -> Month:
    """Store A in October 2026: three CTPL and two commercial policies with PICC, one
    commercial with CPIC, and a September policy cancelled in October."""
    active_contract(cast, cast.store_a, valid_from=dt.date(2026, 1, 1), valid_until=dt.date(2027, 12, 31))
    active_contract(cast, cast.store_a, insurer_code="CPIC", valid_from=dt.date(2026, 1, 1),
                    valid_until=dt.date(2027, 12, 31))
    month = Month(finance=make_user("a-finance", Role.FINANCE, cast.store_a))
    issuer = cast.a_issuer
    for name, line, day in (("ctpl1", PolicyLine.CTPL, 3), ("ctpl2", PolicyLine.CTPL, 9),
                            ("ctpl3", PolicyLine.CTPL, 30), ("com1", PolicyLine.COMMERCIAL, 12),
                            ("com2", PolicyLine.COMMERCIAL, 31)):
        month.policies[name] = make_policy(issuer, car(issuer, cast.store_a), line=line,
                                           start=dt.date(2026, 10, day), issued_on=dt.date(2026, 10, day))
    month.policies["cpic"] = make_policy(issuer, car(issuer, cast.store_a), insurer_code="CPIC",
                                         line=PolicyLine.COMMERCIAL, start=dt.date(2026, 10, 15),
                                         issued_on=dt.date(2026, 10, 15))
    september = make_policy(issuer, car(issuer, cast.store_a), line=PolicyLine.COMMERCIAL,
                            start=dt.date(2026, 9, 20), issued_on=dt.date(2026, 9, 20))
    month.policies["september"] = september
    month.cancelled = policy_services.cancel_policy(
        actor=cast.a_supervisor, policy=september, reason=CancellationReason.LAID_UP,
        effective_date=dt.date(2026, 10, 20), refund_amount=Decimal("1590.00"))
    return month


def built(cast, month: Month, insurer_code="PICC"):
    result = services.build(actor=month.finance, month=OCTOBER, today=AFTER_OCTOBER)
    return next(s for s in result.created + result.rebuilt + result.kept if s.insurer.code == insurer_code)


def their_lines(statement, **changes) -> list[services.TheirLine]:
    """The insurer's answer equal to ours, with ``changes`` by policy number:
    None drops a line, a dict replaces figures."""
    lines = []
    for line in statement.lines.filter(commission__isnull=False).order_by("pk"):
        change = changes.get(line.policy_number, {})
        if change is None:
            continue
        lines.append(services.TheirLine(line.policy_number, change.get("premium", line.premium),
                                        change.get("rate", line.rate), change.get("commission", line.commission)))
    return lines
