"""Money reports (SPEC §3.7, §3.9, §4.2): profit in its parts, commission statements aging,
blank-form reconciliation and the gifts-and-rebates compliance report.

Each wraps the read side of its app — ``commissions.profit``, ``statements.selectors``,
``blankforms.selectors``, ``incentives.selectors`` — with the scope's stores, so a report
and the app's own page give the same numbers. Those selectors also apply the app's own
permission (``profit.view``, ``statement.view``, ``blankform.view``, ``compliance.view``):
a user who may read reports but not, say, profit sees the report empty."""

from __future__ import annotations

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from chexian.blankforms import selectors as blankform_selectors
from chexian.blankforms.choices import KIND_FOR_LINE, FormKind, FormStatus
from chexian.blankforms.models import SerialMismatch
from chexian.commissions import profit as profit_selectors
from chexian.incentives import compliance as incentive_rules
from chexian.incentives import selectors as incentive_selectors
from chexian.incentives.choices import IncentiveStatus
from chexian.reports.engine import INT, MONEY, RATE, TEXT, Chart, Column, Figure, Rate, Report, money, register
from chexian.statements import selectors as statement_selectors


def person(row: dict, prefix: str) -> str:
    """A user's name from values() columns, family name first as Chinese names are written."""
    name = f"{row.get(f'{prefix}__last_name') or ''}{row.get(f'{prefix}__first_name') or ''}".strip()
    return name or row.get(f"{prefix}__username") or str(_("(none)"))


# ---------------------------------------------------------------- 车险利润
PROFIT_PARTS = (
    ("motor_commission", _("Motor commission")),
    ("non_motor_commission", _("Non-motor commission")),
    ("clawback", _("Commission clawed back")),
    ("gifts", _("Gifts and rebates at cost")),
    ("repair_margin", _("Accident-repair margin")),
    ("profit", _("Profit")),
)


@register
class Profit(Report):
    code = "profit"
    permission = "profit.view"
    title = _("Profit of the insurance desk (车险利润)")
    definition = _(
        "For the policies issued in the period (SPEC §3.7): profit = motor commission + non-motor commission − "
        "commission clawed back by cancellations − gifts and rebates at cost (pending or approved) + the "
        "accident-repair margin (settlement amounts of the policy's claim cases × the store's accident-repair "
        "gross margin). Everything follows the policy: a later cancellation, redemption or claim changes the "
        "profit of its issue month. Rows per specialist (the policy's issuer). As on the profit page, only for "
        "stores where the user may see profit.")
    columns = (Column("label", _("Specialist"), TEXT), Column("policies", _("Policies"), INT),
               *(Column(key, label, MONEY) for key, label in PROFIT_PARTS))

    def _profit(self, ctx, by: str) -> dict:
        return ctx.memo(f"profit:{by}", lambda: profit_selectors.profit(
            ctx.scope.user, ctx.period.start, ctx.until, by=by, stores=ctx.scope.store_ids))

    def figures(self, ctx):
        # The totals of the per-specialist grouping: the same sums as per policy, without a row per policy, and
        # the same computation the rows use (memoised), so a page computes profit once.
        totals = self._profit(ctx, "issuer")["totals"]
        return [Figure(key, label, totals[key], MONEY, drill="policies") for key, label in PROFIT_PARTS]

    def rows(self, ctx):
        return [{"label": person(row, "issuer"), "policies": row["policies"],
                 **{key: row[key] for key, _label in PROFIT_PARTS}}
                for row in self._profit(ctx, "issuer")["rows"]]

    def totals(self, ctx, rows):
        totals = self._profit(ctx, "issuer")["totals"]
        return {"label": str(_("Total")), "policies": totals["policies"],
                **{key: totals[key] for key, _label in PROFIT_PARTS}}

    def charts(self, ctx, figures, rows):
        charts = []
        if rows:
            charts.append(Chart("by_specialist", _("Profit per specialist"), "hbar", [row["label"] for row in rows],
                                [{"name": _("Profit"), "data": [row["profit"] for row in rows]}], unit="¥"))
        if ctx.scope.group:
            stores = self._profit(ctx, "store")["rows"]
            charts.append(Chart("by_store", _("Profit per store"), "bar", [row["store__name"] for row in stores],
                                [{"name": label, "data": [row[key] for row in stores]}
                                 for key, label in PROFIT_PARTS], unit="¥"))
        if ctx.period.start.replace(day=1) != ctx.period.end.replace(day=1):
            months = self._profit(ctx, "month")["rows"]
            charts.append(Chart("by_month", _("Profit by month of issue"), "bar",
                                [f"{row['month']:%Y-%m}" for row in months],
                                [{"name": label, "data": [row[key] for row in months]}
                                 for key, label in PROFIT_PARTS], unit="¥"))
        return charts

    def drill(self, ctx, key):
        if key != "policies":
            return None
        rows = profit_selectors.with_parts(profit_selectors.profit_policies(
            ctx.scope.user, ctx.period.start, ctx.until, stores=ctx.scope.store_ids)).select_related("issuer")
        return rows.order_by("issued_on", "number"), [
            ("number", _("Policy number")), ("issued_on", _("Issued on")), ("get_line_display", _("Line")),
            ("issuer.username", _("Specialist")), *((key, label) for key, label in PROFIT_PARTS)]


