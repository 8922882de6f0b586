"""First-insurance rate (首保率/新保率, seed-002 §4.5.1)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from chexian.customers.models import Vehicle
from chexian.policies.choices import BusinessType
from chexian.reports.engine import INT, RATE, TEXT, Chart, Column, Figure, Rate, Report, register
from chexian.reports.kpis.common import policies


def new_cars_sold(ctx):
    """Cars the store sold in the period, each marked insured here as a new car or not."""
    insured = policies(ctx).filter(vehicle=OuterRef("pk"), business_type=BusinessType.NEW_CAR)
    return (Vehicle.objects.filter(store_id__in=ctx.scope.store_ids, sold_here=True,
                                   purchase_date__gte=ctx.period.start, purchase_date__lte=ctx.until)
            .annotate(insured_here=Exists(insured)))


COUNTS = {"sold": Count("pk"), "insured": Count("pk", filter=Q(insured_here=True))}


@register
class FirstInsuranceRate(Report):
    code = "first_insurance_rate"
    title = _("First-insurance rate (首保率)")
    definition = _("New cars sold by the store in the period that were insured here as new cars ÷ new cars sold "
                   "in the period (seed-002 §4.5.1).")
    columns = (Column("label", _("Month"), TEXT), Column("sold", _("New cars sold"), INT),
               Column("insured", _("Insured here"), INT), Column("rate", _("First-insurance rate"), RATE))

    def figures(self, ctx):
        counts = new_cars_sold(ctx).aggregate(**COUNTS)
        return [Figure("first_insurance_rate", _("First-insurance rate"), Rate(counts["insured"], counts["sold"]),
                       RATE, drill="sold")]

    def rows(self, ctx):
        return [{"label": f"{row['month']:%Y-%m}", "sold": row["sold"], "insured": row["insured"],
                 "rate": Rate(row["insured"], row["sold"])}
                for row in new_cars_sold(ctx).annotate(month=TruncMonth("purchase_date")).values("month")
                .annotate(**COUNTS).order_by("month")]

    def charts(self, ctx, figures, rows):
        if len(rows) < 2:
            return []
        return [Chart("trend", _("First-insurance rate by month"), "line", [row["label"] for row in rows],
                      [{"name": _("First-insurance rate"), "data": [row["rate"].value for row in rows]}], unit="%")]

    def drill(self, ctx, key):
        rows = new_cars_sold(ctx).select_related("owner")
        if key == "insured":
            rows = rows.filter(insured_here=True)
        elif key == "not_insured":
            rows = rows.filter(insured_here=False)
        return rows.order_by("purchase_date", "pk"), [
            ("vin", _("VIN")), ("brand", _("Brand")), ("model_name", _("Model")), ("purchase_date", _("Purchase date")),
            ("insured_here", _("Insured here"))]


def monthly_trend(ctx, months: int = 12) -> Chart:
    """Policies and commission per month over the last ``months`` months up to the period's end
    (one grouped query; months without business show as zero)."""
    from django.db.models import Sum

    from chexian.reports.engine import money
    from chexian.reports.kpis.common import policies as scoped_policies

    shown = ctx.period.shifted_months(months)
    found = {f"{row['month']:%Y-%m}": row for row in scoped_policies(ctx).filter(
        issued_on__gte=shown[0].start, issued_on__lte=ctx.until).annotate(month=TruncMonth("issued_on"))
        .values("month").annotate(policies=Count("pk"), commission=Sum("commission_amount")).order_by("month")}
    labels = [month.label for month in shown]
    return Chart("trend", _("Policies and commission, last 12 months"), "line", labels, [
        {"name": _("Policies"), "data": [found.get(label, {}).get("policies", 0) for label in labels]},
        {"name": _("Commission (¥ thousand)"), "data": [
            (money(found[label]["commission"]) / 1000).quantize(money(0)) if label in found else 0
            for label in labels]},
    ])
