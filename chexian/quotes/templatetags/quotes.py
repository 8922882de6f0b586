"""How quote figures read, the same in every language and on every page: money
as ``¥3,180.00`` (two decimals, grouped), coefficients without trailing zeros
(``0.85``, ``1.0``)."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(value) -> str:
    """``3180`` → ``¥3,180.00``; empty for None."""
    if value is None or value == "":
        return ""
    return f"¥{Decimal(value):,.2f}"


@register.filter
def coefficient(value) -> str:
    """``0.8500`` → ``0.85``; ``1.0000`` → ``1.0``; ``—`` for None."""
    if value is None or value == "":
        return "—"
    text = f"{Decimal(value).normalize():f}"
    return text if "." in text else f"{text}.0"


@register.filter
def rate(value) -> str:
    """A CTPL floating rate in percent: ``-10.00`` → ``-10%``, ``30`` → ``+30%``; ``—`` for None."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    text = f"{value.normalize():f}"
    return f"+{text}%" if value > 0 else f"{text}%"
