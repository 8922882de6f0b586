"""A report's ``Result`` as a file: Excel (openpyxl), PDF (WeasyPrint, Noto Sans CJK,
charts as server-drawn SVG) and JSON (``Result.as_json``, documented in
docs/reports-json.md). Every file names its scope, period and definition, and who
exported it and when; every export is an entry in the audit log."""

from __future__ import annotations

import io
import json

from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from chexian.core.audit import log_action
from chexian.core.choices import AuditAction
from chexian.customers.exports import neutralize
from chexian.reports import svg
from chexian.reports.engine import INT, MONEY, RATE, SHARE, Rate, Result

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"json": "application/json", "xlsx": XLSX, "pdf": "application/pdf"}


def exported_by(user) -> str:
    name = (user.get_full_name() or user.get_username()) if user is not None else "chexian"
    return _("Exported by %(name)s at %(time)s") % {"name": name, "time": f"{timezone.localtime():%Y-%m-%d %H:%M}"}


def cell_text(value, kind: str = "") -> str:
    """A value as it is printed: rates with numerator and denominator."""
    if value is None:
        return "—"
    if isinstance(value, Rate):
        return str(value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def _log(result: Result, user, file_format: str, reason: str = "") -> None:
    ctx = result.ctx
    log_action(AuditAction.EXPORT, None, actor=user, reason=reason,
               store_id=ctx.scope.stores[0].pk if len(ctx.scope.stores) == 1 else None,
               object_repr=f"{result.report.code} {ctx.scope.label} {ctx.period.label}"[:200],
               after={"format": file_format, "report": result.report.code, "period": ctx.period.label,
                      "stores": [s.code for s in ctx.scope.stores][:50], "options": ctx.options})


def to_json(result: Result, *, user=None) -> bytes:
    return json.dumps(result.as_json(), ensure_ascii=False, indent=1).encode()


def to_xlsx(result: Result, *, user=None, reason: str = "") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    data = result.as_json()
    book = Workbook()
    sheet = book.active
    sheet.title = result.report.code[:31]
    sheet.append([neutralize(data["title"])])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Scope"), neutralize(data["scope"]["label"])])
    sheet.append([_("Period"), data["period"]["label"], _("counted until"), data["period"]["counted_until"]])
    sheet.append([_("Definition"), neutralize(data["definition"])])
    if data["options_described"]:
        sheet.append([_("Options"), neutralize(data["options_described"])])
    sheet.append([])
    if result.figures:
        sheet.append([_("Figure"), _("Value"), _("Numerator"), _("Denominator"), _("Previous period"),
                      _("Same period last year")])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for figure in result.figures:
            value = figure.value
            if isinstance(value, Rate):
                sheet.append([str(figure.label), value.value, value.numerator, value.denominator,
                              cell_text(figure.previous), cell_text(figure.last_year)])
            else:
                sheet.append([str(figure.label), value, None, None, cell_text(figure.previous),
                              cell_text(figure.last_year)])
        sheet.append([])
    columns = result.report.columns
    if columns:
        header = []
        for column in columns:
            if column.kind in (RATE, SHARE):
                header += [str(column.label), _("Numerator"), _("Denominator")]
            else:
                header.append(str(column.label))
        sheet.append(header)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for row in result.rows:
            line = []
            for column in columns:
                value = row.get(column.key)
                if column.kind in (RATE, SHARE):
                    rate = value if isinstance(value, Rate) else Rate(0, 0)
                    line += [rate.value, rate.numerator, rate.denominator]
                elif column.kind in (INT, MONEY):
                    line.append(value)
                else:
                    line.append(neutralize(cell_text(value)))
            sheet.append(line)
    sheet.append([])
    sheet.append([exported_by(user)])
    sheet.column_dimensions["A"].width = 28
    buffer = io.BytesIO()
    book.save(buffer)
    _log(result, user, "xlsx", reason)
    return buffer.getvalue()


def to_pdf(result: Result, *, user=None, reason: str = "") -> bytes:
    from chexian.claims.sheets import render_sheet
    from chexian.quotes.sheets import css_string

    data = result.as_json()
    rows = [[cell_text(row.get(column.key)) for column in result.report.columns] for row in result.rows]
    context = {
        "data": data, "result": result, "rows": rows,
        "charts": [mark_safe(svg.render(chart)) for chart in data["charts"]],  # noqa: S308 (our own SVG, escaped)
        "figures": [(f, cell_text(f.value), cell_text(f.previous), cell_text(f.last_year)) for f in result.figures],
        "footer": css_string(f"{data['scope']['label']} · {data['title']} · {data['period']['label']} · "
                             f"{exported_by(user)}"),
    }
    document = render_sheet("reports/report_sheet.html", context)
    _log(result, user, "pdf", reason)
    return document


def render(result: Result, file_format: str, *, user=None, reason: str = "") -> bytes:
    if file_format == "json":
        return to_json(result, user=user)
    if file_format == "xlsx":
        return to_xlsx(result, user=user, reason=reason)
    if file_format == "pdf":
        return to_pdf(result, user=user, reason=reason)
    raise ValueError(file_format)
