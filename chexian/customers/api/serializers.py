"""API serializers of customers and vehicles.

Writes go through ``customers.services`` (which call ``full_clean()``), so the
API enforces the same rules as the pages; their ``ValidationError`` becomes a
400 in ``core.api.exception_handler``. Identity numbers are accepted in clear,
returned only masked; the clear number comes from the audited ``unmask`` action.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from chexian.core.api import IdentifierField, RestrictedRelatedField, StoreScopedModelSerializer, permitted_stores
from chexian.core.validators import validate_mobile, validate_plate, validate_resident_id, validate_uscc, validate_vin
from chexian.customers import services
from chexian.customers.access import shown_mobile
from chexian.customers.forms import staff_of
from chexian.customers.models import Customer, Vehicle, VehicleOwnership

# The identifier fields run the core validators on the input (IdentifierField):
# the model's clean() reports a broken rule by its message only, and integrations
# need the rule's code ("vin_check_digit"). Same functions, so each rule keeps
# one home; the service's full_clean() checks them again.


class StaffField(serializers.PrimaryKeyRelatedField):
    """Owner staff: an active user with a role in one of the acting user's stores
    (the same choices as the page's form)."""

    default_error_messages = {"does_not_exist": _("No such staff member in your stores: {pk_value}.")}

    def get_queryset(self):
        return staff_of(permitted_stores(self.context["request"].user, "customer.view"))


@extend_schema_serializer(component_name="Customer")
class CustomerSerializer(StoreScopedModelSerializer):
    """A customer. ``mobile`` and ``mobile2`` come back masked for roles that do
    not contact customers (SPEC §1); ``id_number`` is write-only."""

    store_code = serializers.CharField(source="store.code", read_only=True)
    mobile = IdentifierField(validator=validate_mobile, label=_("mobile"), required=False, allow_blank=True)
    mobile2 = IdentifierField(validator=validate_mobile, label=_("second mobile"), required=False, allow_blank=True)
    id_number = IdentifierField(
        validator=validate_resident_id,
        label=_("resident ID number"),
        write_only=True,
        required=False,
        allow_blank=True,
        help_text=_("In clear (GB 11643). Stored encrypted; responses show id_number_masked only."),
    )
    uscc = IdentifierField(
        validator=validate_uscc,
        label=_("unified social credit code"),
        required=False,
        allow_blank=True,
        help_text=_("For company customers (GB 32100)."),
    )
    owner_staff = StaffField(queryset=get_user_model().objects.all(), required=False, allow_null=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "store",
            "store_code",
            "kind",
            "name",
            "mobile",
            "mobile2",
            "id_number",
            "id_number_masked",
            "uscc",
            "address",
            "area",
            "source",
            "portrait_tags",
            "visit_habits",
            "preferred_contact_time",
            "consent_outreach",
            "consent_at",
            "owner_staff",
            "note",
            "merged_into",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id_number_masked", "consent_at", "merged_into", "created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = self.context["request"].user
        data["mobile"] = shown_mobile(user, instance)
        data["mobile2"] = shown_mobile(user, instance, instance.mobile2)
        return data

    def create(self, validated_data):
        return services.save_customer(actor=self.actor, data=validated_data)

    def update(self, instance, validated_data):
        return services.save_customer(actor=self.actor, data=validated_data, customer=instance)


@extend_schema_serializer(component_name="Vehicle")
class VehicleSerializer(StoreScopedModelSerializer):
    """A vehicle and its archive (一车一档). The owner changes only through the
    ``transfer`` action, which keeps the ownership history."""

    store_code = serializers.CharField(source="store.code", read_only=True)
    owner = RestrictedRelatedField(
        queryset=Customer.objects.active(),
        error_messages={"does_not_exist": _("No such customer in your stores: {pk_value}.")},
    )
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    vin = IdentifierField(validator=validate_vin, label=_("VIN"))
    plate = IdentifierField(
        validator=validate_plate,
        label=_("plate number"),
        required=False,
        allow_blank=True,
        help_text=_("Empty for a new car not yet registered."),
    )
    ownership_start = serializers.DateField(
        write_only=True,
        required=False,
        help_text=_("Start of the first ownership (on create); defaults to the purchase date, else today."),
    )

    class Meta:
        model = Vehicle
        fields = [
            "id",
            "store",
            "store_code",
            "archive_no",
            "owner",
            "owner_name",
            "plate",
            "plate_key",
            "vin",
            "vin_tail",
            "engine_no",
            "brand",
            "series",
            "model_name",
            "is_own_brand",
            "energy_type",
            "is_new_energy",
            "first_registration_date",
            "purchase_date",
            "sold_here",
            "usage",
            "seats",
            "new_car_price",
            "mileage",
            "last_visit_date",
            "ownership_start",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["archive_no", "plate_key", "vin_tail", "is_new_energy", "created_at", "updated_at"]

    def create(self, validated_data):
        ownership_start = validated_data.pop("ownership_start", None)
        return services.save_vehicle(actor=self.actor, data=validated_data, ownership_start=ownership_start)

    def update(self, instance, validated_data):
        validated_data.pop("ownership_start", None)
        return services.save_vehicle(actor=self.actor, data=validated_data, vehicle=instance)


@extend_schema_serializer(component_name="VehicleOwnership")
class VehicleOwnershipSerializer(serializers.ModelSerializer):
    """One period in which a customer owned a vehicle (read-only history)."""

    vehicle_plate = serializers.CharField(source="vehicle.plate", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = VehicleOwnership
        fields = [
            "id",
            "vehicle",
            "vehicle_plate",
            "customer",
            "customer_name",
            "start_date",
            "end_date",
            "reason",
            "note",
            "created_at",
        ]
        read_only_fields = fields


# ------------------------------------------------------------------ actions
@extend_schema_serializer(component_name="CustomerUnmask")
class CustomerUnmaskSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="", help_text=_("Why, for the audit log.")
    )


@extend_schema_serializer(component_name="CustomerIdNumber")
class CustomerIdNumberSerializer(serializers.Serializer):
    id_number = serializers.CharField(help_text=_("The clear identity number; this view is in the audit log."))


@extend_schema_serializer(component_name="CustomerMerge")
class CustomerMergeSerializer(serializers.Serializer):
    duplicates = RestrictedRelatedField(
        queryset=Customer.objects.all(),
        many=True,
        allow_empty=False,
        help_text=_("Customers merged into this one; their vehicles and records move to it."),
    )
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="VehicleTransfer")
class VehicleTransferSerializer(serializers.Serializer):
    new_owner = RestrictedRelatedField(
        queryset=Customer.objects.active(),
        error_messages={"does_not_exist": _("No such customer in your stores: {pk_value}.")},
    )
    date = serializers.DateField(help_text=_("Transfer (过户) date; the new ownership starts on it."))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
