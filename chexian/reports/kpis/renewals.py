"""Renewal rate (续保率) under the three definitions of SPEC §4.1, the renewal-rate report
(by month, specialist, insurer and vehicle age) and the churn analysis (客户流失率)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, DateField, Exists, ExpressionWrapper, F, OuterRef, Subquery
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils.translation import gettext_lazy as _

from chexian.customers.models import Vehicle
from chexian.policies.choices import BusinessType
from chexian.renewals.models import RenewalCase
from chexian.reports.engine import INT, RATE, TEXT, Chart, Column, Figure, Rate, Report, register
from chexian.reports.kpis.common import EARLY_RENEWAL_DAYS, MOTOR, policies, year_before

COHORT, FLEET, YEARLY = "cohort", "fleet", "yearly"
DEFINITIONS = {
    COHORT: _("Cohort: of the own-brand vehicles whose policies bought at this store expire in the period, the "
              "share renewed at this store (a policy starting at most 60 days before the expiry and running "
              "beyond it). Vehicles count once; customers new this year are not renewals."),
    FLEET: _("Fleet: own-brand vehicles renewed at this store in the period ÷ the store's customer base (保有量: "
             "own-brand vehicles sold by the store) at the end of the same month last year; other brands are "
             "excluded (seed-002 §4.5.2)."),
    YEARLY: _("Yearly: own-brand vehicles renewed at this store in the period ÷ the customer base at the end of "
              "last year (seed-002 五、2)."),
}


def renewal_of(outer_end: str = "end_date"):
    """A later policy at the same store that renews the outer policy (as ``renewals.services.close_renewed``)."""
    from chexian.policies.choices import PolicyStatus
    from chexian.policies.models import Policy

    return (Policy.objects.filter(
        store=OuterRef("store"), vehicle=OuterRef("vehicle"), line__in=MOTOR,
        start_date__gte=ExpressionWrapper(OuterRef(outer_end) - dt.timedelta(days=EARLY_RENEWAL_DAYS),
                                          output_field=DateField()),
        end_date__gt=OuterRef(outer_end)).exclude(status=PolicyStatus.CANCELLED))


def expiring(ctx, start: dt.date | None = None, end: dt.date | None = None):
    """Own-brand vehicles' motor policies from this store expiring in the period, each marked renewed or not."""
    start, end = start or ctx.period.start, end or ctx.period.end
    return (policies(ctx).filter(line__in=MOTOR, end_date__gte=start, end_date__lte=end, vehicle__is_own_brand=True)
            .annotate(renewed=Exists(renewal_of())))


def cohort_counts() -> dict:
    # The filter is the Exists itself: a filter on the "renewed" annotation is lost when SQLite aggregates.
    return {"due": Count("vehicle", distinct=True),
            "renewed": Count("vehicle", distinct=True, filter=Exists(renewal_of()))}


def customer_base(ctx, at: dt.date):
    """保有量: own-brand vehicles the store sold, bought on or before ``at``."""
    return Vehicle.objects.filter(store_id__in=ctx.scope.store_ids, is_own_brand=True, sold_here=True,
                                  purchase_date__lte=at)


def renewed_vehicles(ctx):
    """Own-brand vehicles with a renewal policy (续保) at the store starting in the period."""
    return (policies(ctx).filter(business_type=BusinessType.RENEWAL, line__in=MOTOR, vehicle__is_own_brand=True,
                                 start_date__gte=ctx.period.start, start_date__lte=ctx.until))


def renewal_rate(ctx) -> Rate:
    definition = ctx.options.get("definition", COHORT)
    if definition == COHORT:
        counts = expiring(ctx).aggregate(**cohort_counts())
        return Rate(counts["renewed"], counts["due"])
    renewed = renewed_vehicles(ctx).aggregate(n=Count("vehicle", distinct=True))["n"]
    if definition == FLEET:
        at = year_before(ctx.period.end)
    else:
        at = dt.date(ctx.period.start.year - 1, 12, 31)
    return Rate(renewed, customer_base(ctx, at).count())


@register
class RenewalRate(Report):
    code = "renewal_rate"
    title = _("Renewal rate (续保率)")
    definition = _("Renewal rate under the definition chosen (cohort by default, fleet or yearly), overall and by "
                   "month of expiry, specialist, insurer and vehicle age. Under the fleet and yearly definitions "
                   "the breakdowns still show the cohort of the period.")
    options = {"definition": (COHORT, FLEET, YEARLY)}
    columns = (Column("dimension", _("Breakdown"), TEXT), Column("label", _("Group"), TEXT),
               Column("due", _("Due"), INT),
               Column("renewed", _("Renewed here"), INT), Column("rate", _("Renewal rate"), RATE))

    def default_option(self, name):
        # Regions define the renewal rate differently (seed-000): the group chooses its default in the settings.
        from django.conf import settings

        if name == "definition":
            return getattr(settings, "CHEXIAN_RENEWAL_RATE_DEFINITION", COHORT)
        return super().default_option(name)

    def describe_options(self, options):
        return str(DEFINITIONS[options.get("definition", COHORT)])

    def figures(self, ctx):
        return [Figure("renewal_rate", _("Renewal rate"), renewal_rate(ctx), RATE, drill="due",
                       note=ctx.options.get("definition", COHORT))]

    def rows(self, ctx):
        base = expiring(ctx)
        case = RenewalCase.objects.filter(expiring_policy=OuterRef("pk")).values("assigned_to__username")[:1]
        dimensions = (
            ("month", _("Month of expiry"), base.annotate(key=TruncMonth("end_date"))),
            ("specialist", _("Specialist"), base.annotate(key=Subquery(case))),
            ("insurer", _("Insurer"), base.annotate(key=F("insurer__short_name"))),
            ("vehicle_age", _("Vehicle age (years)"), base.annotate(
                key=ExtractYear("end_date") - ExtractYear("vehicle__first_registration_date"))),
        )
        rows = []
        for dimension, label, queryset in dimensions:
            for row in queryset.values("key").annotate(**cohort_counts()).order_by("key"):
                key = row["key"]
                if isinstance(key, dt.datetime | dt.date):
                    key = f"{key:%Y-%m}"
                rows.append({"dimension": str(label), "key": dimension,
                             "label": str(key) if key is not None else str(_("(none)")), "due": row["due"],
                             "renewed": row["renewed"], "rate": Rate(row["renewed"], row["due"])})
        return rows

    def charts(self, ctx, figures, rows):
        months = [row for row in rows if row["key"] == "month"]
        if not months:
            return []
        return [Chart("by_month", _("Renewal rate by month of expiry"), "bar", [row["label"] for row in months],
                      [{"name": _("Renewal rate"), "data": [row["rate"].value for row in months]}], unit="%")]

    def drill(self, ctx, key):
        rows = expiring(ctx).select_related("vehicle", "insurer")
        if key == "renewed":
            rows = rows.filter(renewed=True)
        elif key == "lost":
            rows = rows.filter(renewed=False)
        return rows.order_by("end_date", "number"), [
            ("number", _("Policy number")), ("vehicle.plate", _("Plate")), ("vehicle.brand", _("Brand")),
            ("insurer.short_name", _("Insurer")), ("end_date", _("Expires")), ("renewed", _("Renewed here"))]
