"""Churn analysis (客户流失率分析报表, SPEC §4.1, §4.2 2) and the lost-renewal summary
(续保战败总结, SPEC §3.4). Churn counts the renewal cases *due* in the period; the
summary counts the cases *lost* (closed) in it, with the same grouping as the
renewals page (``renewals.selectors``). Every breakdown is one grouped query."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from chexian.renewals.choices import CaseStatus, LostReason, Segment
from chexian.renewals.models import RenewalCase
from chexian.renewals.selectors import closed_totals, lost_between, lost_by
from chexian.reports.engine import INT, MONEY, RATE, TEXT, Chart, Column, Figure, Rate, Report, money, register

LOST = Q(status=CaseStatus.LOST)
REASONS = dict(LostReason.choices)
SEGMENTS = dict(Segment.choices)


def scope_cases(ctx):
    return RenewalCase.objects.filter(store_id__in=ctx.scope.store_ids)


def due_cases(ctx):
    """The scope's renewal cases whose policy expires in the period — open, renewed here or lost."""
    return scope_cases(ctx).filter(due_date__gte=ctx.period.start, due_date__lte=ctx.period.end)


def churn_counts() -> dict:
    return {"due": Count("pk"), "lost": Count("pk", filter=LOST),
            "renewed": Count("pk", filter=Q(status=CaseStatus.RENEWED)),
            "open": Count("pk", filter=Q(status=CaseStatus.OPEN)),
            "lost_premium": Sum("expiring_premium", filter=LOST)}


def _none() -> str:
    return str(_("(none)"))


def reason_label(value: str) -> str:
    return str(REASONS.get(value, value)) if value else _none()


def competitor_label(row: dict) -> str:
    parts = [row["lost_to_insurer__short_name"], row["lost_to_channel"]]
    return " / ".join(part for part in parts if part) or str(_("(not known)"))


def specialist_label(row: dict) -> str:
    return row["assigned_to__username"] or str(_("(unassigned)"))


def segment_label(value: str) -> str:
    return str(SEGMENTS.get(value, value)) if value else _none()


def case_columns():
    return [("due_date", _("Expires")), ("vehicle.plate", _("Plate")), ("customer.name", _("Customer")),
            ("get_segment_display", _("Segment")), ("assigned_to.username", _("Specialist")),
            ("get_status_display", _("Status")), ("get_lost_reason_display", _("Reason lost")),
            ("lost_to_insurer.short_name", _("Insurer that won it")), ("lost_to_channel", _("Channel that won it")),
            ("expiring_premium", _("Expiring premium"))]


@register
class ChurnAnalysis(Report):
    code = "churn"
    title = _("Churn analysis (客户流失率分析报表)")
    definition = _("Churn rate (客户流失率) = renewal cases lost (战败) ÷ renewal cases due: the cases whose policy "
                   "expires in the period, whatever their state today (open, renewed here or lost). Broken down by "
                   "the reason lost and the competitor that won it (the rate over all cases due, and the share of "
                   "the cases lost), by specialist and by renewal segment (the rate within each).")
    columns = (Column("dimension", _("Breakdown"), TEXT),
               Column("label", _("Group"), TEXT), Column("due", _("Due"), INT),
               Column("lost", _("Lost"), INT), Column("lost_premium", _("Expiring premium lost"), MONEY),
               Column("rate", _("Churn rate"), RATE), Column("share", _("Share of the cases lost"), RATE))

    def _counts(self, ctx) -> dict:
        return ctx.memo("churn", lambda: due_cases(ctx).aggregate(**churn_counts()))

    def figures(self, ctx):
        counts = self._counts(ctx)
        return [
            Figure("churn_rate", _("Churn rate"), Rate(counts["lost"], counts["due"]), RATE, drill="lost"),
            Figure("due", _("Renewal cases due"), counts["due"], INT, drill="due"),
            Figure("open", _("Still open"), counts["open"], INT, drill="open"),
            Figure("lost_premium", _("Expiring premium lost"), money(counts["lost_premium"]), MONEY, drill="lost"),
        ]

    def rows(self, ctx):
        counts = self._counts(ctx)
        due, lost_total = counts["due"], counts["lost"]
        lost = due_cases(ctx).filter(LOST)
        rows = []

        def lost_row(key, dimension, label, row):
            rows.append({"dimension": str(dimension), "key": key, "label": label, "due": None, "lost": row["n"],
                         "lost_premium": money(row["premium"]), "rate": Rate(row["n"], due),
                         "share": Rate(row["n"], lost_total)})

        def due_row(key, dimension, label, row):
            rows.append({"dimension": str(dimension), "key": key, "label": label, "due": row["due"],
                         "lost": row["lost"], "lost_premium": money(row["lost_premium"]),
                         "rate": Rate(row["lost"], row["due"]), "share": Rate(row["lost"], lost_total)})

        for row in lost_by(lost, "lost_reason"):
            lost_row("reason", _("Reason lost"), reason_label(row["lost_reason"]), row)
        for row in lost_by(lost, "lost_to_insurer__short_name", "lost_to_channel"):
            lost_row("competitor", _("Won by"), competitor_label(row), row)
        for row in (due_cases(ctx).values("assigned_to__username").annotate(**churn_counts())
                    .order_by("assigned_to__username")):
            due_row("specialist", _("Specialist"), specialist_label(row), row)
        for row in due_cases(ctx).values("segment").annotate(**churn_counts()).order_by("segment"):
            due_row("segment", _("Segment"), segment_label(row["segment"]), row)
        return rows

    def totals(self, ctx, rows):
        counts = self._counts(ctx)
        return {"label": str(_("All cases due")), "due": counts["due"], "lost": counts["lost"],
                "lost_premium": money(counts["lost_premium"]), "rate": Rate(counts["lost"], counts["due"])}

    def charts(self, ctx, figures, rows):
        reasons = [row for row in rows if row["key"] == "reason"]
        if not reasons:
            return []
        # A bar per reason: the PDF's chart drawing (``reports.svg``) has no pie.
        return [Chart("lost_reasons", _("Renewals lost by reason"), "hbar", [row["label"] for row in reasons],
                      [{"name": _("Cases lost"), "data": [row["lost"] for row in reasons]}])]

    def drill(self, ctx, key):
        rows = due_cases(ctx).select_related("vehicle", "customer", "assigned_to", "lost_to_insurer")
        statuses = {"lost": CaseStatus.LOST, "renewed": CaseStatus.RENEWED, "open": CaseStatus.OPEN}
        if key in statuses:
            rows = rows.filter(status=statuses[key])
        elif key != "due":
            return None
        return rows.order_by("due_date", "pk"), case_columns()