# ---------------------------------------------------------------- commission statements aging
@register
class CommissionAging(Report):
    code = "commission_aging"
    permission = "statement.view"
    title = _("Commission statements aging")
    definition = _(
        "Monthly commission statements not yet paid or closed more than three months after their month, as on "
        "the last day counted of the period (seed-002 §4.9.4: a July statement is flagged from 1 November), with "
        "what the insurer still owes: its confirmed commission, else ours, less what it paid. States are as "
        "they stand now. Per state: the statements and the money owed.")
    # A statement's state is only known as it stands now: comparisons with earlier periods would mislead.
    compare = False
    columns = (Column("number", _("Statement"), TEXT), Column("store", _("Store"), TEXT),
               Column("insurer", _("Insurer"), TEXT), Column("month", _("Month"), TEXT),
               Column("state", _("State"), TEXT), Column("commission", _("Commission (ours)"), MONEY),
               Column("insurer_commission", _("Commission (insurer's)"), MONEY),
               Column("paid", _("Paid"), MONEY), Column("owed", _("Owed"), MONEY))

    def figures(self, ctx):
        summary = statement_selectors.aging_summary(ctx.scope.user, ctx.until, stores=ctx.scope.store_ids)
        return [Figure("aged", _("Statements unpaid more than three months"), summary["count"], INT, drill="aged"),
                Figure("owed", _("Commission owed on them"), summary["owed"], MONEY, drill="aged")]

    def rows(self, ctx):
        return [{"number": statement.number, "store": statement.store.code, "insurer": statement.insurer.short_name,
                 "month": f"{statement.month:%Y-%m}", "state": str(statement.get_state_display()),
                 "commission": statement.commission, "insurer_commission": statement.insurer_commission,
                 "paid": statement.paid_amount, "owed": money(statement.owed)}
                for statement in statement_selectors.aged(ctx.scope.user, ctx.until, stores=ctx.scope.store_ids)]

    def totals(self, ctx, rows):
        if not rows:
            return {}
        return {"number": str(_("Total")), **{key: sum((row[key] or money(0) for row in rows), money(0))
                                              for key in ("commission", "paid", "owed")}}

    def charts(self, ctx, figures, rows):
        states = statement_selectors.by_state(ctx.scope.user, stores=ctx.scope.store_ids)
        if not any(state["count"] for state in states):
            return []
        return [Chart("by_state", _("Commission owed by statement state"), "bar",
                      [str(state["label"]) for state in states],
                      [{"name": _("Owed"), "data": [state["owed"] for state in states]},
                       {"name": _("Paid"), "data": [state["paid"] for state in states]}], unit="¥")]

    def drill(self, ctx, key):
        if key != "aged":
            return None
        return statement_selectors.aged(ctx.scope.user, ctx.until, stores=ctx.scope.store_ids), [
            ("number", _("Statement")), ("store.code", _("Store")), ("insurer.short_name", _("Insurer")),
            ("month", _("Month")), ("get_state_display", _("State")), ("owed", _("Owed"))]


# ---------------------------------------------------------------- blank-form reconciliation
FORM_COUNTS = tuple((status.value, label) for status, label in (
    (FormStatus.IN_STOCK, FormStatus.IN_STOCK.label), (FormStatus.ISSUED, FormStatus.ISSUED.label),
    (FormStatus.USED, FormStatus.USED.label), (FormStatus.VOIDED, FormStatus.VOIDED.label),
    (FormStatus.RETURNED, FormStatus.RETURNED.label), (FormStatus.LOST, FormStatus.LOST.label)))


