"""The customer-facing quote sheet (报价单): an A4 PDF, and its first page as a
PNG to send on WeChat (SPEC §3.2).

The sheet carries what the customer needs and nothing more (PIPL, DOMAIN.md §4):
the customer's name but never an identity number, the plate and VIN masked to
their last six characters. It offers the value-added service clauses
(增值服务特约条款) as the lawful alternative to gifts (SPEC §3.7). The font is
Noto Sans CJK SC, embedded by WeasyPrint; the page footer is an ``@page``
margin box, which does not inherit the body font and names it again.
Every sheet handed out is logged as an export.
"""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from chexian.core.audit import log_action
from chexian.core.choices import AuditAction
from chexian.core.crypto import mask_identifier
from chexian.quotes import selectors, services

# WeChat shows images up to about 2x a phone's width; 2x of A4 at 72 dpi is 1191 × 1684 px.
PNG_SCALE = 2
SHOWN_TAIL = 6


def mask_tail(value: str, keep: int = SHOWN_TAIL) -> str:
    """``***********184847``: only the last ``keep`` characters stay."""
    return mask_identifier(value or "", head=0, tail=keep)


def _refuse_fetch(url, *args, **kwargs):
    # The sheet is self-contained (inline CSS, system font): WeasyPrint never
    # fetches a URL or reads a file named in the document.
    raise ValueError(f"quote sheet: external resource refused: {url}")


def css_string(text: str) -> str:
    """Text safe inside a CSS string in a <style> element (raw text: no entities)."""
    return mark_safe("".join(ch for ch in text if ch not in '"\\<>\r\n'))


def sheet_context(quote) -> dict:
    table = selectors.comparison(quote)
    in_plan = {item.coverage_id for item in quote.items.all()}
    printed_at = timezone.localtime()
    return {
        "footer": css_string(f"{quote.store.name} · #{quote.pk} · {printed_at:%Y-%m-%d %H:%M}"),
        "quote": quote,
        "store": quote.store,
        "customer_name": quote.customer.name,
        "plate": mask_tail(quote.vehicle.plate),
        "vin": mask_tail(quote.vehicle.vin),
        "vehicle_model": f"{quote.vehicle.brand} {quote.vehicle.series}".strip(),
        "table": table,
        "services": [(service, service.pk in in_plan) for service in services.value_added_services(quote)],
        "printed_at": printed_at,
    }


def render_pdf(quote) -> bytes:
    """The quote sheet as PDF bytes (A4), in the active language."""
    from weasyprint import HTML

    html = render_to_string("quotes/quote_sheet.html", sheet_context(quote))
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()


def pdf_to_png(pdf: bytes, scale: float = PNG_SCALE) -> bytes:
    """Page 1 of ``pdf`` rendered to PNG (pypdfium2; no system binary needed)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=scale).to_pil()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def export_sheet(quote, *, user, fmt: str, reason: str = "") -> bytes:
    """The sheet as ``"pdf"`` or ``"png"`` bytes, logged as an export of the quote."""
    pdf = render_pdf(quote)
    content = pdf if fmt == "pdf" else pdf_to_png(pdf)
    log_action(
        AuditAction.EXPORT,
        quote,
        actor=user,
        after={"format": fmt, "offers": len(quote.offers.all()), "chosen_offer": quote.chosen_offer_id},
        reason=reason,
    )
    return content
