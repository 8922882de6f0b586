"""The statement as both sides sign it: an Excel workbook and an A4 PDF.

Both carry the same rows — every line with our premium, base, rate and
commission, the insurer's figures once they answered, and the reason of each
difference — the totals, and a signature block for the store and the insurer.
Amounts are number cells (the insurer's clerk adds them up in the spreadsheet);
text cells are defused like every export (``customers.exports.neutralize``).
Each export names who made it and when (a watermark line), and is an export
entry in the audit log. The PDF is made by WeasyPrint with the CJK font, as the
claim lists are (``claims.sheets.render_sheet``).
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from chexian.claims.sheets import render_sheet, sheet_footer
from chexian.core.audit import log_action
from chexian.core.choices import AuditAction
from chexian.customers.exports import neutralize
from chexian.policies.choices import PolicyLine
from chexian.statements import selectors
from chexian.statements.models import Statement

LINE_LABELS = dict(PolicyLine.choices)
COLUMN_WIDTHS = (6, 22, 14, 11, 12, 12, 8, 12, 12, 8, 12, 20, 36)


def _headers() -> list[str]:
    return [_("No."), _("Policy number"), _("Line"), _("Date"), _("Premium"), _("Commission base"), _("Rate (%)"),
            _("Commission"), _("Insurer's premium"), _("Insurer's rate (%)"), _("Insurer's commission"),
            _("Difference"), _("Note")]


def _rows(statement: Statement) -> list[list]:
    rows = []
    for number, line in enumerate(selectors.lines(statement), start=1):
        label = LINE_LABELS.get(line.line, line.line)
        if line.entry == "cancelled":
            label = f"{label} · {line.get_entry_display()}"
        rows.append([number, line.policy_number, str(label), line.day, line.premium, line.base, line.rate,
                     line.commission, line.their_premium, line.their_rate, line.their_commission,
                     line.get_difference_display() if line.difference else "", line.note])
    return rows


def _printed(user) -> str:
    name = (user.get_full_name() or user.get_username()) if user is not None else ""
    return _("Exported by %(name)s at %(time)s") % {"name": name, "time": f"{timezone.localtime():%Y-%m-%d %H:%M}"}


def _title(statement: Statement) -> str:
    return _("Monthly commission statement (月度业务明细清单) %(month)s") % {"month": statement.month_label}


def workbook(statement: Statement, *, user, reason: str = "") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = statement.month_label
    sheet.append([_title(statement)])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in ((_("Store"), statement.store.name), (_("Insurer"), statement.insurer.name),
                         (_("Statement number"), statement.number), (_("State"), statement.get_state_display()),
                         (_("Invoice number"), statement.invoice_no)):
        sheet.append([neutralize(label), None, neutralize(value)])
    sheet.append([])
    header_row = sheet.max_row + 1
    sheet.append(_headers())
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    money_columns = (5, 6, 8, 9, 11)
    for row in _rows(statement):
        sheet.append([neutralize(value) if isinstance(value, str) else value for value in row])
        current = sheet.max_row
        sheet.cell(row=current, column=4).number_format = "yyyy-mm-dd"
        for column in money_columns:
            sheet.cell(row=current, column=column).number_format = "#,##0.00"
    total_row = sheet.max_row + 1
    sheet.append([_("Total"), None, None, None, statement.premium, statement.base, None, statement.commission,
                  None, None, statement.insurer_commission])
    for cell in sheet[total_row]:
        cell.font = Font(bold=True)
    for column in money_columns:
        sheet.cell(row=total_row, column=column).number_format = "#,##0.00"
    sheet.append([])
    sheet.append([_("Store (seal and signature)"), None, None, None, None, _("Insurer (seal and signature)")])
    sheet.append([_("Date"), None, None, None, None, _("Date")])
    sheet.append([])
    sheet.append([_printed(user)])
    for index, width in enumerate(COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    buffer = io.BytesIO()
    book.save(buffer)
    _log(statement, user, reason, "xlsx")
    return buffer.getvalue()


def pdf(statement: Statement, *, user, reason: str = "") -> bytes:
    footer, printed_at = sheet_footer(statement.store, statement.number, user)
    context = {"statement": statement, "title": _title(statement), "headers": _headers(), "rows": _rows(statement),
               "differences": selectors.differences(statement), "footer": footer, "printed_at": printed_at}
    document = render_sheet("statements/statement_sheet.html", context)
    _log(statement, user, reason, "pdf")
    return document


def _log(statement: Statement, user, reason: str, file_format: str) -> None:
    log_action(AuditAction.EXPORT, statement, actor=user, reason=reason,
               after={"format": file_format, "sheet": "commission_statement", "lines": statement.line_count,
                      "commission": str(statement.commission or Decimal("0"))})
