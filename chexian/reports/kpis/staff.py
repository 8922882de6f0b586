"""Staff efficiency (人效, SPEC §3.11, seed-000 七、): per person who issued policies — policies,
renewals, premium, commission, the person's share of the scope's commission — against the same
period last year (同期对比). One grouped query gives both periods for every person."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from chexian.policies.choices import BusinessType
from chexian.reports.engine import INT, MONEY, RATE, SHARE, TEXT, Chart, Column, Figure, Rate, Report, money, register
from chexian.reports.kpis.common import policies
from chexian.reports.kpis.money import person


def per_person(ctx) -> list[dict]:
    """Every issuer with business in the period or the same period last year, each with both periods'
    figures — one grouped query (conditional sums), memoised for the figures and the rows."""
    def compute():
        this_year = ctx.shifted(ctx.period)
        last_year = ctx.shifted(ctx.period.last_year())
        now = Q(issued_on__gte=this_year.period.start, issued_on__lte=this_year.until)
        then = Q(issued_on__gte=last_year.period.start, issued_on__lte=last_year.until)
        found = (policies(ctx).filter(now | then)
                 .values("issuer_id", "issuer__username", "issuer__first_name", "issuer__last_name")
                 .annotate(policies=Count("pk", filter=now),
                           renewals=Count("pk", filter=now & Q(business_type=BusinessType.RENEWAL)),
                           # Named unlike the fields: an annotation "premium" would shadow Policy.premium.
                           sum_premium=Sum("premium", filter=now),
                           sum_commission=Sum("commission_amount", filter=now),
                           ly_policies=Count("pk", filter=then), ly_premium=Sum("premium", filter=then),
                           ly_commission=Sum("commission_amount", filter=then))
                 .order_by("issuer__username"))
        rows = [{"label": person(row, "issuer"), "policies": row["policies"], "renewals": row["renewals"],
                 "premium": money(row["sum_premium"]), "commission": money(row["sum_commission"]),
                 "ly_policies": row["ly_policies"], "ly_premium": money(row["ly_premium"]),
                 "ly_commission": money(row["ly_commission"])} for row in found]
        total = sum((row["commission"] for row in rows), money(0))
        for row in rows:
            row["share"] = Rate(row["commission"], total)
            row["vs_last_year"] = Rate(row["commission"], row["ly_commission"])
        return sorted(rows, key=lambda row: (-row["commission"], -row["ly_commission"], row["label"]))
    return ctx.memo("per_person", compute)


@register
class StaffEfficiency(Report):
    code = "staff_efficiency"
    permission = "commission.view"
    title = _("Staff efficiency (人效)")
    definition = _(
        "Per person who issued policies in the period (the policy's issuer; cancelled policies excluded): "
        "policies issued, of them renewals, premium and commission, and the person's share of the commission "
        "of everyone in the scope; beside them the same person's figures for the same period last year. "
        "Commission per person = the scope's commission ÷ the people who issued at least one policy in the "
        "period.")
    columns = (Column("label", _("Person"), TEXT), Column("policies", _("Policies"), INT),
               Column("renewals", _("Renewals"), INT), Column("premium", _("Premium"), MONEY),
               Column("commission", _("Commission"), MONEY), Column("share", _("Share of commission"), SHARE),
               Column("ly_policies", _("Policies, last year"), INT),
               Column("ly_premium", _("Premium, last year"), MONEY),
               Column("ly_commission", _("Commission, last year"), MONEY),
               Column("vs_last_year", _("Commission against last year"), RATE))

    def figures(self, ctx):
        rows = per_person(ctx)
        active = [row for row in rows if row["policies"]]
        commission = sum((row["commission"] for row in rows), money(0))
        people = len(active)
        return [
            Figure("policies", _("Policies issued"), sum(row["policies"] for row in rows), INT,
                   drill="policies"),
            Figure("premium", _("Premium"), sum((row["premium"] for row in rows), money(0)), MONEY,
                   drill="policies"),
            Figure("commission", _("Commission"), commission, MONEY, drill="policies"),
            Figure("people", _("People who issued"), people, INT),
            Figure("per_person", _("Commission per person"), money(commission / people) if people else None, MONEY),
        ]

    def rows(self, ctx):
        return per_person(ctx)

    def totals(self, ctx, rows):
        if not rows:
            return {}
        total = {"label": str(_("Total"))}
        for key in ("policies", "renewals", "ly_policies"):
            total[key] = sum(row[key] for row in rows)
        for key in ("premium", "commission", "ly_premium", "ly_commission"):
            total[key] = sum((row[key] for row in rows), money(0))
        total["share"] = Rate(total["commission"], total["commission"])
        total["vs_last_year"] = Rate(total["commission"], total["ly_commission"])
        return total

    def charts(self, ctx, figures, rows):
        if not rows:
            return []
        return [Chart("commission_per_person", _("Commission per person"), "hbar", [row["label"] for row in rows], [
            {"name": _("Commission"), "data": [row["commission"] for row in rows]},
            {"name": _("Same period last year"), "data": [row["ly_commission"] for row in rows]}], unit="¥")]

    def drill(self, ctx, key):
        if key not in ("policies", "premium", "commission"):
            return None
        rows = (policies(ctx).filter(issued_on__gte=ctx.period.start, issued_on__lte=ctx.until)
                .select_related("issuer", "vehicle", "insurer"))
        return rows.order_by("issuer__username", "issued_on", "number"), [
            ("issuer.username", _("Person")), ("number", _("Policy number")), ("issued_on", _("Issued on")),
            ("get_business_type_display", _("Business type")), ("insurer.short_name", _("Insurer")),
            ("premium", _("Premium")), ("commission_amount", _("Commission"))]
