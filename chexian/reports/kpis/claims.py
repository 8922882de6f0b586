"""Claims KPIs (SPEC §4.1, §3.6, §3.10): the claim rate (出险率), repair retention (售后留修率)
and the accident-repair share of after-sales revenue, the premium placed with each insurer
against the accident-repair work it sent back, and claims aging with the overdue list.

Everything is counted in the database over the scope's stores; the aging wraps
``claims.selectors`` and the retention ``leads.services.retention_counts``, so a figure here
and on the claims or leads page are the same count."""

from __future__ import annotations

from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext_lazy as _

from chexian.aftersales.choices import ServiceKind
from chexian.aftersales.models import ServiceOrder
from chexian.claims import selectors as claim_selectors
from chexian.claims.choices import Step
from chexian.claims.models import ClaimCase, ClaimTransition
from chexian.leads.models import RepairOpportunity
from chexian.leads.services import retention_counts
from chexian.policies.choices import PolicyLine
from chexian.reports.engine import INT, MONEY, RATE, TEXT, Chart, Column, Figure, Rate, Report, money, register
from chexian.reports.kpis.common import MOTOR, issued_in, policies

SUM_MONEY = DecimalField(max_digits=16, decimal_places=2)


def _label(value) -> str:
    return str(value) if value not in (None, "") else str(_("(none)"))


def scope_claims(ctx):
    """The scope's claim cases (any insurer, insured here or elsewhere)."""
    return ClaimCase.objects.filter(store_id__in=ctx.scope.store_ids)


def opened_in(ctx):
    """Claim cases opened (created) in the period, withdrawn ones included."""
    return scope_claims(ctx).filter(created_at__date__gte=ctx.period.start, created_at__date__lte=ctx.until)


# ---------------------------------------------------------------- 出险率
def claimed_in_period(ctx):
    """A claim on the outer policy with its accident in the period (withdrawn cases do not count)."""
    return (ClaimCase.objects.filter(policy=OuterRef("pk"), accident_at__date__gte=ctx.period.start,
                                     accident_at__date__lte=ctx.until).exclude(step=Step.WITHDRAWN))


def in_force(ctx):
    """The scope's motor policies in force at some time in the period (cancelled ones excluded)."""
    return policies(ctx).filter(line__in=MOTOR, start_date__lte=ctx.period.end, end_date__gte=ctx.period.start)


def claim_counts(ctx) -> dict:
    # The filter is the Exists itself: a filter on an annotation is lost when SQLite aggregates (renewals).
    return {"in_force": Count("pk"), "claimed": Count("pk", filter=Exists(claimed_in_period(ctx)))}


@register
class ClaimRate(Report):
    code = "claim_rate"
    title = _("Claim rate (出险率)")
    definition = _(
        "Motor policies (compulsory and commercial) of the store in force at some time in the period — starting "
        "on or before its last day and ending on or after its first, cancelled ones excluded — that had at least "
        "one claim case with its accident in the period (withdrawn cases aside) ÷ those policies. A claim case "
        "names the one policy in force on the accident date (the commercial one when the car has both), so the "
        "compulsory line's rate counts only cars without commercial cover at the store. Cars insured elsewhere "
        "are not in it.")
    columns = (Column("dimension", _("Breakdown"), TEXT), Column("label", _("Group"), TEXT),
               Column("in_force", _("Policies in force"), INT), Column("claimed", _("With a claim"), INT),
               Column("rate", _("Claim rate"), RATE))

    def figures(self, ctx):
        counts = in_force(ctx).aggregate(**claim_counts(ctx))
        return [Figure("claim_rate", _("Claim rate"), Rate(counts["claimed"], counts["in_force"]), RATE,
                       drill="in_force")]

    def rows(self, ctx):
        lines = dict(PolicyLine.choices)
        rows = []
        for dimension, label, key in (("insurer", _("Insurer"), F("insurer__short_name")),
                                      ("line", _("Line"), F("line"))):
            for row in (in_force(ctx).annotate(key=key).values("key").annotate(**claim_counts(ctx))
                        .order_by("key")):
                shown = lines.get(row["key"], row["key"]) if dimension == "line" else row["key"]
                rows.append({"dimension": str(label), "key": dimension, "label": _label(shown),
                             "in_force": row["in_force"], "claimed": row["claimed"],
                             "rate": Rate(row["claimed"], row["in_force"])})
        return rows

    def charts(self, ctx, figures, rows):
        insurers = [row for row in rows if row["key"] == "insurer"]
        if not insurers:
            return []
        return [Chart("by_insurer", _("Claim rate by insurer"), "bar", [row["label"] for row in insurers],
                      [{"name": _("Claim rate"), "data": [row["rate"].value for row in insurers]}], unit="%")]

    def drill(self, ctx, key):
        rows = in_force(ctx).annotate(claimed=Exists(claimed_in_period(ctx))).select_related("vehicle", "insurer")
        if key == "claimed":
            rows = rows.filter(claimed=True)
        elif key != "in_force":
            return None
        return rows.order_by("start_date", "number"), [
            ("number", _("Policy number")), ("vehicle.plate", _("Plate")), ("insurer.short_name", _("Insurer")),
            ("get_line_display", _("Line")), ("start_date", _("Starts")), ("end_date", _("Ends")),
            ("claimed", _("With a claim"))]


