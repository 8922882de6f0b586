"""The daily operations report (经营日报表, SPEC §4.2 1): the day and the month to date —
policies by business type, premium, commission, quotes, new intention customers,
follow-ups made, renewals due / renewed / lost, claims opened / closed / paid,
referrals — against the month's targets. One conditional aggregate per table:
the day and the month to date come out of the same query."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from chexian.claims.models import ClaimCase
from chexian.leads.choices import LeadSource
from chexian.leads.models import Lead, LeadFollowUp
from chexian.policies.choices import BusinessType
from chexian.quotes.models import Quote
from chexian.renewals.choices import CaseStatus
from chexian.renewals.models import ContactLog, RenewalCase, RenewalTarget
from chexian.reports.engine import INT, MONEY, RATE, TEXT, Chart, Column, Figure, Rate, Report, money, register
from chexian.reports.kpis.common import policies
from chexian.reports.periods import DAY


def day_of(ctx) -> dt.date:
    """The day reported: the day asked for, or the last day counted of a longer period."""
    return ctx.period.start if ctx.period.kind == DAY else ctx.until


def _both(queryset, field: str, day: dt.date, measures: dict) -> dict:
    """``measures`` {name: (aggregate class, expression, extra Q)} for the day and the month to date, one query."""
    month = day.replace(day=1)
    queryset = queryset.filter(**{f"{field}__gte": month, f"{field}__lte": day})
    aggregates = {}
    for name, (aggregate, expression, extra) in measures.items():
        extra = extra or Q()
        aggregates[f"{name}__day"] = aggregate(expression, filter=extra & Q(**{field: day}))
        aggregates[f"{name}__month"] = aggregate(expression, filter=extra)
    return queryset.aggregate(**aggregates)


def figures_for(ctx) -> dict:
    """Every metric of the report: {name: (day, month to date)}."""
    day = day_of(ctx)
    ids = ctx.scope.store_ids
    found: dict = {}
    found.update(_both(policies(ctx), "issued_on", day, {
        "policies_new_car": (Count, "pk", Q(business_type=BusinessType.NEW_CAR)),
        "policies_renewal": (Count, "pk", Q(business_type=BusinessType.RENEWAL)),
        "policies_transfer_in": (Count, "pk", Q(business_type=BusinessType.TRANSFER_IN)),
        "premium": (Sum, "premium", None),
        "commission": (Sum, "commission_amount", None),
    }))
    found.update(_both(Quote.objects.filter(store_id__in=ids), "created_at__date", day, {
        "quotes": (Count, "pk", None)}))
    found.update(_both(Lead.objects.filter(store_id__in=ids), "created_at__date", day, {
        "leads": (Count, "pk", None), "referrals": (Count, "pk", Q(source=LeadSource.REFERRAL))}))
    found.update(_both(ContactLog.objects.filter(case__store_id__in=ids), "created_at__date", day, {
        "renewal_contacts": (Count, "pk", None)}))
    found.update(_both(LeadFollowUp.objects.filter(lead__store_id__in=ids), "created_at__date", day, {
        "lead_follow_ups": (Count, "pk", None)}))
    found.update(_both(RenewalCase.objects.filter(store_id__in=ids), "due_date", day, {
        "renewals_due": (Count, "pk", None)}))
    found.update(_both(RenewalCase.objects.filter(store_id__in=ids), "closed_at__date", day, {
        "renewed": (Count, "pk", Q(status=CaseStatus.RENEWED)), "lost": (Count, "pk", Q(status=CaseStatus.LOST))}))
    claims = ClaimCase.objects.filter(store_id__in=ids)
    found.update(_both(claims, "created_at__date", day, {"claims_opened": (Count, "pk", None)}))
    found.update(_both(claims, "closed_at__date", day, {"claims_closed": (Count, "pk", None)}))
    found.update(_both(claims, "paid_on", day, {"claims_paid": (Count, "pk", None)}))
    found["renewal_target"] = RenewalTarget.objects.filter(store_id__in=ids, month=day.replace(day=1)).aggregate(
        total=Sum("target"))["total"] or 0
    return found


def headline_for(ctx) -> dict:
    """Only what the headline figures read (policies, premium, commission; renewed against target): the previous
    period and last year need these, not the whole table — three queries instead of eleven."""
    day = day_of(ctx)
    ids = ctx.scope.store_ids
    found = _both(policies(ctx), "issued_on", day, {
        "policies": (Count, "pk", None), "premium": (Sum, "premium", None),
        "commission": (Sum, "commission_amount", None)})
    found.update(_both(RenewalCase.objects.filter(store_id__in=ids), "closed_at__date", day, {
        "renewed": (Count, "pk", Q(status=CaseStatus.RENEWED))}))
    found["renewal_target"] = RenewalTarget.objects.filter(store_id__in=ids, month=day.replace(day=1)).aggregate(
        total=Sum("target"))["total"] or 0
    return found


METRICS = (
    ("policies_new_car", _("New-car policies (新车首保)"), INT),
    ("policies_renewal", _("Renewal policies (续保)"), INT),
    ("policies_transfer_in", _("Transfer-in policies (转保)"), INT),
    ("premium", _("Premium"), MONEY),
    ("commission", _("Commission"), MONEY),
    ("quotes", _("Quotes"), INT),
    ("leads", _("New intention customers"), INT),
    ("renewal_contacts", _("Renewal calls and messages logged"), INT),
    ("lead_follow_ups", _("Lead follow-ups"), INT),
    ("renewals_due", _("Renewals due"), INT),
    ("renewed", _("Renewed here"), INT),
    ("lost", _("Renewals lost"), INT),
    ("claims_opened", _("Claims opened"), INT),
    ("claims_closed", _("Claims closed"), INT),
    ("claims_paid", _("Claims paid in full"), INT),
    ("referrals", _("Referrals from other departments"), INT),
)


@register
class DailyOperations(Report):
    code = "daily_operations"
    title = _("Daily operations report (经营日报表)")
    definition = _("The day and the month to date: policies by business type, premium, commission, quotes, new "
                   "intention customers, follow-ups, renewals due, renewed and lost, claims opened, closed and "
                   "paid, referrals — and the month's renewals against the specialists' targets.")
    columns = (Column("label", _("Figure"), TEXT), Column("day", _("Day"), INT),
               Column("month", _("Month to date"), INT), Column("target", _("Month target"), INT),
               Column("attainment", _("Attainment"), RATE))

    def figures(self, ctx):
        found = ctx.memo("daily_operations:headline", lambda: headline_for(ctx))
        return [
            Figure("policies", _("Policies, month to date"), found["policies__month"] or 0, INT, drill="policies"),
            Figure("premium", _("Premium, month to date"), money(found["premium__month"]), MONEY),
            Figure("commission", _("Commission, month to date"), money(found["commission__month"]), MONEY),
            Figure("renewal_attainment", _("Renewals against target"),
                   Rate(found["renewed__month"] or 0, found["renewal_target"]), RATE),
        ]

    def rows(self, ctx):
        found = ctx.memo("daily_operations", lambda: figures_for(ctx))
        rows = []
        for key, label, kind in METRICS:
            day, month = found[f"{key}__day"], found[f"{key}__month"]
            if kind == MONEY:
                day, month = money(day), money(month)
            row = {"key": key, "label": str(label), "day": day or (Decimal("0.00") if kind == MONEY else 0),
                   "month": month or (Decimal("0.00") if kind == MONEY else 0), "target": None, "attainment": None}
            if key == "renewed":
                row["target"] = found["renewal_target"]
                row["attainment"] = Rate(month or 0, found["renewal_target"])
            rows.append(row)
        return rows

    def charts(self, ctx, figures, rows):
        counts = [row for row in rows if row["key"] in ("policies_new_car", "policies_renewal",
                                                        "policies_transfer_in", "quotes", "leads", "referrals")]
        return [Chart("month_to_date", _("Month to date"), "hbar", [row["label"] for row in counts],
                      [{"name": _("Month to date"), "data": [row["month"] for row in counts]}])]

    def drill(self, ctx, key):
        if key != "policies":
            return None
        day = day_of(ctx)
        rows = policies(ctx).filter(issued_on__gte=day.replace(day=1), issued_on__lte=day).select_related(
            "vehicle", "insurer", "issuer")
        return rows.order_by("-issued_on", "number"), [
            ("number", _("Policy number")), ("issued_on", _("Issue date")), ("get_business_type_display",
                                                                            _("Business type")),
            ("insurer.short_name", _("Insurer")), ("premium", _("Premium")), ("commission_amount", _("Commission")),
            ("issuer.username", _("Issuer"))]

    def push_text(self, result) -> str:
        """The short text for the staff group's morning message (the daily job)."""
        rows = {row["key"]: row for row in result.rows}
        day = day_of(result.ctx)
        issued = sum(rows[key]["day"] for key in ("policies_new_car", "policies_renewal", "policies_transfer_in"))
        premium = rows["premium"]
        return "\n".join([
            f"【{result.ctx.scope.label}】{day:%m月%d日} 经营日报",
            f"出单 {issued} 件（本月 {result.figures[0].value}）；保费 ¥{premium['day']}（本月 ¥{premium['month']}）",
            f"手续费本月 ¥{rows['commission']['month']}；报价 {rows['quotes']['day']}；新增意向 {rows['leads']['day']}",
            f"续保：到期 {rows['renewals_due']['day']}，成功 {rows['renewed']['day']}，战败 {rows['lost']['day']}；"
            f"本月目标完成 {result.figures[3].value}",
            f"理赔：新开 {rows['claims_opened']['day']}，结案 {rows['claims_closed']['day']}，"
            f"回款 {rows['claims_paid']['day']}；联动推荐 {rows['referrals']['day']}",
        ])
