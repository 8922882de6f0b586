"""Querysets every KPI starts from, restricted to the scope's stores, and small helpers."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from chexian.policies.choices import PolicyLine, PolicyStatus
from chexian.policies.models import Policy

MOTOR = (PolicyLine.CTPL, PolicyLine.COMMERCIAL)
# A renewal starts at most this many days before the policy it renews ends (renewals.services).
EARLY_RENEWAL_DAYS = 60


def policies(ctx):
    """The scope's recorded policies (cancelled ones excluded: they were never business)."""
    return Policy.objects.filter(store_id__in=ctx.scope.store_ids).exclude(status=PolicyStatus.CANCELLED)


def issued_in(ctx, since: dt.date | None = None, until: dt.date | None = None):
    since = since or ctx.period.start
    until = until or ctx.until
    return policies(ctx).filter(issued_on__gte=since, issued_on__lte=until)


def in_period(field: str, ctx) -> Q:
    return Q(**{f"{field}__gte": ctx.period.start, f"{field}__lte": ctx.until})


def year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)
