"""API of service orders: list and read the store's orders, enter one. Scoping,
the role matrix and the error format come from ``core.api``; the write is
``services.save_service_order``."""

from rest_framework import mixins, viewsets

from chexian.aftersales.api.serializers import ServiceOrderSerializer
from chexian.aftersales.filtersets import ServiceOrderFilterSet
from chexian.aftersales.models import ServiceOrder
from chexian.core.api import RestrictedViewSetMixin


class ServiceOrderViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                          mixins.ListModelMixin, viewsets.GenericViewSet):
    """Service orders (工单) of the user's stores; ``create`` enters one by hand.
    Orders change only by a new DMS import (``/api/imports/`` with ``kind=service_orders``)."""

    queryset = ServiceOrder.objects.select_related("store", "vehicle", "customer")
    serializer_class = ServiceOrderSerializer
    filterset_class = ServiceOrderFilterSet
