"""How limits read on the pages: ``{{ item.limit|limit_for:item.coverage }}`` and
``{{ coverage|limit_options }}``. Labels follow the coverage's ``limit_kind``, so
templates hold no logic about it."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from chexian.catalog.choices import LimitKind

register = template.Library()


def _number(value: Decimal) -> str:
    value = Decimal(str(value))
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def format_limit(limit_kind: str, value) -> str:
    """One limit as people read it: ¥1,000,000 · ¥20,000 per seat · 10% · ¥200 per day."""
    if value is None or value == "":
        return "—"
    if limit_kind == LimitKind.PERCENT:
        return f"{Decimal(str(value)).normalize():f}%"
    amount = f"¥{_number(value)}"
    if limit_kind == LimitKind.PER_SEAT:
        return _("%(amount)s per seat") % {"amount": amount}
    if limit_kind == LimitKind.PER_DAY:
        return _("%(amount)s per day") % {"amount": amount}
    return amount


@register.filter
def limit_for(value, coverage) -> str:
    """A template item's (or quote item's) limit, formatted for its coverage."""
    if coverage.limit_kind == LimitKind.NONE:
        return _("No limit to choose") if value in (None, "") else format_limit(LimitKind.AMOUNT, value)
    return format_limit(coverage.limit_kind, value)


@register.filter
def limit_options(coverage) -> str:
    """What the clause lets one choose: the tiers or rates, else the kind of limit."""
    if coverage.limit_choices:
        return " · ".join(format_limit(coverage.limit_kind, choice) for choice in coverage.limit_choices)
    return str(LimitKind(coverage.limit_kind).label)
