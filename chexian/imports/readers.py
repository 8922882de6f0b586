"""Rows of an uploaded file, one at a time, numbered as a spreadsheet numbers them.

.xlsx and .xls are read with python-calamine (a Rust reader: the sheet is held
as compact cells, not Python objects, and rows are handed out one list at a
time). CSV is read with the csv module in a streaming pass. Insurer systems and
Excel on Chinese Windows write CSV in GB18030/GBK rather than UTF-8; "Unicode
text" from Excel is UTF-16 with tabs. The encoding is found by a first pass that
also counts the rows (for the progress bar), so a file whose first lines are
plain ASCII and whose names further down are GBK is still read right.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_SUFFIXES = (".csv", ".txt")
ACCEPTED_SUFFIXES = SPREADSHEET_SUFFIXES + CSV_SUFFIXES
SNIFF_BYTES = 64 * 1024
# Tried in this order when the file has no byte-order mark.
CSV_ENCODINGS = ("utf-8", "gb18030")
csv.field_size_limit(1_000_000)


def suffix_of(name: str) -> str:
    return PurePath(name or "").suffix.lower()


def check_suffix(name: str) -> str:
    suffix = suffix_of(name)
    if suffix not in ACCEPTED_SUFFIXES:
        raise ValidationError(
            _("Upload an Excel workbook (.xlsx, .xls) or a CSV file; %(name)s is neither.") % {"name": name},
            code="file_type",
        )
    return suffix


class RowReader:
    """``rows()`` yields ``(row_number, cells)`` with row 1 the first line of the
    file; ``total`` is the number of rows (blank ones included) when known."""

    total: int | None = None

    def rows(self) -> Iterator[tuple[int, list]]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class SpreadsheetReader(RowReader):
    def __init__(self, source):
        import python_calamine

        try:
            self.workbook = python_calamine.CalamineWorkbook.from_object(source)
            self.sheet = self.workbook.get_sheet_by_index(self._first_visible_sheet())
        except (python_calamine.CalamineError, ValueError, OSError) as exc:
            raise ValidationError(
                _("The workbook cannot be read (%(error)s). Save it again as .xlsx and upload that.")
                % {"error": exc},
                code="file_unreadable",
            ) from None
        end = self.sheet.end
        self.total = end[0] + 1 if end else 0

    def _first_visible_sheet(self) -> int:
        import python_calamine

        for index, meta in enumerate(self.workbook.sheets_metadata):
            if meta.visible == python_calamine.SheetVisibleEnum.Visible and (
                meta.typ == python_calamine.SheetTypeEnum.WorkSheet
            ):
                return index
        return 0

    def rows(self):
        # calamine starts at the sheet's first row even when the leading rows are empty,
        # so the running count is the spreadsheet's own row number.
        yield from enumerate(self.sheet.iter_rows(), start=1)

    def close(self):
        self.workbook.close()


class CsvReader(RowReader):
    def __init__(self, binary):
        self.binary = binary
        head = binary.read(SNIFF_BYTES)
        binary.seek(0)
        if head.startswith(codecs.BOM_UTF8):
            candidates: tuple[str, ...] = ("utf-8-sig",)
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            candidates = ("utf-16",)
        else:
            candidates = CSV_ENCODINGS
        for encoding in candidates:
            try:
                self.dialect = self._sniff(head, encoding)
                self.total = self._count(encoding)
            except UnicodeDecodeError:
                continue
            self.encoding = encoding
            break
        else:
            raise ValidationError(
                _("The CSV file is neither UTF-8 nor GB18030/GBK text. Save it as CSV UTF-8 and upload that."),
                code="file_encoding",
            )

    @staticmethod
    def _sniff(head: bytes, encoding: str):
        """Comma, tab, semicolon or bar: whichever a line near the top (the header) has most of."""
        sample = codecs.getincrementaldecoder(encoding)(errors="strict").decode(head, final=False)
        lines = sample.lstrip("\ufeff").splitlines()[:20]
        counts = {d: max((line.count(d) for line in lines), default=0) for d in ",\t;|"}
        delimiter = max(counts, key=counts.get) if any(counts.values()) else ","

        class Dialect(csv.excel):
            pass

        Dialect.delimiter = delimiter
        return Dialect

    def _open(self, encoding: str):
        self.binary.seek(0)
        return io.TextIOWrapper(self.binary, encoding=encoding, newline="")

    def _count(self, encoding: str) -> int:
        stream = self._open(encoding)
        try:
            return sum(1 for _row in csv.reader(stream, self.dialect))
        finally:
            stream.detach()

    def rows(self):
        stream = self._open(self.encoding)
        try:
            yield from enumerate(csv.reader(stream, self.dialect), start=1)
        finally:
            stream.detach()


def open_reader(source, name: str) -> RowReader:
    """A reader for ``source`` (a path, or a binary file object that can seek)."""
    suffix = check_suffix(name)
    if suffix in SPREADSHEET_SUFFIXES:
        return SpreadsheetReader(source)
    if isinstance(source, str | PurePath):
        source = open(source, "rb")  # noqa: SIM115 (closed with the reader)
        reader = CsvReader(source)
        reader.close = source.close  # type: ignore[method-assign]
        return reader
    return CsvReader(source)
