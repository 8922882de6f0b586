"""CSV exports of the customer and vehicle lists (SPEC §5.3).

The file is UTF-8 with a byte-order mark, which is what makes Excel on a
Chinese Windows read it as UTF-8 rather than GBK. Identity numbers are always
exported masked (seeing one in full is a per-customer, logged action) and
mobiles as the user may see them. Every cell that a spreadsheet would read as
a formula is defused, and every export is written to the audit log.
"""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from chexian.core.audit import log_action
from chexian.core.choices import AuditAction
from chexian.customers.access import shown_mobile

BOM = "\ufeff"
# A cell starting with one of these is a formula (or becomes one) in Excel,
# LibreOffice and Google Sheets: OWASP "CSV injection".
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value) -> str:
    """The cell text, with a leading quote if a spreadsheet would run it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = _("Yes") if value else _("No")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _date(value) -> str:
    return value.isoformat() if value else ""


def customer_columns(user):
    """(header, cell function) per column of the customer export."""
    return [
        (_("Store"), lambda c: c.store.code),
        (_("Name"), lambda c: c.name),
        (_("Kind"), lambda c: c.get_kind_display()),
        (_("Mobile"), lambda c: shown_mobile(user, c)),
        (_("Second mobile"), lambda c: shown_mobile(user, c, c.mobile2)),
        (_("Identity number"), lambda c: c.id_number_masked),
        (_("Unified social credit code"), lambda c: c.uscc),
        (_("Area"), lambda c: c.area),
        (_("Address"), lambda c: c.address),
        (_("Source"), lambda c: c.get_source_display()),
        (_("Consent to contact"), lambda c: c.consent_outreach),
        (_("Owner staff"), lambda c: (c.owner_staff.get_full_name() or c.owner_staff.get_username())
            if c.owner_staff else ""),
        (_("Created"), lambda c: timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M")),
    ]


def vehicle_columns(user):
    return [
        (_("Store"), lambda v: v.store.code),
        (_("Archive number"), lambda v: v.archive_no),
        (_("Plate"), lambda v: v.plate),
        (_("VIN"), lambda v: v.vin),
        (_("Engine number"), lambda v: v.engine_no),
        (_("Brand"), lambda v: v.brand),
        (_("Series"), lambda v: v.series),
        (_("Model"), lambda v: v.model_name),
        (_("Own brand"), lambda v: v.is_own_brand),
        (_("Energy type"), lambda v: v.get_energy_type_display()),
        (_("Usage"), lambda v: v.get_usage_display()),
        (_("Seats"), lambda v: v.seats),
        (_("First registration date"), lambda v: _date(v.first_registration_date)),
        (_("Purchase date"), lambda v: _date(v.purchase_date)),
        (_("Owner"), lambda v: v.owner.name),
        (_("Owner mobile"), lambda v: shown_mobile(user, v.owner)),
    ]


def csv_response(*, user, queryset, columns, basename: str, filters: dict, reason: str = "") -> HttpResponse:
    """Write ``queryset`` as a CSV download and log the export (rows and filters)."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{basename}-{stamp}.csv"'
    response.write(BOM)
    writer = csv.writer(response)
    writer.writerow([neutralize(header) for header, _cell in columns])
    per_store: dict[int, int] = {}
    for obj in queryset.iterator(chunk_size=2000):
        writer.writerow([neutralize(cell(obj)) for _header, cell in columns])
        per_store[obj.store_id] = per_store.get(obj.store_id, 0) + 1
    # One entry per store whose data left the system, so each store's supervisor
    # sees in its own audit log who exported its customers (a group export too).
    for store_id, rows in sorted(per_store.items()) or [(None, 0)]:
        log_action(
            AuditAction.EXPORT,
            None,
            actor=user,
            after={"rows": rows, "total_rows": sum(per_store.values()), "filters": filters},
            reason=reason,
            store_id=store_id,
            object_repr=f"{basename}.csv",
        )
    return response


def export_customers(*, user, queryset, filters: dict, reason: str = "") -> HttpResponse:
    return csv_response(
        user=user, queryset=queryset, columns=customer_columns(user), basename="customers",
        filters=filters, reason=reason,
    )


def export_vehicles(*, user, queryset, filters: dict, reason: str = "") -> HttpResponse:
    return csv_response(
        user=user, queryset=queryset, columns=vehicle_columns(user), basename="vehicles",
        filters=filters, reason=reason,
    )
