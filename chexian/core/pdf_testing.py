"""Reading a PDF the app made, for tests: its text and its fonts, with pypdfium2
(no system binary needed). Shared by the quote sheet, the claim lists and the
commission statement tests."""

from __future__ import annotations

import ctypes

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw


def pdf_text(content: bytes) -> str:
    """The text of every page."""
    document = pdfium.PdfDocument(content)
    try:
        return "\n".join(page.get_textpage().get_text_bounded() for page in document)
    finally:
        document.close()


def pdf_fonts(content: bytes) -> set[str]:
    """The fonts of the first page's characters as the PDF names them: an embedded
    subset carries a "ABCDEF+" prefix (``embedded_fonts`` strips it)."""
    document = pdfium.PdfDocument(content)
    try:
        textpage = document[0].get_textpage()
        buffer, flags = ctypes.create_string_buffer(256), ctypes.c_int()
        names = set()
        for index in range(textpage.count_chars()):
            if pdfium_raw.FPDFText_GetFontInfo(textpage.raw, index, buffer, 256, ctypes.byref(flags)):
                names.add(buffer.value.decode())
        textpage.close()
        return names
    finally:
        document.close()


def embedded_fonts(content: bytes) -> set[str]:
    """The fonts embedded as subsets, without their "ABCDEF+" prefix."""
    return {name.split("+")[-1] for name in pdf_fonts(content) if "+" in name}
