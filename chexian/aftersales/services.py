"""Writing service orders: by hand (the page, the API) and from the DMS import
(``importer.py``), which both end here. Every rule of one order is in
``ServiceOrder.clean()``; this module adds who may write, the audit entry, and the
vehicle's last visit date."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DateField, Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext as _

from chexian.aftersales.choices import ServiceSource
from chexian.aftersales.models import ServiceOrder
from chexian.core.audit import audit_actor
from chexian.org.permissions import can

FIELDS = ("store", "vehicle", "customer", "number", "kind", "opened_on", "closed_on", "amount", "labour_amount",
          "parts_amount", "mileage", "advisor", "source", "note")


def require(actor, store_id: int, *, source: str = ServiceSource.MANUAL, creating: bool = True) -> None:
    """Entering an order needs ``service.add`` in its store, importing one
    ``service.import``; correcting one (a re-import) either."""
    if creating:
        allowed = can(actor, "service.import" if source == ServiceSource.IMPORT else "service.add", store_id)
    else:
        allowed = can(actor, "service.import", store_id) or can(actor, "service.add", store_id)
    if not allowed:
        raise PermissionDenied(_("Your role may not record service orders in this store."))


def prepare_service_order(*, data: dict, order: ServiceOrder | None = None,
                          check_constraints: bool = True) -> ServiceOrder:
    """The order with ``data`` applied and every rule checked, not saved.

    A new order's customer defaults to the vehicle's owner on the day it is
    recorded. An order keeps its store and its vehicle. ``check_constraints=False``
    is for a caller that has already checked the number against everything it
    holds (the import, per chunk): the database's constraint still guards the insert.
    """
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValueError(f"Unknown service order fields: {sorted(unknown)}")
    creating = order is None
    order = order or ServiceOrder()
    if not creating:
        errors = {}
        if "store" in data and data["store"].pk != order.store_id:
            errors["store"] = [ValidationError(_("A record cannot move to another store."), code="store_immutable")]
        if "vehicle" in data and data["vehicle"].pk != order.vehicle_id:
            errors["vehicle"] = [ValidationError(
                _("Service order %(number)s is recorded for the vehicle %(vehicle)s; it cannot move to another.")
                % {"number": order.number, "vehicle": order.vehicle}, code="vehicle_changed")]
        if errors:
            raise ValidationError(errors)
    for name, value in data.items():
        setattr(order, name, value)
    if creating and order.customer_id is None and order.vehicle_id is not None:
        order.customer = order.vehicle.owner
    if creating and order.store_id is None and order.vehicle_id is not None:
        order.store = order.vehicle.store
    order.full_clean(validate_unique=check_constraints, validate_constraints=check_constraints)
    return order


@transaction.atomic
def save_service_order(*, actor, data: dict, order: ServiceOrder | None = None) -> ServiceOrder:
    """Create or change a service order (audited) and move its vehicle's last
    visit date up to the order's day (``refresh_last_visit``)."""
    store = data.get("store") or (order.store if order else getattr(data.get("vehicle"), "store", None))
    if store is not None:  # without a store or a vehicle, full_clean() below refuses the order
        require(actor, store.pk, source=data.get("source", ServiceSource.MANUAL), creating=order is None)
    order = prepare_service_order(data=data, order=order)
    try:
        with transaction.atomic(), audit_actor(actor):
            order.save()
    except IntegrityError:
        # full_clean() checked the number; another user saved it between that check and this insert.
        raise ValidationError({"number": [ValidationError(
            _("This store already has a service order with this number."), code="unique")]}) from None
    refresh_last_visit([order.vehicle_id])
    return order


def refresh_last_visit(vehicle_ids) -> int:
    """Set each vehicle's last visit date to the day of its latest service order,
    never lowering it (a date typed on the vehicle page, or an order corrected to
    an earlier day, does not move it back). One UPDATE for all of them;
    ``vehicle_ids`` is a list or a queryset of vehicle pks."""
    if not isinstance(vehicle_ids, QuerySet):
        vehicle_ids = list(vehicle_ids)
        if not vehicle_ids:
            return 0
    from chexian.customers.models import Vehicle

    latest = Subquery(
        ServiceOrder.objects.filter(vehicle=OuterRef("pk")).order_by("-opened_on").values("opened_on")[:1],
        output_field=DateField(),
    )
    # COALESCE first: SQLite's MAX() of a NULL is NULL (PostgreSQL's GREATEST skips it).
    has_orders = Exists(ServiceOrder.objects.filter(vehicle=OuterRef("pk")))
    return Vehicle.objects.filter(has_orders, pk__in=vehicle_ids).update(
        last_visit_date=Greatest(Coalesce(F("last_visit_date"), latest), latest)
    )