@register
class LostRenewals(Report):
    code = "lost_renewals"
    title = _("Lost-renewal summary (续保战败总结)")
    definition = _("The renewal cases lost (战败) in the period — closed as lost on a day of the period, whenever "
                   "their policy expires — per reason, per specialist and per competitor that won them, with the "
                   "expiring premium lost; and the lost ones' share of all the cases closed in the period (renewed "
                   "here or lost). The same count as the lost-renewal summary of the renewals pages.")
    columns = (Column("dimension", _("Breakdown"), TEXT),
               Column("label", _("Group"), TEXT), Column("lost", _("Lost"), INT),
               Column("lost_premium", _("Expiring premium lost"), MONEY),
               Column("share", _("Share of the cases lost"), RATE))

    def _totals(self, ctx) -> dict:
        return ctx.memo("lost_renewals", lambda: closed_totals(scope_cases(ctx), ctx.period.start, ctx.until))

    def _lost(self, ctx):
        return lost_between(scope_cases(ctx), ctx.period.start, ctx.until)

    def figures(self, ctx):
        totals = self._totals(ctx)
        return [
            Figure("lost", _("Renewals lost"), totals["lost"], INT, drill="lost"),
            Figure("lost_premium", _("Expiring premium lost"), money(totals["lost_premium"]), MONEY, drill="lost"),
            Figure("lost_of_closed", _("Lost of the cases closed"),
                   Rate(totals["lost"], totals["lost"] + totals["renewed"]), RATE, drill="closed"),
        ]

    def rows(self, ctx):
        lost_total = self._totals(ctx)["lost"]
        lost = self._lost(ctx)
        dimensions = [
            ("reason", _("Reason lost"), ("lost_reason",), lambda row: reason_label(row["lost_reason"])),
            ("specialist", _("Specialist"), ("assigned_to__username",), specialist_label),
            ("competitor", _("Won by"), ("lost_to_insurer__short_name", "lost_to_channel"), competitor_label),
        ]
        if ctx.scope.group:
            dimensions.insert(0, ("store", _("Store"), ("store__name",), lambda row: row["store__name"]))
        rows = []
        for key, dimension, fields, label in dimensions:
            for row in lost_by(lost, *fields):
                rows.append({"dimension": str(dimension), "key": key, "label": label(row), "lost": row["n"],
                             "lost_premium": money(row["premium"]), "share": Rate(row["n"], lost_total)})
        return rows

    def totals(self, ctx, rows):
        totals = self._totals(ctx)
        return {"label": str(_("All lost")), "lost": totals["lost"], "lost_premium": money(totals["lost_premium"])}

    def charts(self, ctx, figures, rows):
        reasons = [row for row in rows if row["key"] == "reason"]
        if not reasons:
            return []
        return [Chart("premium_by_reason", _("Expiring premium lost by reason"), "hbar",
                      [row["label"] for row in reasons],
                      [{"name": _("Expiring premium lost"), "data": [row["lost_premium"] for row in reasons]}],
                      unit="¥")]

    def drill(self, ctx, key):
        if key == "lost":
            rows = self._lost(ctx)
        elif key == "closed":
            rows = scope_cases(ctx).filter(closed_at__date__gte=ctx.period.start, closed_at__date__lte=ctx.until,
                                           status__in=(CaseStatus.LOST, CaseStatus.RENEWED))
        else:
            return None
        rows = rows.select_related("vehicle", "customer", "assigned_to", "lost_to_insurer")
        return rows.order_by("closed_at", "pk"), [("closed_at", _("Closed at")), *case_columns()]
