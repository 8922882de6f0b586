"""The two workbooks of the import: the template to fill in (written by
``tabular.Template.workbook``), and the error report.

Both are written with openpyxl in write-only mode, which streams rows to a
temporary file: an error report of 100,000 rows costs no more memory than one
of ten. Cells are defused like every export (``customers.exports.neutralize``):
a value from an uploaded file must not become a formula in the report.
"""

from __future__ import annotations

import tempfile

from django.core.files import File
from django.utils.translation import gettext as _

from chexian.customers.exports import neutralize
from chexian.imports.models import ERRORS_KEPT
from chexian.imports.tabular import RowError

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


def template_workbook(template=None) -> bytes:
    """The import template to fill in (the policies' unless ``template`` says otherwise):
    ``tabular.Template.workbook``."""
    if template is None:
        from chexian.imports.policy_import import TEMPLATE as template
    return template.workbook()
