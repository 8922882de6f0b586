"""The printed lists that go to the insurer with a claim's paper file: the
handover list (交接单, step 7) and the old-parts handover list (旧件交接单, step 8).

Both are A4 PDFs made by WeasyPrint from a template, as the quote sheet is
(``chexian.quotes.sheets``): Noto Sans CJK SC named in the body *and* in the
``@page`` footer (margin boxes do not inherit the body font), inline CSS, every
external fetch refused. Both sides sign the printed list. The footer carries who
printed it and when, so a copy found later can be traced; every print is an
export in the audit log. Plates are masked to their last six characters (PIPL,
as on the quote sheet): the insurer identifies a case by its report number.
"""

from __future__ import annotations

from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from chexian.claims.choices import OldPartsOutcome, Tier
from chexian.core.audit import log_action
from chexian.core.choices import AuditAction
from chexian.quotes.sheets import css_string, mask_tail

ZERO = Decimal("0")


def _refuse_fetch(url, *args, **kwargs):
    # The lists are self-contained (inline CSS, system font): WeasyPrint never
    # fetches a URL or reads a file named in the document.
    raise ValueError(f"claim sheet: external resource refused: {url}")


def _printed_by(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def sheet_footer(store, number: str, user) -> tuple[str, object]:
    printed_at = timezone.localtime()
    # The watermark line: which list, who printed it, when (the margin box takes a CSS string).
    printed = _("Printed by %(name)s at %(time)s") % {"name": _printed_by(user), "time": f"{printed_at:%Y-%m-%d %H:%M}"}
    return css_string(f"{store.name} · {number} · {printed}"), printed_at


def render_sheet(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    return HTML(string=render_to_string(template, context), url_fetcher=_refuse_fetch).write_pdf()


# ---------------------------------------------------------------- 交接单
def handover_context(batch, *, user) -> dict:
    """The batch's cases grouped by filing tier, with subtotals and the total.

    The lines are the batch's ``HandoverItem`` rows — what was handed over, even
    if the insurer later returned a case — with the amount due as it was then.
    The sums add up the printed rows themselves (tens of lines), so the subtotals
    are by construction those of the lines above them."""
    items = batch.items.select_related("case__vehicle").order_by("case__number", "pk")
    by_tier: dict[str, list[dict]] = {tier: [] for tier in Tier.values}
    for item in items:
        case = item.case
        tier = item.tier  # as filed when handed over, even if the case was returned since
        by_tier[tier].append({
            "number": case.number,
            "report_no": case.report_no,
            "plate": mask_tail(case.vehicle.plate),
            "claim_type": case.get_claim_type_display(),
            "settlement": item.settlement_amount,
            "due": item.amount,
        })
    groups = [
        {
            "tier": tier,
            "label": Tier(tier).label,
            "rows": rows,
            "settlement": sum((row["settlement"] for row in rows), ZERO),
            "due": sum((row["due"] for row in rows), ZERO),
        }
        for tier, rows in by_tier.items() if rows
    ]
    footer, printed_at = sheet_footer(batch.store, batch.number, user)
    return {
        "batch": batch,
        "store": batch.store,
        "insurer": batch.insurer,
        "handed_over_by": _printed_by(batch.created_by),
        "groups": groups,
        "count": sum(len(group["rows"]) for group in groups),
        "total_settlement": sum((group["settlement"] for group in groups), ZERO),
        "total_due": sum((group["due"] for group in groups), ZERO),
        "footer": footer,
        "printed_at": printed_at,
    }


def handover_pdf(batch, *, user, reason: str = "") -> bytes:
    """The handover list of ``batch`` as PDF bytes (A4, the active language); logged as an export."""
    context = handover_context(batch, user=user)
    pdf = render_sheet("claims/handover_sheet.html", context)
    log_action(AuditAction.EXPORT, batch, actor=user, reason=reason,
               after={"format": "pdf", "sheet": "handover", "cases": context["count"],
                      "total_due": str(context["total_due"])})
    return pdf


# ---------------------------------------------------------------- 旧件交接单
def old_parts_context(record, *, user) -> dict:
    """The cases whose old parts the record covers (those still linked to it: a case
    the insurer returned is handed over, and its parts recorded, again)."""
    cases = record.cases.select_related("vehicle").order_by("number")
    rows = [{
        "number": case.number,
        "report_no": case.report_no,
        "plate": mask_tail(case.vehicle.plate),
        "vehicle": f"{case.vehicle.brand} {case.vehicle.series}".strip(),
        "repair_order_no": case.repair_order_no,
        "assessed": case.assessed_amount,
    } for case in cases]
    footer, printed_at = sheet_footer(record.store, f"#{record.pk}", user)
    if record.outcome == OldPartsOutcome.DESTROYED:
        title = _("Old parts destruction record (旧件销毁记录)")
        signatures = [(_("Destroyed by (销毁人)"), record.store.name, record.signed_by_store),
                      (_("Witness (监销人)"), record.insurer.name, record.signed_by_insurer)]
    else:
        title = _("Old parts handover list (旧件交接单)")
        signatures = [(_("Handed over by (交接人)"), record.store.name, record.signed_by_store),
                      (_("Received by (接收人)"), record.insurer.name, record.signed_by_insurer)]
    return {
        "title": title,
        "signatures": signatures,
        "record": record,
        "store": record.store,
        "insurer": record.insurer,
        "rows": rows,
        "footer": footer,
        "printed_at": printed_at,
    }


def old_parts_pdf(record, *, user, reason: str = "") -> bytes:
    """The old-parts handover (or destruction) list of ``record`` as PDF bytes; logged as an export."""
    context = old_parts_context(record, user=user)
    pdf = render_sheet("claims/old_parts_sheet.html", context)
    log_action(AuditAction.EXPORT, record, actor=user, reason=reason,
               after={"format": "pdf", "sheet": "old_parts", "cases": len(context["rows"])})
    return pdf
