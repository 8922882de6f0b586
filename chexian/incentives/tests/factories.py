"""Gift-and-rebate test data through the real services: the catalogue through
``save_gift_item``, packages and rebates through ``record_incentive``, decisions
through ``decide``, policies through ``policies.services.issue_policy``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from chexian.core.testing import make_vehicle
from chexian.incentives import services
from chexian.incentives.choices import GiftDepartment, IncentiveKind, IncentiveStatus, RebateMethod
from chexian.policies.choices import PolicyLine
from chexian.policies.tests.factories import active_contract, make_policy


def store_contract(cast, store):
    today = timezone.localdate()
    return active_contract(cast, store, valid_from=today - dt.timedelta(days=400),
                           valid_until=today + dt.timedelta(days=400))


def policy_of(actor, store, line=PolicyLine.COMMERCIAL, days_ago=10, **kwargs):
    """A policy of ``store`` issued ``days_ago`` days ago (the store needs an active contract)."""
    start = timezone.localdate() - dt.timedelta(days=days_ago)
    return make_policy(actor, make_vehicle(actor, store), line=line, start=start, issued_on=start, **kwargs)


def catalogue(actor, store) -> dict:
    """A wash (35.00), a maintenance service (280.00) and a detailing session (150.00)."""
    items = {}
    for key, name, department, cost in (("wash", "精洗", GiftDepartment.WASH, "35.00"),
                                        ("maintenance", "小保养", GiftDepartment.MAINTENANCE, "280.00"),
                                        ("detailing", "内饰清洁", GiftDepartment.DETAILING, "150.00")):
        items[key] = services.save_gift_item(actor=actor, data={
            "store": store, "name": name, "department": department, "unit_cost": Decimal(cost)})
    return items


def gift_package(actor, policy, lines, reason="客户续保要求赠送", **kwargs):
    return services.record_incentive(actor=actor, policy=policy, kind=IncentiveKind.GIFT_PACKAGE, reason=reason,
                                     lines=lines, **kwargs)


def rebate(actor, policy, amount="100.00", method=RebateMethod.TRANSFER, reason="客户要求返现", **kwargs):
    return services.record_incentive(actor=actor, policy=policy, kind=IncentiveKind.REBATE, reason=reason,
                                     rebate_amount=Decimal(amount), rebate_method=method, **kwargs)


def approve(actor, incentive, reason="老客户，经理同意"):
    return services.decide(actor=actor, incentive=incentive, status=IncentiveStatus.APPROVED, reason=reason)


def reject(actor, incentive, reason="不符合公司规定"):
    return services.decide(actor=actor, incentive=incentive, status=IncentiveStatus.REJECTED, reason=reason)
