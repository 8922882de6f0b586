"""The two workbooks of the import: the template to fill in, and the error report.

Both are written with openpyxl in write-only mode, which streams rows to a
temporary file: an error report of 100,000 rows costs no more memory than one
of ten. Cells are defused like every export (``customers.exports.neutralize``):
a value from an uploaded file must not become a formula in the report.
"""

from __future__ import annotations

import io
import tempfile

from django.core.files import File
from django.utils.translation import gettext as _

from chexian.customers.exports import neutralize
from chexian.imports.models import ERRORS_KEPT
from chexian.imports.policy_import import COLUMNS, RowError

REPORT_COLUMN_WIDTHS = (8, 18, 26, 80, 20)


class ErrorCollector:
    """Where the importer puts errors: the first ``keep`` stay in memory for the job
    and the pages; every one goes to the report workbook as it comes."""

    def __init__(self, keep: int = ERRORS_KEPT):
        self.keep = keep
        self.kept: list[dict] = []
        self.count = 0
        self._workbook = None
        self._sheet = None

    def add(self, error: RowError) -> None:
        self.count += 1
        if len(self.kept) < self.keep:
            self.kept.append(error.as_dict())
        if self._sheet is None:
            self._open()
        self._sheet.append([error.row, neutralize(error.column), neutralize(error.value),
                            neutralize(error.message), error.code])

    def _open(self):
        from openpyxl import Workbook

        self._workbook = Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet(_("Errors"))
        for index, width in enumerate(REPORT_COLUMN_WIDTHS):
            self._sheet.column_dimensions[chr(ord("A") + index)].width = width
        self._sheet.freeze_panes = "A2"
        self._sheet.append([_("Row"), _("Column"), _("Value"), _("Rule"), _("Code")])

    def report_file(self, name: str) -> File | None:
        """The report as a Django ``File`` to store (a temporary file), or None without errors."""
        if self._workbook is None:
            return None
        handle = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the caller through the File)
        self._workbook.save(handle)
        handle.seek(0)
        return File(handle, name=name)


def template_workbook() -> bytes:
    """The import template: the headers, one example row, and a sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "保单导入"
    required = PatternFill("solid", fgColor="FFF2CC")
    sheet.append([column.header for column in COLUMNS])
    sheet.append([column.example for column in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        if column.required:
            cell.fill = required
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.example) + 4)
        if column.kind == "identifier":
            # Codes as text: an 18-digit ID typed into a number cell loses its last digits.
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(row=2, column=index).number_format = "@"
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet("说明 Notes")
    notes.append([_("Column (template header)"), _("English alias"), _("Required"), _("Also recognised"),
                  _("Format and rules")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        notes.append([column.header, column.alias, _("Yes") if column.required else "",
                      "、".join(column.synonyms), str(column.note)])
    for letter, width in zip("ABCDE", (14, 22, 8, 40, 90), strict=True):
        notes.column_dimensions[letter].width = width
    notes.append([])
    notes.append([_("Header matching ignores spaces, case, full-width characters and marks such as * or (元); "
                    "the header row may sit below a title. Dates: 2026-03-01, 2026/3/1, 2026年3月1日, 20260301 "
                    "or date cells. Amounts in yuan with at most two decimals.")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