# ---------------------------------------------------------------- 售后留修率
def reached_repair():
    """The outer case reached the repair step (the car went into the store's workshop), even if it
    later went back a step or was withdrawn."""
    return ClaimTransition.objects.filter(case=OuterRef("pk"), to_step=Step.REPAIR)


def accidents(ctx):
    """Accidents of the store's insured customers: cases opened in the period on a policy of the store."""
    return opened_in(ctx).filter(insured_here=True)


RETENTION = {"accidents": Count("pk"), "repaired": Count("pk", filter=Exists(reached_repair()))}


def revenue(ctx):
    """After-sales orders settled in the period (结算日期), open ones not yet revenue."""
    return ServiceOrder.objects.filter(store_id__in=ctx.scope.store_ids, closed_on__gte=ctx.period.start,
                                       closed_on__lte=ctx.until)


REVENUE = {"accident_revenue": Coalesce(Sum("amount", filter=Q(kind=ServiceKind.ACCIDENT_REPAIR)), 0,
                                        output_field=SUM_MONEY),
           "revenue": Coalesce(Sum("amount"), 0, output_field=SUM_MONEY)}


@register
class RepairRetention(Report):
    code = "repair_retention"
    title = _("Repair retention (售后留修率)")
    definition = _(
        "Repair retention = accidents of the store's insured customers whose car reached the repair step at the "
        "store ÷ accidents of the store's insured customers. An accident of an insured customer is a claim case "
        "opened in the period on a policy of the store in force on the accident date (withdrawn cases included: "
        "the car was reported here and taken elsewhere); it is repaired here once the case has entered step 3, "
        "repair and quality check. Accident cars insured elsewhere and repaired here (retention won) and the "
        "repair opportunities noticed on visiting cars are shown beside it. Accident-repair share = the amount of "
        "after-sales orders of kind accident repair settled in the period ÷ the amount of all after-sales orders "
        "settled in the period.")
    columns = (Column("label", _("Month"), TEXT), Column("accidents", _("Accidents of insured customers"), INT),
               Column("repaired", _("Repaired here"), INT), Column("retention", _("Repair retention"), RATE),
               Column("accident_revenue", _("Accident-repair revenue"), MONEY),
               Column("revenue", _("After-sales revenue"), MONEY),
               Column("share", _("Accident-repair share"), RATE))

    def figures(self, ctx):
        counts = accidents(ctx).aggregate(**RETENTION)
        amounts = revenue(ctx).aggregate(**REVENUE)
        leads = retention_counts(RepairOpportunity.objects.filter(store_id__in=ctx.scope.store_ids),
                                 scope_claims(ctx), ctx.period.start, ctx.until)
        return [
            Figure("retention", _("Repair retention"), Rate(counts["repaired"], counts["accidents"]), RATE,
                   drill="accidents"),
            Figure("accident_share", _("Accident-repair share of after-sales revenue"),
                   Rate(money(amounts["accident_revenue"]), money(amounts["revenue"])), RATE,
                   drill="accident_orders"),
            Figure("insured_elsewhere", _("Accident cars insured elsewhere repaired here"),
                   leads["claims_insured_elsewhere"], INT, drill="insured_elsewhere"),
            Figure("opportunities", _("Repair opportunities converted"), Rate(leads["converted"], leads["noticed"]),
                   RATE),
        ]

    def rows(self, ctx):
        claims = {f"{row['month']:%Y-%m}": row for row in accidents(ctx).annotate(month=TruncMonth("created_at"))
                  .values("month").annotate(**RETENTION).order_by("month")}
        orders = {f"{row['month']:%Y-%m}": row for row in revenue(ctx).annotate(month=TruncMonth("closed_on"))
                  .values("month").annotate(**REVENUE).order_by("month")}
        rows = []
        for label in sorted(claims.keys() | orders.keys()):
            found, amounts = claims.get(label, {}), orders.get(label, {})
            repaired, total = found.get("repaired", 0), found.get("accidents", 0)
            accident_revenue, all_revenue = money(amounts.get("accident_revenue")), money(amounts.get("revenue"))
            rows.append({"label": label, "accidents": total, "repaired": repaired,
                         "retention": Rate(repaired, total), "accident_revenue": accident_revenue,
                         "revenue": all_revenue, "share": Rate(accident_revenue, all_revenue)})
        return rows

    def totals(self, ctx, rows):
        if len(rows) < 2:
            return {}
        repaired, total = sum(r["repaired"] for r in rows), sum(r["accidents"] for r in rows)
        accident_revenue, all_revenue = sum(r["accident_revenue"] for r in rows), sum(r["revenue"] for r in rows)
        return {"label": str(_("Total")), "accidents": total, "repaired": repaired,
                "retention": Rate(repaired, total), "accident_revenue": accident_revenue,
                "revenue": all_revenue, "share": Rate(accident_revenue, all_revenue)}

    def charts(self, ctx, figures, rows):
        if len(rows) < 2:
            return []
        labels = [row["label"] for row in rows]
        return [Chart("trend", _("Repair retention and accident-repair share by month"), "line", labels, [
            {"name": _("Repair retention"), "data": [row["retention"].value for row in rows]},
            {"name": _("Accident-repair share"), "data": [row["share"].value for row in rows]}], unit="%")]

    def drill(self, ctx, key):
        case_columns = [("number", _("Case number")), ("vehicle.plate", _("Plate")),
                        ("insurer.short_name", _("Insurer")), ("get_step_display", _("Step")),
                        ("created_at", _("Opened"))]
        if key in ("accidents", "repaired"):
            rows = accidents(ctx).annotate(repaired=Exists(reached_repair())).select_related("vehicle", "insurer")
            if key == "repaired":
                rows = rows.filter(repaired=True)
            return rows.order_by("created_at", "pk"), [*case_columns, ("repaired", _("Repaired here"))]
        if key == "insured_elsewhere":
            rows = (opened_in(ctx).filter(insured_here=False).exclude(step=Step.WITHDRAWN)
                    .select_related("vehicle", "insurer"))
            return rows.order_by("created_at", "pk"), case_columns
        if key in ("accident_orders", "orders"):
            rows = revenue(ctx).select_related("vehicle")
            if key == "accident_orders":
                rows = rows.filter(kind=ServiceKind.ACCIDENT_REPAIR)
            return rows.order_by("closed_on", "pk"), [
                ("number", _("Order number")), ("vehicle.plate", _("Plate")), ("get_kind_display", _("Kind")),
                ("closed_on", _("Settled on")), ("amount", _("Amount"))]
        return None


