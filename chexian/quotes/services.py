"""Workflows that write quotes (SPEC §3.2). Views, the API and commands call
these; none of them saves a quote, an offer or its lines on its own.

A quote is a coverage plan for one vehicle, checked against the catalog's rules
(``catalog.services.validate_plan``), plus what each insurer asked returned.
Chexian never computes a premium: ``record_offer`` checks that the figures the
issuer typed are well-formed and consistent with each other, never what they
should be. ``renewal_comparison`` explains a renewal's change against last
year's commercial policy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from chexian.catalog.choices import ClauseFamily, CoverageKind
from chexian.catalog.models import Coverage
from chexian.catalog.services import commercial_family_for, template_items, validate_plan
from chexian.core.audit import audit_actor, log_action
from chexian.core.choices import AuditAction
from chexian.customers.models import Vehicle
from chexian.insurers.services import contract_in_force
from chexian.org.permissions import can
from chexian.policies.choices import PolicyLine, PolicyStatus
from chexian.policies.models import Policy
from chexian.policies.services import RENEWAL_LOOKBACK
from chexian.quotes.choices import QuoteStatus
from chexian.quotes.models import Quote, QuoteItem, QuoteOffer, QuoteOfferLine

CENT = Decimal("0.01")
# Insurers' quotes go stale (the platform's 投保查询码 expires and rates move):
# a quote is offered to the customer for this many days unless told otherwise.
DEFAULT_VALID_DAYS = 15
MAX_VALID_DAYS = 90

# DOMAIN.md §3: the NCD coefficient has ten levels from 0.5 to 2.0; the insurer's
# pricing coefficient lies in [0.5, 1.5] since 2023.
NCD_RANGE = (Decimal("0.5"), Decimal("2.0"))
PRICING_RANGE = (Decimal("0.5"), Decimal("1.5"))
# CTPL floating rate in percent: at most +30% (a fatal accident) and at least −50%,
# the widest discount of the regional plans A–E since 2020. Wider is a typing error.
CTPL_FLOAT_RANGE = (Decimal("-50"), Decimal("30"))
COEFFICIENT_PLACES = Decimal("0.0001")

# The money figures of an offer, in the order a form or the API lists them.
MONEY_FIELDS = (
    "commercial_premium",
    "commercial_premium_without_vat",
    "ctpl_premium",
    "ctpl_premium_without_vat",
    "vehicle_tax",
)
OPEN_STATUSES = (QuoteStatus.DRAFT, QuoteStatus.CHOSEN)


def _field_error(name: str, message: str, code: str) -> ValidationError:
    return ValidationError({name: ValidationError(message, code=code)})


def _require(actor, action: str, store_id: int, message: str) -> None:
    if not can(actor, action, store_id):
        raise PermissionDenied(message)


# ---------------------------------------------------------------- create
def previous_commercial_policy(vehicle: Vehicle, start_date: dt.date) -> Policy | None:
    """Last year's commercial policy of ``vehicle`` at its store: the latest one that
    started before ``start_date`` and ended at most a year before it (the same
    window that makes a policy a renewal in ``policies.services``). Cancelled ones
    are left out."""
    return (
        Policy.objects.filter(
            vehicle=vehicle,
            store_id=vehicle.store_id,
            line=PolicyLine.COMMERCIAL,
            start_date__lt=start_date,
            end_date__gte=start_date - RENEWAL_LOOKBACK,
        )
        .exclude(status=PolicyStatus.CANCELLED)
        .order_by("-end_date", "-pk")
        .first()
    )


def _plan_items(template, items) -> list:
    if template is not None and items:
        raise _field_error(
            "items", _("Choose a template or list the coverages yourself, not both."), "plan_template_and_items"
        )
    if template is not None:
        return template_items(template)
    return list(items or [])


@transaction.atomic
def create_quote(
    *,
    actor,
    vehicle: Vehicle,
    start_date: dt.date,
    template=None,
    items=None,
    valid_days: int = DEFAULT_VALID_DAYS,
    note: str = "",
) -> Quote:
    """Start a quote for ``vehicle``: a plan from ``template`` or from explicit
    ``items`` (``[(coverage, limit)]``), checked against the catalog for the
    vehicle's clauses on ``start_date`` (a new-energy vehicle only on the NEV
    clauses). Last year's commercial policy is linked for the renewal comparison.
    An empty commercial plan is a CTPL-only quote (the seed's 最低保障)."""
    _require(actor, "quote.add", vehicle.store_id, _("Your role may not make quotes in this store."))
    today = timezone.localdate()
    if start_date < today:
        # Cover never starts in the past (倒签单 is forbidden): the insurers refuse it too.
        raise _field_error(
            "start_date",
            _("Cover cannot start in the past: choose %(today)s or later.") % {"today": today.isoformat()},
            "start_in_past",
        )
    if not isinstance(valid_days, int) or not 1 <= valid_days <= MAX_VALID_DAYS:
        raise _field_error(
            "valid_days",
            _("A quote is valid for 1 to %(max)s days.") % {"max": MAX_VALID_DAYS},
            "valid_days_range",
        )
    if template is not None and template.family != commercial_family_for(vehicle):
        raise _field_error(
            "template",
            _("%(template)s is written for the %(family)s; %(vehicle)s is insured on the %(expected)s.")
            % {
                "template": template.name,
                "family": template.get_family_display(),
                "vehicle": vehicle,
                "expected": ClauseFamily(commercial_family_for(vehicle)).label,
            },
            "coverage_wrong_family",
        )
    plan = _plan_items(template, items)
    non_motor = [coverage.name for coverage, _limit in plan if coverage.family == ClauseFamily.NON_MOTOR]
    if non_motor:
        raise _field_error(
            "items",
            _("%(coverages)s: non-motor products are quoted and issued as a policy of their own, not in a motor quote.")
            % {"coverages": "、".join(non_motor)},
            "non_motor_in_quote",
        )
    try:
        cleaned = validate_plan(vehicle, plan, start_date)
    except ValidationError as exc:
        raise ValidationError({"items": exc.error_list}) from None

    quote = Quote(
        store_id=vehicle.store_id,
        vehicle=vehicle,
        customer=vehicle.owner,
        clause_family=commercial_family_for(vehicle),
        template=template,
        status=QuoteStatus.DRAFT,
        start_date=start_date,
        # Never valid beyond the start date: after it the cover would start in the past.
        valid_until=min(today + dt.timedelta(days=valid_days), start_date),
        previous_policy=previous_commercial_policy(vehicle, start_date),
        created_by=actor,
        note=note,
    )
    quote.full_clean()
    with audit_actor(actor):
        quote.save()
        QuoteItem.objects.bulk_create(QuoteItem(quote=quote, coverage=c, limit=limit) for c, limit in cleaned)
        # The items are not audited models of their own: the plan goes into the quote's log.
        log_action(AuditAction.UPDATE, quote, actor=actor, before=None, after={"plan": _plan_snapshot(cleaned)})
    return quote


def _plan_snapshot(items) -> list[dict]:
    return [{"coverage": c.code, "limit": None if limit is None else str(limit)} for c, limit in items]


# ---------------------------------------------------------------- offers
def _check_money(name: str, value, label: str, errors: dict) -> Decimal | None:
    if value is None:
        value = Decimal("0")
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    # Money is Decimal end to end: a float has already lost the fen.
    if not isinstance(value, Decimal) or not value.is_finite():
        errors.setdefault(name, []).append(
            ValidationError(_("%(field)s must be an amount in yuan.") % {"field": label}, code="money_invalid")
        )
        return None
    if value < 0:
        errors.setdefault(name, []).append(
            ValidationError(
                _("%(field)s cannot be negative (%(value)s): enter the premium as the insurer returned it.")
                % {"field": label, "value": value},
                code="money_negative",
            )
        )
    elif value != value.quantize(CENT):
        errors.setdefault(name, []).append(
            ValidationError(
                _("%(field)s has at most two decimals (fen): %(value)s.") % {"field": label, "value": value},
                code="money_decimals",
            )
        )
    return value


def _check_range(name, value, bounds, message, code, errors, places=COEFFICIENT_PLACES):
    if value is None or value == "":
        return None
    try:
        value = Decimal(str(value))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        errors.setdefault(name, []).append(ValidationError(_("Enter a number."), code="invalid"))
        return None
    low, high = bounds
    if not low <= value <= high or value != value.quantize(places):
        errors.setdefault(name, []).append(ValidationError(message % {"value": value}, code=code))
    return value


@dataclass
class OfferFigures:
    """What an insurer's system returned for the plan (DOMAIN.md §3)."""

    commercial_premium: Decimal = Decimal("0")
    commercial_premium_without_vat: Decimal = Decimal("0")
    ctpl_premium: Decimal = Decimal("0")
    ctpl_premium_without_vat: Decimal = Decimal("0")
    vehicle_tax: Decimal = Decimal("0")
    ncd_coefficient: Decimal | None = None
    pricing_coefficient: Decimal | None = None
    ctpl_floating_rate: Decimal | None = None
    ctpl_float_reason: str = ""
    query_code: str = ""
    lines: list = field(default_factory=list)


def _label(name: str) -> str:
    return str(QuoteOffer._meta.get_field(name).verbose_name)


def check_offer_figures(quote: Quote, figures: OfferFigures) -> dict:
    """Every rule an offer's figures must meet, as ``{field: [ValidationError]}``.

    Well-formed (yuan with at most two decimals, not negative), consistent with
    each other (without VAT ≤ with VAT; the per-coverage lines add up to the
    commercial premium) and within the coefficient ranges of DOMAIN.md §3. The
    figures themselves are the insurer's: nothing here says what they should be.
    """
    errors: dict[str, list] = {}
    money = {name: _check_money(name, getattr(figures, name), _label(name), errors) for name in MONEY_FIELDS}
    for gross, net in (
        ("commercial_premium", "commercial_premium_without_vat"),
        ("ctpl_premium", "ctpl_premium_without_vat"),
    ):
        if _ok(errors, gross, net) and money[net] > money[gross]:
            errors.setdefault(net, []).append(
                ValidationError(
                    _("%(net)s (%(net_value)s) cannot exceed %(gross)s (%(gross_value)s): VAT is never negative.")
                    % {"net": _label(net), "net_value": money[net], "gross": _label(gross),
                       "gross_value": money[gross]},
                    code="vat_negative",
                )
            )
    figures.ncd_coefficient = _check_range(
        "ncd_coefficient",
        figures.ncd_coefficient,
        NCD_RANGE,
        _(
            "The NCD coefficient (无赔款优待系数) is between 0.5 and 2.0 (ten levels, at most four decimals); "
            "%(value)s is not one. Enter it as the insurer's system returned it."
        ),
        "ncd_out_of_range",
        errors,
    )
    figures.pricing_coefficient = _check_range(
        "pricing_coefficient",
        figures.pricing_coefficient,
        PRICING_RANGE,
        _(
            "The insurer's pricing coefficient (自主定价系数) lies within [0.5, 1.5] since 2023 (at most four "
            "decimals); %(value)s is outside it."
        ),
        "pricing_out_of_range",
        errors,
    )
    figures.ctpl_floating_rate = _check_range(
        "ctpl_floating_rate",
        figures.ctpl_floating_rate,
        CTPL_FLOAT_RANGE,
        _(
            "The CTPL floating rate is a percentage between −50 and +30 (regional plans A–E since 2020, "
            "at most two decimals); %(value)s is outside it."
        ),
        "ctpl_float_out_of_range",
        errors,
        places=CENT,
    )
    _check_lines(quote, figures, money, errors)
    for name in MONEY_FIELDS:
        if money[name] is not None:
            setattr(figures, name, money[name])
    return errors


def _ok(errors: dict, *names: str) -> bool:
    return not any(name in errors for name in names)


def _check_lines(quote: Quote, figures: OfferFigures, money: dict, errors: dict) -> None:
    """Per-coverage premiums: only the plan's coverages, each once, each a valid
    amount; the commercial clauses' lines add up to the commercial premium and a
    交强险 line equals the CTPL premium."""
    if not figures.lines:
        return
    plan = {item.coverage_id: item.coverage for item in quote.items.select_related("coverage")}
    seen: set[int] = set()
    commercial_sum, ctpl_sum, has_commercial, has_ctpl = Decimal("0"), Decimal("0"), False, False
    cleaned = []
    for coverage, premium in figures.lines:
        if coverage.pk not in plan:
            errors.setdefault("lines", []).append(
                ValidationError(
                    _("%(coverage)s is not in this quote's plan: premiums are recorded only for the plan's coverages.")
                    % {"coverage": coverage.name},
                    code="line_not_in_plan",
                )
            )
            continue
        if coverage.pk in seen:
            errors.setdefault("lines", []).append(
                ValidationError(_("%(coverage)s has two premiums.") % {"coverage": coverage.name},
                                code="line_duplicate")
            )
            continue
        seen.add(coverage.pk)
        line_errors: dict[str, list] = {}
        premium = _check_money("lines", premium, coverage.name, line_errors)
        if line_errors:
            errors.setdefault("lines", []).extend(line_errors["lines"])
            continue
        cleaned.append((coverage, premium))
        if coverage.family == ClauseFamily.CTPL:
            ctpl_sum, has_ctpl = ctpl_sum + premium, True
        else:
            commercial_sum, has_commercial = commercial_sum + premium, True
    figures.lines = cleaned
    if "lines" in errors:
        return
    if has_commercial and _ok(errors, "commercial_premium") and commercial_sum != money["commercial_premium"]:
        errors.setdefault("lines", []).append(
            ValidationError(
                _(
                    "The per-coverage premiums add up to %(sum)s but the commercial premium is %(total)s: "
                    "the lines must add up to the insurer's total."
                )
                % {"sum": commercial_sum, "total": money["commercial_premium"]},
                code="lines_sum_mismatch",
            )
        )
    if has_ctpl and _ok(errors, "ctpl_premium") and ctpl_sum != money["ctpl_premium"]:
        errors.setdefault("lines", []).append(
            ValidationError(
                _("The 交强险 line is %(sum)s but the CTPL premium is %(total)s: they must be equal.")
                % {"sum": ctpl_sum, "total": money["ctpl_premium"]},
                code="lines_sum_mismatch",
            )
        )


def _lock_open_quote(quote: Quote) -> Quote:
    # Lock the quote: two issuers recording or choosing offers at once queue here,
    # so the chosen offer and the status never disagree.
    quote = Quote.objects.select_for_update(of=("self",)).select_related("store").get(pk=quote.pk)
    if quote.status not in OPEN_STATUSES:
        raise ValidationError(
            _("This quote is %(status)s: it can no longer change.") % {"status": quote.get_status_display()},
            code="quote_closed",
        )
    if quote.valid_until < timezone.localdate():
        raise ValidationError(
            _("This quote expired on %(date)s: start a new quote with fresh figures.")
            % {"date": quote.valid_until.isoformat()},
            code="quote_expired",
        )
    return quote


def _require_contract(quote: Quote, insurer) -> None:
    today = timezone.localdate()
    if contract_in_force(quote.store_id, insurer, today) is None:
        raise _field_error(
            "insurer",
            _(
                "%(insurer)s has no active agency contract with %(store)s on %(date)s: the store may not quote "
                "or sell its policies. Ask the group insurance office about the contract."
            )
            % {"insurer": insurer, "store": quote.store, "date": today.isoformat()},
            "no_active_contract",
        )


@transaction.atomic
def record_offer(*, actor, quote: Quote, insurer, lines=(), **figures) -> QuoteOffer:
    """Record what ``insurer``'s system returned for the quote's plan.

    ``figures`` are the ``OfferFigures`` fields (money as ``Decimal``); ``lines``
    are ``[(coverage, premium)]``. The insurer needs an active agency contract with
    the store. Recording again for the same insurer replaces its offer (the
    insurer re-quoted): the row is updated so its history shows before and after;
    if it was the chosen offer, the customer has to choose again.
    """
    _require(actor, "quote.change", quote.store_id, _("Your role may not record offers in this store."))
    quote = _lock_open_quote(quote)
    unknown = set(figures) - set(OfferFigures.__dataclass_fields__)
    if unknown:
        raise TypeError(f"record_offer() got unexpected figures: {sorted(unknown)}")
    _require_contract(quote, insurer)
    data = OfferFigures(**figures, lines=list(lines))
    errors = check_offer_figures(quote, data)
    if errors:
        raise ValidationError(errors)

    offer = QuoteOffer.objects.filter(quote=quote, insurer=insurer).first()
    offer = offer or QuoteOffer(quote=quote, insurer=insurer)
    was_chosen = offer.pk is not None and quote.chosen_offer_id == offer.pk
    before_figures = _figures_snapshot(offer) if offer.pk else None
    for name in (*MONEY_FIELDS, "ncd_coefficient", "pricing_coefficient", "ctpl_floating_rate"):
        setattr(offer, name, getattr(data, name))
    offer.ctpl_float_reason = (data.ctpl_float_reason or "").strip()
    offer.query_code = (data.query_code or "").strip()
    offer.entered_by = actor
    offer.full_clean(exclude=["quote", "insurer"])
    with audit_actor(actor):
        before_lines = _lines_snapshot(offer) if offer.pk else None
        offer.save()
        offer.lines.all().delete()
        QuoteOfferLine.objects.bulk_create(
            QuoteOfferLine(offer=offer, coverage=coverage, premium=premium) for coverage, premium in data.lines
        )
        after_lines = _lines_snapshot(offer)
        if after_lines != before_lines:
            log_action(AuditAction.UPDATE, offer, actor=actor,
                       before=None if before_lines is None else {"lines": before_lines},
                       after={"lines": after_lines})
        if was_chosen and (after_lines != before_lines or _figures_snapshot(offer) != before_figures):
            # The customer chose other figures than these: they choose again.
            quote.chosen_offer = None
            quote.status = QuoteStatus.DRAFT
            quote.save()
    return offer


def _figures_snapshot(offer: QuoteOffer) -> dict:
    """The insurer's figures of an offer, compared as numbers (2 == 2.00)."""
    names = (*MONEY_FIELDS, "ncd_coefficient", "pricing_coefficient", "ctpl_floating_rate")
    return {name: None if getattr(offer, name) is None else Decimal(getattr(offer, name)) for name in names}


def _lines_snapshot(offer: QuoteOffer) -> list[dict]:
    return [
        {"coverage": line.coverage.code, "premium": str(line.premium)}
        for line in offer.lines.select_related("coverage").order_by("coverage__sort_order", "coverage__code")
    ]


@transaction.atomic
def choose_offer(*, actor, quote: Quote, offer: QuoteOffer) -> Quote:
    """The customer chose ``offer``: the quote is ready to be issued. A different
    offer may be chosen later while the quote is open and valid."""
    _require(actor, "quote.change", quote.store_id, _("Your role may not change quotes in this store."))
    quote = _lock_open_quote(quote)
    if offer.quote_id != quote.pk:
        raise _field_error("offer", _("This offer belongs to another quote."), "offer_other_quote")
    # The contract may have ended since the offer was recorded: without one no policy can be issued.
    _require_contract(quote, offer.insurer)
    quote.chosen_offer = offer
    quote.status = QuoteStatus.CHOSEN
    quote.full_clean()
    with audit_actor(actor):
        quote.save()
    return quote


@transaction.atomic
def mark_issued(*, actor, quote: Quote) -> Quote:
    """The policy was issued from the quote's chosen offer: the quote is closed.
    For ``policies.services.issue_policy`` to call in its transaction."""
    quote = Quote.objects.select_for_update(of=("self",)).get(pk=quote.pk)
    if quote.status != QuoteStatus.CHOSEN:
        raise ValidationError(
            _("Only a quote whose offer was chosen can be issued; this one is %(status)s.")
            % {"status": quote.get_status_display()},
            code="quote_not_chosen",
        )
    quote.status = QuoteStatus.ISSUED
    with audit_actor(actor):
        quote.save()
    return quote


def expire_quotes(today: dt.date | None = None) -> int:
    """Mark open quotes (asking insurers, or chosen) whose figures were valid until
    before ``today`` as expired, each change in the audit log. Returns how many."""
    from chexian.core.bulk import set_status

    today = today or timezone.localdate()
    due = Quote.objects.filter(status__in=OPEN_STATUSES, valid_until__lt=today)
    return set_status(due, QuoteStatus.EXPIRED, ("vehicle__plate", "vehicle__vin", "start_date"))


# ---------------------------------------------------------------- renewal comparison
@dataclass
class CoverageChange:
    coverage: str
    before: Decimal | None = None
    after: Decimal | None = None


@dataclass
class RenewalComparison:
    """This year's offer against last year's commercial policy, with the words that
    explain it to the customer in Chinese and in English."""

    previous_policy: Policy
    offer: QuoteOffer
    last_premium: Decimal
    new_premium: Decimal
    difference: Decimal
    percent: Decimal | None
    last_ncd: Decimal | None
    new_ncd: Decimal | None
    last_pricing: Decimal | None
    new_pricing: Decimal | None
    # There is no claims model yet: nothing is known about last year's claims.
    claims_recorded: bool = False
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    limit_changes: list[CoverageChange] = field(default_factory=list)
    lines_zh: list[str] = field(default_factory=list)
    lines_en: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        """The explanation in the active language (Chinese unless it is English)."""
        return self.lines_en if (get_language() or "").startswith("en") else self.lines_zh

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def text_zh(self) -> str:
        return "\n".join(self.lines_zh)

    @property
    def text_en(self) -> str:
        return "\n".join(self.lines_en)


def _last_year_offer(policy: Policy) -> QuoteOffer | None:
    """The offer last year's policy was issued from, if it came from a quote."""
    if policy.quote_id is None:
        return None
    quote = policy.quote
    if quote.chosen_offer_id and quote.chosen_offer.insurer_id == policy.insurer_id:
        return quote.chosen_offer
    return quote.offers.filter(insurer_id=policy.insurer_id).first()


def _fmt_money(value: Decimal) -> str:
    return f"¥{value:,.2f}"


def _fmt_coef(value: Decimal | None) -> str:
    if value is None:
        return "?"
    text = f"{value.normalize():f}"
    return text if "." in text else f"{text}.0"


def _fmt_limit(value: Decimal | None) -> str:
    return "—" if value is None else f"{value.normalize():,f}"


def _coef_sentences(name_zh, name_en, before, after, zh: list, en: list, unknown_zh, unknown_en) -> None:
    if after is None:
        zh.append(f"{name_zh}：保险公司本次未返回。")
        en.append(f"{name_en}: not returned by the insurer this time.")
    elif before is None:
        zh.append(f"{name_zh}：今年 {_fmt_coef(after)}；{unknown_zh}")
        en.append(f"{name_en}: {_fmt_coef(after)} this year; {unknown_en}")
    elif before == after:
        zh.append(f"{name_zh}：与去年相同（{_fmt_coef(after)}）。")
        en.append(f"{name_en}: unchanged at {_fmt_coef(after)}.")
    else:
        up = after > before
        zh.append(f"{name_zh}：由 {_fmt_coef(before)} {'上升' if up else '下降'}到 {_fmt_coef(after)}"
                  f"（保费随之{'上升' if up else '下降'}）。")
        en.append(f"{name_en}: {'up' if up else 'down'} from {_fmt_coef(before)} to {_fmt_coef(after)} "
                  f"(the premium moves {'up' if up else 'down'} with it).")


def renewal_comparison(quote: Quote, offer: QuoteOffer | None = None) -> RenewalComparison | None:
    """Explain this year's offer against last year's commercial policy: premium
    difference and percentage, NCD and pricing coefficient change (last year's
    from the offer the policy was issued from, else unknown), claims (not recorded
    in Chexian yet — said so, never guessed), and coverages added, removed or with
    a new limit. ``offer`` defaults to the chosen one, else the cheapest.
    None when the quote has no previous policy or no offer."""
    policy = quote.previous_policy
    if policy is None:
        return None
    if offer is None:
        offers = list(quote.offers.all())
        offer = next((o for o in offers if o.pk == quote.chosen_offer_id), None) or min(
            offers, key=lambda o: (o.commercial_premium, o.pk), default=None
        )
    if offer is None:
        return None
    last_offer = _last_year_offer(policy)
    last_premium, new_premium = policy.premium, offer.commercial_premium
    difference = new_premium - last_premium
    percent = (difference * 100 / last_premium).quantize(Decimal("0.1"), ROUND_HALF_UP) if last_premium else None
    result = RenewalComparison(
        previous_policy=policy,
        offer=offer,
        last_premium=last_premium,
        new_premium=new_premium,
        difference=difference,
        percent=percent,
        last_ncd=last_offer.ncd_coefficient if last_offer else None,
        new_ncd=offer.ncd_coefficient,
        last_pricing=last_offer.pricing_coefficient if last_offer else None,
        new_pricing=offer.pricing_coefficient,
    )

    before = {c.coverage_id: c for c in policy.coverages.select_related("coverage")}
    after = {i.coverage_id: i for i in quote.items.select_related("coverage")}
    result.added = [after[k].coverage.name for k in after if k not in before]
    result.removed = [before[k].coverage.name for k in before if k not in after]
    result.limit_changes = [
        CoverageChange(after[k].coverage.name, before[k].limit, after[k].limit)
        for k in after
        if k in before and before[k].limit != after[k].limit
    ]

    zh, en = result.lines_zh, result.lines_en
    last = f"{policy.insurer} {policy.number}（{policy.start_date:%Y-%m-%d} 至 {policy.end_date:%Y-%m-%d}）"
    last_en = f"{policy.insurer} {policy.number} ({policy.start_date:%Y-%m-%d} to {policy.end_date:%Y-%m-%d})"
    pct_zh = f"（{abs(percent)}%）" if percent is not None else ""
    pct_en = f" ({abs(percent)}%)" if percent is not None else ""
    if difference > 0:
        zh.append(f"商业险保费：今年{offer.insurer}报价 {_fmt_money(new_premium)}，比去年 {_fmt_money(last_premium)}"
                  f"上涨 {_fmt_money(difference)}{pct_zh}。去年保单：{last}。")
        en.append(f"Commercial premium: {offer.insurer} quotes {_fmt_money(new_premium)} this year, up "
                  f"{_fmt_money(difference)}{pct_en} from {_fmt_money(last_premium)} last year. Last year's "
                  f"policy: {last_en}.")
    elif difference < 0:
        zh.append(f"商业险保费：今年{offer.insurer}报价 {_fmt_money(new_premium)}，比去年 {_fmt_money(last_premium)}"
                  f"下降 {_fmt_money(-difference)}{pct_zh}。去年保单：{last}。")
        en.append(f"Commercial premium: {offer.insurer} quotes {_fmt_money(new_premium)} this year, down "
                  f"{_fmt_money(-difference)}{pct_en} from {_fmt_money(last_premium)} last year. Last year's "
                  f"policy: {last_en}.")
    else:
        zh.append(f"商业险保费：今年{offer.insurer}报价 {_fmt_money(new_premium)}，与去年相同。去年保单：{last}。")
        en.append(f"Commercial premium: {offer.insurer} quotes {_fmt_money(new_premium)} this year, the same "
                  f"as last year. Last year's policy: {last_en}.")
    unknown_zh = "去年的系数未知（去年保单不是从 Chexian 报价出单的）。"
    unknown_en = "last year's is unknown (last year's policy was not issued from a Chexian quote)."
    _coef_sentences("无赔款优待系数（NCD）", "NCD coefficient (无赔款优待系数)", result.last_ncd, result.new_ncd,
                    zh, en, unknown_zh, unknown_en)
    _coef_sentences("自主定价系数", "Pricing coefficient (自主定价系数)", result.last_pricing, result.new_pricing,
                    zh, en, unknown_zh, unknown_en)
    zh.append("去年出险情况：Chexian 尚未记录理赔，请以保险公司平台返回的出险记录为准（它决定无赔款优待系数）。")
    en.append("Claims in the last year: claims not recorded yet in Chexian; the insurer's platform holds the "
              "claim record that sets the NCD.")
    if result.added:
        zh.append(f"新增险种：{'、'.join(result.added)}。")
        en.append(f"Coverages added: {', '.join(result.added)}.")
    if result.removed:
        zh.append(f"去掉的险种：{'、'.join(result.removed)}。")
        en.append(f"Coverages removed: {', '.join(result.removed)}.")
    for change in result.limit_changes:
        zh.append(f"{change.coverage}限额：由 {_fmt_limit(change.before)} 调整为 {_fmt_limit(change.after)}。")
        en.append(f"{change.coverage} limit: {_fmt_limit(change.before)} → {_fmt_limit(change.after)}.")
    if not (result.added or result.removed or result.limit_changes):
        zh.append("险种和限额与去年相同。")
        en.append("Same coverages and limits as last year.")
    return result


# ---------------------------------------------------------------- read helpers used by pages, API and the sheet
def value_added_services(quote: Quote):
    """The value-added service clauses (增值服务特约条款) of the quote's clauses in
    effect on its start date: the lawful way to add services to a sale (SPEC §3.7),
    offered on the quote sheet instead of gifts."""
    return Coverage.objects.effective_on(quote.start_date).filter(
        family=quote.clause_family, kind=CoverageKind.SERVICE
    ).order_by("sort_order", "code")
