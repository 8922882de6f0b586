"""The compliance report as an Excel workbook (SPEC §3.7, §5.3).

There is no shared xlsx list exporter in the codebase (list exports are CSV through
``customers.exports.csv_response``); this follows the same rules: every text cell
defused with ``customers.exports.neutralize``, and one ``export`` audit entry per
store whose records left, with the filters and the reason. Written with openpyxl
(already a dependency, for the import templates and error reports).
"""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from chexian.core.audit import log_action
from chexian.core.choices import AuditAction
from chexian.customers.exports import neutralize
from chexian.incentives import compliance

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDTHS = (10, 22, 14, 18, 12, 14, 12, 12, 40, 16, 16, 40, 10)


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def compliance_workbook(*, user, report: dict, reason: str = "") -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    flagged_fill = PatternFill("solid", fgColor="FDE2E2")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = neutralize(_("Gifts and rebates"))[:31]
    sheet.append([neutralize(_("Compliance report of gifts and rebates (礼包与返利合规报表)")), str(report["month"])])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([neutralize(compliance.warning_text())])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(WIDTHS))
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[2].height = 60
    sheet.append([])
    headers = [_("Store"), _("Policy number"), _("Granted on"), _("Kind"), _("Status"), _("Recorded by"),
               _("Cost at grant"), _("Redeemed cost"), _("Reason"), _("Approved or rejected by"), _("Decided at"),
               _("Reason for the decision"), _("Flag")]
    sheet.append([neutralize(h) for h in headers])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    per_store: dict[int, int] = {}
    for row in report["rows"]:
        sheet.append([
            neutralize(row.store.code), neutralize(row.policy.number), row.granted_on,
            neutralize(row.get_kind_display()), neutralize(row.get_status_display()),
            neutralize(_person(row.recorded_by)),
            row.cost_at_grant, row.redeemed_cost, neutralize(row.reason), neutralize(_person(row.decided_by)),
            timezone.localtime(row.decided_at).strftime("%Y-%m-%d %H:%M") if row.decided_at else "",
            neutralize(row.decision_reason),
            neutralize(_("NOT APPROVED") if row.flagged else (_("self-approved") if row.self_approved else "")),
        ])
        if row.flagged:
            for cell in sheet[sheet.max_row]:
                cell.fill = flagged_fill
        per_store[row.store_id] = per_store.get(row.store_id, 0) + 1
    totals = report["totals"]
    sheet.append([])
    sheet.append([neutralize(_("Total")), "", "", "", "", "", totals["at_grant"], totals["redeemed"]])
    sheet.append([neutralize(_("Count")), totals["count"], neutralize(_("approved")), totals["approved"],
                  neutralize(_("pending")), totals["pending"], neutralize(_("rejected")), totals["rejected"]])
    sheet.append([neutralize(_("Not approved, at cost")), totals["unapproved"]])
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A5"
    buffer = io.BytesIO()
    workbook.save(buffer)

    basename = f"gifts-rebates-{report['month']}"
    filters = {"month": str(report["month"]), **({"store": report["store"].pk} if report["store"] else {})}
    for store_id, rows in sorted(per_store.items()) or [(report["store"].pk if report["store"] else None, 0)]:
        log_action(AuditAction.EXPORT, None, actor=user, store_id=store_id, reason=reason,
                   after={"rows": rows, "total_rows": sum(per_store.values()), "filters": filters},
                   object_repr=f"{basename}.xlsx")
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{basename}.xlsx"'
    return response