# ---------------------------------------------------------------- premium placed against repair work sent back
def repair_work(ctx):
    """Claim cases opened in the period that are not withdrawn: the accident-repair work each insurer sent."""
    return opened_in(ctx).exclude(step=Step.WITHDRAWN)


@register
class InsurerBalance(Report):
    code = "insurer_balance"
    title = _("Premium placed against repair work sent back, per insurer")
    definition = _(
        "Per insurer (SPEC §3.10): the premium of the policies the store issued with it in the period (cancelled "
        "ones excluded) against the accident-repair work it sent back — the claim cases opened in the period "
        "with that insurer, insured here or elsewhere (withdrawn ones aside), and their settlement amounts "
        "(结算金额) as far as settled. Repair returned per premium = settlement amounts ÷ premium: the evidence "
        "for the next negotiation.")
    columns = (Column("label", _("Insurer"), TEXT), Column("policies", _("Policies"), INT),
               Column("premium", _("Premium placed"), MONEY), Column("cases", _("Claim cases"), INT),
               Column("settled", _("Repair work settled"), MONEY),
               Column("ratio", _("Repair returned per premium"), RATE))

    def _rows(self, ctx) -> list[dict]:
        def compute():
            placed = {row["insurer_id"]: row for row in issued_in(ctx).values("insurer_id", "insurer__short_name")
                      .annotate(policies=Count("pk"), premium=Sum("premium")).order_by()}
            sent = {row["insurer_id"]: row for row in repair_work(ctx).values("insurer_id", "insurer__short_name")
                    .annotate(cases=Count("pk"), settled=Sum("settlement_amount")).order_by()}
            rows = []
            for insurer_id in placed.keys() | sent.keys():
                a, b = placed.get(insurer_id, {}), sent.get(insurer_id, {})
                premium, settled = money(a.get("premium")), money(b.get("settled"))
                rows.append({"label": a.get("insurer__short_name") or b.get("insurer__short_name"),
                             "insurer_id": insurer_id, "policies": a.get("policies", 0), "premium": premium,
                             "cases": b.get("cases", 0), "settled": settled, "ratio": Rate(settled, premium)})
            return sorted(rows, key=lambda row: (-row["premium"], -row["settled"], row["label"]))
        return ctx.memo("insurer_balance", compute)

    def figures(self, ctx):
        rows = self._rows(ctx)
        premium = sum((row["premium"] for row in rows), money(0))
        settled = sum((row["settled"] for row in rows), money(0))
        return [Figure("premium", _("Premium placed"), premium, MONEY, drill="premium"),
                Figure("settled", _("Repair work settled"), settled, MONEY, drill="cases"),
                Figure("ratio", _("Repair returned per premium"), Rate(settled, premium), RATE)]

    def rows(self, ctx):
        return [{key: value for key, value in row.items() if key != "insurer_id"} for row in self._rows(ctx)]

    def totals(self, ctx, rows):
        premium = sum((row["premium"] for row in rows), money(0))
        settled = sum((row["settled"] for row in rows), money(0))
        return {"label": str(_("Total")), "policies": sum(row["policies"] for row in rows), "premium": premium,
                "cases": sum(row["cases"] for row in rows), "settled": settled, "ratio": Rate(settled, premium)}

    def charts(self, ctx, figures, rows):
        if not rows:
            return []
        return [Chart("by_insurer", _("Premium placed and repair work settled per insurer"), "hbar",
                      [row["label"] for row in rows],
                      [{"name": _("Premium placed"), "data": [row["premium"] for row in rows]},
                       {"name": _("Repair work settled"), "data": [row["settled"] for row in rows]}], unit="¥")]

    def drill(self, ctx, key):
        if key == "premium":
            return issued_in(ctx).select_related("vehicle", "insurer").order_by("issued_on", "number"), [
                ("number", _("Policy number")), ("insurer.short_name", _("Insurer")), ("vehicle.plate", _("Plate")),
                ("issued_on", _("Issued on")), ("premium", _("Premium"))]
        if key == "cases":
            return repair_work(ctx).select_related("vehicle", "insurer").order_by("created_at", "pk"), [
                ("number", _("Case number")), ("insurer.short_name", _("Insurer")), ("vehicle.plate", _("Plate")),
                ("insured_here", _("Insured at this store")), ("settlement_amount", _("Settlement amount"))]
        return None


