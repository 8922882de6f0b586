"""Which coverages a vehicle may be quoted on, and whether a plan is one the clauses allow.

Quotes and policies call these three functions; the rules live here once:

- a new-energy vehicle is insured on the 2021 NEV exclusive clauses only, any
  other vehicle on the 2020 commercial model clauses (SPEC §3.2); 交强险 and
  non-motor products go with either;
- an add-on needs its main coverage in the same plan (``Coverage.requires``), or
  when it attaches to any main coverage (绝对免赔率特约, the value-added service
  clauses) at least one main coverage of its clauses;
- a limit must be one the clause offers (``Coverage.validate_limit``: tiers, rates);
- a coverage must be in effect on the date (the catalog is data with dates).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from chexian.catalog.choices import ClauseFamily, CoverageKind
from chexian.catalog.models import Coverage, PlanTemplate

# The order in which the families are listed: compulsory first, non-motor last.
FAMILY_ORDER = [ClauseFamily.CTPL, ClauseFamily.COMMERCIAL_2020, ClauseFamily.NEV_2021, ClauseFamily.NON_MOTOR]
# Families quoted alongside either commercial family.
SHARED_FAMILIES = (ClauseFamily.CTPL, ClauseFamily.NON_MOTOR)

PlanItems = Iterable[tuple[Coverage, "Decimal | int | str | None"]]


def family_order():
    """An ``order_by`` expression listing families in ``FAMILY_ORDER``."""
    return Case(
        *[When(family=family, then=Value(i)) for i, family in enumerate(FAMILY_ORDER)],
        default=Value(len(FAMILY_ORDER)),
        output_field=IntegerField(),
    )


def commercial_family_for(vehicle, date: datetime.date | None = None) -> str:
    """The commercial clauses a vehicle is insured on: the 2021 NEV exclusive
    clauses for a new-energy vehicle (BEV, PHEV/EREV, FCEV), else the 2020 model clauses.

    With a ``date`` before the NEV clauses took effect (2021-12-27, read from the
    catalog, not hard-coded), a new-energy vehicle was insured on the 2020 clauses.
    """
    if not vehicle.is_new_energy:
        return ClauseFamily.COMMERCIAL_2020
    if date is not None and not _nev_clauses_in_effect(date):
        return ClauseFamily.COMMERCIAL_2020
    return ClauseFamily.NEV_2021


def _nev_clauses_in_effect(date: datetime.date) -> bool:
    return (
        Coverage.objects.effective_on(date).filter(family=ClauseFamily.NEV_2021, kind=CoverageKind.MAIN).exists()
    )


def allowed_families(vehicle, date: datetime.date | None = None) -> tuple[str, ...]:
    """The clause families a plan for ``vehicle`` may use: its commercial clauses, 交强险, non-motor."""
    return (commercial_family_for(vehicle, date), *SHARED_FAMILIES)


def coverages_for_vehicle(vehicle, date: datetime.date) -> QuerySet[Coverage]:
    """The coverages a vehicle can be quoted on, on ``date``: 交强险, the mains,
    add-ons and value-added services of its commercial clauses, and non-motor products."""
    return (
        Coverage.objects.effective_on(date)
        .filter(family__in=allowed_families(vehicle, date))
        .select_related("requires")
        .order_by(family_order(), "sort_order", "code")
    )


def is_effective(coverage: Coverage, date: datetime.date) -> bool:
    return coverage.effective_from <= date and (coverage.effective_until is None or coverage.effective_until >= date)


def _family_label(family: str) -> str:
    return str(ClauseFamily(family).label) if family in ClauseFamily.values else family


def plan_errors(items: list[tuple[Coverage, object]], *, families: Iterable[str], date: datetime.date | None,
                vehicle_label: str = "") -> tuple[list[ValidationError], list[tuple[Coverage, Decimal | None]]]:
    """The rule violations of a plan, and its items with their limits cleaned.

    ``families`` are the clause families the plan may use; ``date`` None skips the
    effective-date rule (a template is checked against the catalog, not a day).
    Shared by ``validate_plan`` and the template admin so both apply the same rules.
    """
    families = set(families)
    errors: list[ValidationError] = []
    cleaned: list[tuple[Coverage, Decimal | None]] = []
    in_plan = {coverage.pk for coverage, _limit in items}
    mains_by_family = {coverage.family for coverage, _limit in items if coverage.kind == CoverageKind.MAIN}
    seen: set[int] = set()
    for coverage, limit in items:
        params = {"coverage": coverage.name, "code": coverage.code}
        if coverage.pk in seen:
            errors.append(ValidationError(
                _("%(coverage)s is in the plan twice; list each coverage once."), code="coverage_duplicate",
                params=params,
            ))
            continue
        seen.add(coverage.pk)
        if coverage.family not in families:
            if not vehicle_label:  # a template: no vehicle to explain the family by
                message = _("%(coverage)s belongs to the %(family)s, which this plan cannot use.")
            elif coverage.family == ClauseFamily.NEV_2021:
                message = _(
                    "%(coverage)s belongs to the new-energy vehicle exclusive clauses; %(vehicle)s is insured on "
                    "the 2020 commercial model clauses, which apply to every vehicle that is not new-energy "
                    "(and applied to new-energy vehicles before 2021-12-27)."
                )
            elif ClauseFamily.NEV_2021 in families:
                message = _(
                    "%(coverage)s belongs to the %(family)s; %(vehicle)s is a new-energy vehicle and since "
                    "2021-12-27 is insured on the new-energy vehicle exclusive clauses only."
                )
            else:
                message = _("%(coverage)s belongs to the %(family)s, which %(vehicle)s cannot be insured on.")
            errors.append(ValidationError(message, code="coverage_wrong_family", params={
                **params, "family": _family_label(coverage.family), "vehicle": vehicle_label,
            }))
        if date is not None and not is_effective(coverage, date):
            if date < coverage.effective_from:
                message = _("%(coverage)s is not in effect on %(date)s: it takes effect on %(start)s.")
            else:
                message = _("%(coverage)s is no longer in effect on %(date)s: it ended on %(end)s.")
            errors.append(ValidationError(message, code="coverage_not_effective", params={
                **params, "date": date.isoformat(), "start": coverage.effective_from.isoformat(),
                "end": coverage.effective_until.isoformat() if coverage.effective_until else "",
            }))
        if coverage.kind in (CoverageKind.ADDON, CoverageKind.SERVICE):
            if coverage.requires_id and coverage.requires_id not in in_plan:
                errors.append(ValidationError(
                    _("%(coverage)s is an add-on of %(main)s: add %(main)s to the plan or leave the add-on out."),
                    code="addon_without_main", params={**params, "main": coverage.requires.name},
                ))
            elif not coverage.requires_id and coverage.family not in mains_by_family:
                errors.append(ValidationError(
                    _("%(coverage)s attaches to a main coverage of the same clauses (vehicle damage, third-party "
                      "or on-board persons liability): add one to the plan."),
                    code="addon_without_main", params=params,
                ))
        try:
            cleaned_limit = coverage.validate_limit(limit)
        except (InvalidOperation, TypeError, ValueError):
            errors.append(ValidationError(
                _("%(limit)s is not a valid limit for %(coverage)s."), code="limit_invalid",
                params={**params, "limit": limit},
            ))
            continue
        except ValidationError as exc:
            for error in exc.error_list:
                if error.code == "limit_positive":  # the model's message does not name the coverage
                    error = ValidationError(_("The limit of %(coverage)s must be positive."),
                                            code="limit_positive", params=params)
                errors.append(error)
            continue
        if cleaned_limit is None and limit not in (None, ""):
            # No limit to choose (e.g. 车损险, whose amount is the vehicle's value as
            # the insurer sets it): keep what the insurer returned, unchecked.
            cleaned_limit = _decimal_or_none(limit)
        cleaned.append((coverage, cleaned_limit))
    return errors, cleaned


def _decimal_or_none(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def validate_plan(vehicle, items: PlanItems, date: datetime.date) -> list[tuple[Coverage, Decimal | None]]:
    """Refuse a plan the clauses do not allow for ``vehicle`` on ``date``.

    ``items`` are ``(coverage, limit)`` pairs. Raises one ``ValidationError`` listing
    every broken rule, each naming the coverage and with a stable code:
    ``coverage_wrong_family``, ``coverage_not_effective``, ``addon_without_main``,
    ``limit_not_a_tier``, ``limit_required``, ``limit_positive``, ``limit_invalid``,
    ``coverage_duplicate``. Returns the items with limits as ``Decimal`` (or None).
    """
    items = list(items)
    errors, cleaned = plan_errors(
        items, families=allowed_families(vehicle, date), date=date, vehicle_label=str(vehicle),
    )
    if errors:
        raise ValidationError(errors)
    return cleaned


def template_items(template: PlanTemplate) -> list[tuple[Coverage, Decimal | None]]:
    """A template's ``(coverage, limit)`` pairs in catalog order, ready for ``validate_plan``.

    A limit of None is a coverage with no limit to choose. The templates list
    commercial coverages only: 交强险 is part of every plan and quoted on its own.
    """
    items = sorted(
        template.items.all() if _items_prefetched(template) else template.items.select_related("coverage"),
        key=lambda item: (item.coverage.sort_order, item.coverage.code),
    )
    return [(item.coverage, item.limit) for item in items]


def _items_prefetched(template: PlanTemplate) -> bool:
    return "items" in getattr(template, "_prefetched_objects_cache", {})