@register
class BlankFormReconciliation(Report):
    code = "blankform_reconciliation"
    permission = "blankform.view"
    title = _("Blank-form reconciliation")
    definition = _(
        "Per store and kind of form, the register's identity as it stands now (SPEC §3.9): forms received = in "
        "stock + issued to a person + used by a policy + voided + returned to the insurer + reported lost; a row "
        "that does not balance is a serial unaccounted for. Beside it, the policies of the period whose serial "
        "the register could not mark as used (serial mismatches), by the kind of form their line prints on.")
    # The identity is the register as it stands; only the mismatches belong to the period.
    compare = False
    columns = (Column("store", _("Store"), TEXT), Column("kind", _("Kind"), TEXT),
               Column("received", _("Received"), INT), *(Column(key, label, INT) for key, label in FORM_COUNTS),
               Column("balanced", _("Balanced"), TEXT), Column("mismatches", _("Serial mismatches"), INT))

    def _mismatches(self, ctx):
        return SerialMismatch.objects.filter(store_id__in=ctx.scope.store_ids, day__gte=ctx.period.start,
                                             day__lte=ctx.until)

    def _rows(self, ctx) -> list[dict]:
        def compute():
            identity = blankform_selectors.accounting_rows(ctx.scope.user, ("store__code", "kind"),
                                                           stores=ctx.scope.store_ids)
            mismatches: dict[tuple, int] = {}
            for row in (self._mismatches(ctx).values("store__code", "policy__line").annotate(n=Count("pk"))
                        .order_by()):
                key = (row["store__code"], KIND_FOR_LINE.get(row["policy__line"], ""))
                mismatches[key] = mismatches.get(key, 0) + row["n"]
            kinds = dict(FormKind.choices)
            rows = []
            for row in identity:
                if "kind" not in row:  # the register of these stores is empty
                    continue
                key = (row["store__code"], row["kind"])
                rows.append({"store": row["store__code"], "kind": str(kinds.get(row["kind"], row["kind"])),
                             "received": row["received"], **{status: row[status] for status, _l in FORM_COUNTS},
                             "balanced": row["balanced"], "mismatches": mismatches.pop(key, 0)})
            # Mismatched policies of a store or kind the register holds no forms of.
            for (store, kind), count in sorted(mismatches.items()):
                rows.append({"store": store, "kind": str(kinds.get(kind, _("(none)"))), "received": 0,
                             **{status: 0 for status, _l in FORM_COUNTS}, "balanced": True, "mismatches": count})
            return rows
        return ctx.memo("identity", compute)

    def figures(self, ctx):
        rows = self._rows(ctx)
        held = sum(row["count"] for row in blankform_selectors.holdings(ctx.scope.user, stores=ctx.scope.store_ids))
        return [Figure("received", _("Forms received"), sum(row["received"] for row in rows), INT),
                Figure("unbalanced", _("Store and kind not balancing"), sum(not row["balanced"] for row in rows),
                       INT),
                Figure("held", _("Forms held by staff, not yet used"), held, INT, drill="held"),
                Figure("lost", _("Forms reported lost"), sum(row[FormStatus.LOST] for row in rows), INT,
                       drill="lost"),
                Figure("mismatches", _("Serial mismatches in the period"), sum(row["mismatches"] for row in rows),
                       INT, drill="mismatches")]

    def rows(self, ctx):
        return self._rows(ctx)

    def totals(self, ctx, rows):
        if len(rows) < 2:
            return {}
        keys = ("received", *(status for status, _l in FORM_COUNTS), "mismatches")
        return {"store": str(_("Total")), **{key: sum(row[key] for row in rows) for key in keys},
                "balanced": all(row["balanced"] for row in rows)}

    def drill(self, ctx, key):
        from chexian.blankforms.models import BlankForm

        if key == "mismatches":
            return self._mismatches(ctx).select_related("policy", "issuer", "store").order_by("day", "pk"), [
                ("day", _("Day")), ("store.code", _("Store")), ("serial", _("Serial")),
                ("policy.number", _("Policy number")), ("issuer.username", _("Issuer")),
                ("get_reason_display", _("Reason"))]
        status = {"held": FormStatus.ISSUED, "lost": FormStatus.LOST}.get(key)
        if status is None:
            return None
        forms = (BlankForm.objects.restrict(ctx.scope.user, "view")
                 .filter(store_id__in=ctx.scope.store_ids, status=status).select_related("store", "holder"))
        return forms.order_by("store__code", "kind", "serial"), [
            ("store.code", _("Store")), ("get_kind_display", _("Kind")), ("serial", _("Serial")),
            ("holder.username", _("Holder")), ("reason", _("Reason"))]