# ---------------------------------------------------------------- aging and the overdue list
def _bucket_label(low, high) -> str:
    if high is None:
        return str(_("%(low)s days and more") % {"low": low})
    return str(_("%(low)s–%(high)s days") % {"low": low, "high": high})


@register
class ClaimsAging(Report):
    code = "claims_aging"
    permission = "claim.view"
    title = _("Claims aging and overdue list")
    definition = _(
        "Cases with the insurer (old parts and payment steps) not yet paid in full, by days from the handover to "
        "the last day counted of the period, with the money still due from the insurer; a case is overdue once "
        "it is past the insurer's promised payment date (at most 30 days after the handover, seed-002 §4.3 step "
        "10). Cases handed over after that day are left out, payments are counted as they stand now. Per step: "
        "the open cases and how many are overdue, as on the claims board.")
    # A snapshot of the cases as they stand: comparing it with earlier periods would mix in today's payments.
    compare = False
    columns = (Column("dimension", _("Breakdown"), TEXT), Column("label", _("Group"), TEXT),
               Column("count", _("Claim cases"), INT), Column("outstanding", _("Outstanding"), MONEY),
               Column("overdue", _("Overdue"), INT))

    def _aging(self, ctx):
        return ctx.memo("aging", lambda: claim_selectors.aging(ctx.scope.user, ctx.until,
                                                               stores=ctx.scope.store_ids))

    def figures(self, ctx):
        _waiting, buckets = self._aging(ctx)
        returned = claim_selectors.returned(ctx.scope.user).filter(store_id__in=ctx.scope.store_ids).count()
        return [Figure("waiting", _("Cases waiting for the insurer"), sum(b["count"] for b in buckets), INT,
                       drill="waiting"),
                Figure("outstanding", _("Outstanding from insurers"),
                       sum((b["outstanding"] for b in buckets), money(0)), MONEY, drill="waiting"),
                Figure("overdue", _("Overdue cases"), sum(b["overdue"] for b in buckets), INT, drill="overdue"),
                Figure("returned", _("Returned by the insurer, not yet handed over again"), returned, INT)]

    def rows(self, ctx):
        _waiting, buckets = self._aging(ctx)
        rows = [{"dimension": str(_("Days since the handover")), "key": "age",
                 "label": _bucket_label(b["low"], b["high"]), "count": b["count"], "outstanding": b["outstanding"],
                 "overdue": b["overdue"]} for b in buckets]
        open_cases = claim_selectors.cases(ctx.scope.user).filter(store_id__in=ctx.scope.store_ids)
        for column in claim_selectors.board(open_cases, ctx.until, cards=0):
            rows.append({"dimension": str(_("Step")), "key": "step", "label": str(column["label"]),
                         "count": column["total"], "outstanding": None, "overdue": column["overdue"]})
        return rows

    def charts(self, ctx, figures, rows):
        ages = [row for row in rows if row["key"] == "age"]
        if not any(row["count"] for row in ages):
            return []
        return [Chart("by_age", _("Outstanding by days since the handover"), "bar", [row["label"] for row in ages],
                      [{"name": _("Outstanding"), "data": [row["outstanding"] for row in ages]}], unit="¥")]

    def drill(self, ctx, key):
        if key not in ("waiting", "overdue"):
            return None
        waiting, _buckets = claim_selectors.aging(ctx.scope.user, ctx.until, overdue_only=key == "overdue",
                                                  stores=ctx.scope.store_ids)
        return waiting, [("number", _("Case number")), ("store.code", _("Store")),
                         ("insurer.short_name", _("Insurer")), ("vehicle.plate", _("Plate")),
                         ("handed_over_on", _("Handed over on")), ("payment_due_on", _("Payment due on")),
                         ("outstanding", _("Outstanding"))]

