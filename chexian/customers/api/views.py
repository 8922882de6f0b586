"""API viewsets of customers, vehicles and ownership history.

Thin: each declares its queryset, serializer and filterset; scoping, the role
matrix and the error format come from ``core.api``; writes go to the services.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from chexian.core.api import RestrictedModelViewSet, RestrictedReadOnlyModelViewSet
from chexian.customers import services
from chexian.customers.api.filters import CustomerFilterSet, VehicleFilterSet, VehicleOwnershipFilterSet
from chexian.customers.api.serializers import (
    CustomerIdNumberSerializer,
    CustomerMergeSerializer,
    CustomerSerializer,
    CustomerUnmaskSerializer,
    VehicleOwnershipSerializer,
    VehicleSerializer,
    VehicleTransferSerializer,
)
from chexian.customers.models import Customer, Vehicle, VehicleOwnership


class CustomerViewSet(RestrictedModelViewSet):
    """Customers of the user's stores. Merged customers are left out of the list
    unless ``include_merged=true``."""

    queryset = Customer.objects.select_related("store")
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilterSet
    owner_field = "owner_staff"
    action_permissions = {"unmask": "unmask", "merge": "merge"}

    @extend_schema(
        request=CustomerUnmaskSerializer,
        responses=CustomerIdNumberSerializer,
        summary="Show the clear identity number (audited)",
    )
    @action(detail=True, methods=["post"])
    def unmask(self, request, pk=None):
        customer = self.get_object()
        serializer = CustomerUnmaskSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        number = services.unmask_id_number(
            actor=request.user, customer=customer, reason=serializer.validated_data["reason"]
        )
        response = Response(CustomerIdNumberSerializer({"id_number": number}).data)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        request=CustomerMergeSerializer,
        responses=CustomerSerializer,
        summary="Merge duplicate customers into this one",
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        target = self.get_object()
        serializer = CustomerMergeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        target = services.merge_customers(
            actor=request.user,
            target=target,
            duplicates=serializer.validated_data["duplicates"],
            reason=serializer.validated_data["reason"],
        )
        return Response(self.get_serializer(target).data)


class VehicleViewSet(RestrictedModelViewSet):
    """Vehicles of the user's stores, one archive each (一车一档)."""

    queryset = Vehicle.objects.select_related("store", "owner")
    serializer_class = VehicleSerializer
    filterset_class = VehicleFilterSet
    owner_field = "owner__owner_staff"
    action_permissions = {"transfer": "transfer"}

    @extend_schema(
        request=VehicleTransferSerializer,
        responses=VehicleSerializer,
        summary="Transfer the vehicle to a new owner (过户), keeping the history",
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        vehicle = self.get_object()
        serializer = VehicleTransferSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        vehicle = services.transfer_vehicle(actor=request.user, vehicle=vehicle, **serializer.validated_data)
        return Response(self.get_serializer(vehicle).data)


class VehicleOwnershipViewSet(RestrictedReadOnlyModelViewSet):
    """Who owned which vehicle when (read-only; written by create and transfer)."""

    queryset = VehicleOwnership.objects.select_related("vehicle", "customer")
    serializer_class = VehicleOwnershipSerializer
    filterset_class = VehicleOwnershipFilterSet
