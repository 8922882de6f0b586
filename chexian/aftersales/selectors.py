"""What other pages read from the service orders: a vehicle's visits, and the
cars serviced here but insured elsewhere (在修不在保, SPEC §3.4's segment)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, Max, OuterRef

from chexian.aftersales.models import ServiceOrder
from chexian.org.permissions import stores_for

VISIT_WINDOW_DAYS = 365  # "serviced here": an order opened in the last year
SHOWN_ON_PAGES = 10


def vehicle_orders(user, vehicle, limit: int = SHOWN_ON_PAGES):
    """The vehicle's latest service orders the user may see (none without ``service.view`` in its store)."""
    return ServiceOrder.objects.restrict(user, "view").filter(vehicle=vehicle).order_by("-opened_on", "-pk")[:limit]


def serviced_not_insured(user, today: dt.date):
    """在修不在保: vehicles of the user's stores with a service order opened in the
    365 days up to ``today`` and no CTPL or commercial policy at the store in
    force on ``today`` (cancelled ones do not count) — the desk's prospects.

    One aggregate query: each vehicle with its visits in the window (``visits``)
    and the last one (``last_visit``), latest visit first. Only stores where the
    user may see both vehicles and service orders.
    """
    from chexian.customers.models import Vehicle
    from chexian.policies.choices import PolicyLine, PolicyStatus
    from chexian.policies.models import Policy

    in_force = (
        Policy.objects.filter(vehicle=OuterRef("pk"), store=OuterRef("store"),
                              line__in=[PolicyLine.CTPL, PolicyLine.COMMERCIAL],
                              start_date__lte=today, end_date__gte=today)
        .exclude(status=PolicyStatus.CANCELLED)
    )
    vehicles = Vehicle.objects.restrict(user, "view")
    stores = stores_for(user, "service.view")
    if stores is not None:
        vehicles = vehicles.filter(store__in=stores)
    # The filter on the orders comes before the annotations, so they count only the window's orders.
    return (
        vehicles.filter(service_orders__opened_on__gt=today - dt.timedelta(days=VISIT_WINDOW_DAYS),
                        service_orders__opened_on__lte=today)
        .annotate(last_visit=Max("service_orders__opened_on"), visits=Count("service_orders"))
        .filter(~Exists(in_force))
        .select_related("owner", "store")
        .order_by("-last_visit", "pk")
    )
