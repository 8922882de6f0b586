"""Read-side of quotes: the side-by-side comparison that the page, the quote
sheet and the API all show, so the three never disagree about which insurer is
cheapest or what a limit means."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from chexian.catalog.choices import LimitKind
from chexian.quotes.models import Quote, QuoteItem, QuoteOffer, QuoteOfferLine


def limit_label(coverage, limit: Decimal | None) -> str:
    """A limit as the customer reads it: ¥1,000,000, ¥10,000 per seat, 10%."""
    if limit is None:
        return "—"
    amount = f"¥{limit.normalize():,f}"
    if coverage.limit_kind == LimitKind.PERCENT:
        return f"{limit.normalize():f}%"
    if coverage.limit_kind == LimitKind.PER_SEAT:
        return _("%(amount)s per seat") % {"amount": amount}
    if coverage.limit_kind == LimitKind.PER_DAY:
        return _("%(amount)s per day") % {"amount": amount}
    return amount


def quote_with_offers(queryset):
    """The quote's plan and offers with their lines, in two queries per relation."""
    return queryset.select_related(
        "store", "vehicle", "customer", "template", "chosen_offer", "previous_policy__insurer", "created_by"
    ).prefetch_related(
        Prefetch("items", queryset=QuoteItem.objects.select_related("coverage").order_by(
            "coverage__sort_order", "coverage__code")),
        Prefetch("offers", queryset=QuoteOffer.objects.select_related("insurer", "entered_by").prefetch_related(
            Prefetch("lines", queryset=QuoteOfferLine.objects.select_related("coverage")))),
    )


@dataclass
class ComparisonRow:
    """One coverage of the plan: its limit and each insurer's premium (None: not itemised)."""

    coverage: object
    limit: Decimal | None
    limit_label: str
    premiums: list[Decimal | None]
    cheapest: list[bool]

    @property
    def cells(self):
        """(premium, is the lowest of the row) per insurer column."""
        return list(zip(self.premiums, self.cheapest, strict=True))


@dataclass
class Comparison:
    """Coverages as rows, insurers as columns, ordered cheapest total first."""

    quote: Quote
    offers: list[QuoteOffer]
    rows: list[ComparisonRow] = field(default_factory=list)
    cheapest_ids: set[int] = field(default_factory=set)

    @property
    def columns(self):
        """(offer, is cheapest, is chosen) per column."""
        return [(o, o.pk in self.cheapest_ids, o.pk == self.quote.chosen_offer_id) for o in self.offers]


def comparison(quote: Quote) -> Comparison:
    """The side-by-side table. The cheapest offer is the lowest total (commercial +
    CTPL + vehicle tax); ties are all marked. A coverage row marks the lowest of
    the premiums the insurers itemised."""
    offers = sorted(quote.offers.all(), key=lambda o: (o.total, o.insurer.code))
    result = Comparison(quote=quote, offers=offers)
    if offers:
        lowest = min(o.total for o in offers)
        result.cheapest_ids = {o.pk for o in offers if o.total == lowest}
    by_offer = {o.pk: {line.coverage_id: line.premium for line in o.lines.all()} for o in offers}
    for item in sorted(quote.items.all(), key=lambda i: (i.coverage.sort_order, i.coverage.code)):
        premiums = [by_offer[o.pk].get(item.coverage_id) for o in offers]
        known = [p for p in premiums if p is not None]
        low = min(known) if len(known) > 1 else None
        result.rows.append(
            ComparisonRow(
                coverage=item.coverage,
                limit=item.limit,
                limit_label=limit_label(item.coverage, item.limit),
                premiums=premiums,
                cheapest=[p is not None and p == low for p in premiums],
            )
        )
    return result
