"""API serializers of service orders. Writing goes through
``aftersales.services.save_service_order`` (``full_clean``), so a broken rule is a
400 that names the field and the rule's code (``core.api.exception_handler``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from chexian.aftersales import services
from chexian.aftersales.models import ServiceOrder
from chexian.core.api import RestrictedRelatedField, StoreScopedModelSerializer
from chexian.customers.models import Customer, Vehicle


@extend_schema_serializer(component_name="ServiceOrder")
class ServiceOrderSerializer(StoreScopedModelSerializer):
    """A service order (工单). ``customer`` defaults to the vehicle's owner; orders
    entered here have the source ``manual`` (the DMS import writes ``import``)."""

    store_code = serializers.CharField(source="store.code", read_only=True)
    vehicle = RestrictedRelatedField(
        queryset=Vehicle.objects.all(),
        error_messages={"does_not_exist": _("No such vehicle in your stores: {pk_value}.")},
    )
    vehicle_plate = serializers.CharField(source="vehicle.plate", read_only=True)
    customer = RestrictedRelatedField(
        queryset=Customer.objects.active(), required=False,
        error_messages={"does_not_exist": _("No such customer in your stores: {pk_value}.")},
        help_text=_("Defaults to the vehicle's owner."),
    )
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = ServiceOrder
        fields = [
            "id", "store", "store_code", "vehicle", "vehicle_plate", "customer", "customer_name", "number", "kind",
            "opened_on", "closed_on", "amount", "labour_amount", "parts_amount", "mileage", "advisor", "source",
            "note", "created_at", "updated_at",
        ]
        read_only_fields = ["source", "created_at", "updated_at"]

    def create(self, validated_data):
        return services.save_service_order(actor=self.actor, data=validated_data)