# ---------------------------------------------------------------- gifts and rebates: compliance
@register
class Compliance(Report):
    code = "compliance"
    permission = "compliance.view"
    title = _("Gifts and rebates: compliance report")
    definition = format_lazy(
        "{} {}", _("Every gift package and rebate granted in the period, per store and month of grant, at cost at "
                   "grant and at the cost redeemed so far; anything not approved by the supervisor (pending or "
                   "rejected) is flagged. As on the compliance page, only for stores where the user may read "
                   "it."),
        incentive_rules.WARNING)
    columns = (Column("store", _("Store"), TEXT), Column("month", _("Month"), TEXT),
               Column("count", _("Gifts and rebates"), INT), Column("approved", _("Approved"), INT),
               Column("flagged", _("Not approved (flagged)"), INT), Column("gifts", _("Gift packages at grant"), MONEY),
               Column("rebates", _("Rebates"), MONEY), Column("at_grant", _("Cost at grant"), MONEY),
               Column("redeemed", _("Redeemed cost"), MONEY), Column("unapproved", _("Not approved, at grant"), MONEY),
               Column("approved_share", _("Approved"), RATE))

    def _granted(self, ctx):
        return incentive_selectors.granted(ctx.scope.user, ctx.period.start, ctx.until, stores=ctx.scope.store_ids)

    def figures(self, ctx):
        totals = incentive_selectors.totals_of(self._granted(ctx))
        return [Figure("count", _("Gifts and rebates granted"), totals["count"], INT, drill="all"),
                Figure("at_grant", _("Cost at grant"), totals["at_grant"], MONEY, drill="all"),
                Figure("flagged", _("Not approved (flagged)"), totals["count"] - totals["approved"], INT,
                       drill="flagged", note=str(incentive_rules.RULE)),
                Figure("unapproved", _("Not approved, at grant"), totals["unapproved"], MONEY, drill="flagged")]

    def rows(self, ctx):
        grouped = incentive_selectors.summarise(self._granted(ctx).annotate(month=TruncMonth("granted_on")),
                                                "store__code", "month")
        return [{"store": row["store__code"], "month": f"{row['month']:%Y-%m}", "count": row["count"],
                 "approved": row["approved"], "flagged": row["count"] - row["approved"], "gifts": row["gifts"],
                 "rebates": row["rebates"], "at_grant": row["at_grant"], "redeemed": row["redeemed"],
                 "unapproved": row["unapproved"], "approved_share": Rate(row["approved"], row["count"])}
                for row in grouped]

    def totals(self, ctx, rows):
        if len(rows) < 2:
            return {}
        total = {"store": str(_("Total"))}
        for key in ("count", "approved", "flagged"):
            total[key] = sum(row[key] for row in rows)
        for key in ("gifts", "rebates", "at_grant", "redeemed", "unapproved"):
            total[key] = sum((row[key] for row in rows), money(0))
        total["approved_share"] = Rate(total["approved"], total["count"])
        return total

    def charts(self, ctx, figures, rows):
        if not rows:
            return []
        labels = [f"{row['store']} {row['month']}" for row in rows]
        return [Chart("by_store_month", _("Gifts and rebates at grant, approved and not"), "bar", labels, [
            {"name": _("Approved"), "data": [row["at_grant"] - row["unapproved"] for row in rows]},
            {"name": _("Not approved"), "data": [row["unapproved"] for row in rows]}], unit="¥")]

    def drill(self, ctx, key):
        rows = self._granted(ctx).select_related("store", "policy", "recorded_by", "decided_by")
        if key == "flagged":
            rows = rows.filter(~Q(status=IncentiveStatus.APPROVED))
        elif key != "all":
            return None
        return rows.order_by("store__code", "granted_on", "pk"), [
            ("granted_on", _("Granted on")), ("store.code", _("Store")), ("policy.number", _("Policy number")),
            ("get_kind_display", _("Kind")), ("cost_at_grant", _("Cost at grant")), ("cost", _("Cost")),
            ("get_status_display", _("Status")), ("decided_by.username", _("Decided by")), ("reason", _("Reason"))]
