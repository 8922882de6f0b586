"""The group's monthly ranking of stores (seed-002 §4.7.2): first-insurance rate and its
commission income, renewal rate (cohort) and its commission income, and progress to
the yearly commission target — per store, with its region, each figure grouped by
store in one query."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, Q, Sum
from django.utils.translation import gettext_lazy as _

from chexian.policies.choices import BusinessType
from chexian.reports.engine import INT, MONEY, RATE, TEXT, Chart, Column, Figure, Rate, Report, money, register
from chexian.reports.kpis.common import policies
from chexian.reports.kpis.renewals import expiring, renewal_of
from chexian.reports.kpis.sales import new_cars_sold
from chexian.reports.models import StoreTarget


def _by_store(rows, key="store_id") -> dict:
    return {row[key]: row for row in rows}


@register
class GroupRanking(Report):
    code = "group_ranking"
    title = _("Monthly ranking of stores (门店排名)")
    definition = _("Per store: first-insurance rate and the commission of new-car policies; renewal rate (cohort) "
                   "and the commission of renewals; commission of the year to date against the store's yearly "
                   "target. Ranked by renewal rate; each store links to its own reports.")
    group_only = True
    compare = False
    frozen_at_close = False
    columns = (Column("rank", _("Rank"), INT), Column("region", _("Region"), TEXT), Column("store", _("Store"), TEXT),
               Column("first_insurance_rate", _("First-insurance rate"), RATE),
               Column("new_car_commission", _("New-car commission"), MONEY),
               Column("renewal_rate", _("Renewal rate"), RATE),
               Column("renewal_commission", _("Renewal commission"), MONEY),
               Column("year_commission", _("Commission, year to date"), MONEY),
               Column("target", _("Yearly target"), MONEY),
               Column("progress", _("Progress to target"), RATE))

    def _table(self, ctx) -> list[dict]:
        sold = _by_store(new_cars_sold(ctx).values("store_id").annotate(
            sold=Count("pk"), insured=Count("pk", filter=Q(insured_here=True))))
        cohort = _by_store(expiring(ctx).values("store_id").annotate(
            due=Count("vehicle", distinct=True), renewed=Count("vehicle", distinct=True,
                                                                filter=Exists(renewal_of()))))
        month_money = _by_store(policies(ctx).filter(issued_on__gte=ctx.period.start, issued_on__lte=ctx.until)
                                .values("store_id").annotate(
            new_car=Sum("commission_amount", filter=Q(business_type=BusinessType.NEW_CAR)),
            renewal=Sum("commission_amount", filter=Q(business_type=BusinessType.RENEWAL))))
        year_start = dt.date(ctx.period.end.year, 1, 1)
        year_money = _by_store(policies(ctx).filter(issued_on__gte=year_start, issued_on__lte=ctx.until)
                               .values("store_id").annotate(total=Sum("commission_amount")))
        targets = dict(StoreTarget.objects.filter(store_id__in=ctx.scope.store_ids, year=ctx.period.end.year)
                       .values_list("store_id", "commission_target"))
        rows = []
        for store in ctx.scope.stores:
            s, c, m = sold.get(store.pk, {}), cohort.get(store.pk, {}), month_money.get(store.pk, {})
            year = money(year_money.get(store.pk, {}).get("total"))
            target = targets.get(store.pk)
            rows.append({
                "store_code": store.code, "store": store.name, "region": store.region.name,
                "region_code": store.region.code,
                "first_insurance_rate": Rate(s.get("insured", 0), s.get("sold", 0)),
                "new_car_commission": money(m.get("new_car")),
                "renewal_rate": Rate(c.get("renewed", 0), c.get("due", 0)),
                "renewal_commission": money(m.get("renewal")),
                "year_commission": year, "target": money(target) if target is not None else None,
                "progress": Rate(year, target) if target else Rate(year, 0),
            })
        rows.sort(key=lambda row: (row["renewal_rate"].value is None, -(row["renewal_rate"].value or 0),
                                   row["store_code"]))
        for rank, row in enumerate(rows, start=1):
            row["rank"] = rank
        return rows

    def figures(self, ctx):
        rows = ctx.memo("group_ranking", lambda: self._table(ctx))
        total = lambda key: sum((row[key].numerator for row in rows), 0)  # noqa: E731
        base = lambda key: sum((row[key].denominator for row in rows), 0)  # noqa: E731
        return [
            Figure("first_insurance_rate", _("First-insurance rate, group"),
                   Rate(total("first_insurance_rate"), base("first_insurance_rate")), RATE),
            Figure("renewal_rate", _("Renewal rate, group"), Rate(total("renewal_rate"), base("renewal_rate")), RATE),
            Figure("year_commission", _("Commission, year to date"),
                   money(sum((row["year_commission"] for row in rows), 0)), MONEY),
        ]

    def rows(self, ctx):
        return ctx.memo("group_ranking", lambda: self._table(ctx))

    def charts(self, ctx, figures, rows):
        top = rows[:20]
        return [Chart("renewal_ranking", _("Renewal rate by store"), "hbar", [row["store"] for row in top],
                      [{"name": _("Renewal rate"), "data": [row["renewal_rate"].value for row in top]}], unit="%")]
