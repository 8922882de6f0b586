from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from chexian.insurers.models import Insurer
from chexian.renewals.choices import CallOutcome, LostReason
from chexian.renewals.models import ContactLog, ContactTask, ReminderRule, RenewalCase


class ContactLogSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.get_username", read_only=True)

    class Meta:
        model = ContactLog
        fields = ["id", "channel", "outcome", "note", "next_contact_on", "by", "created_at"]


class ContactTaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactTask
        fields = ["id", "rule", "channel", "due_on", "status", "done_at"]


class RenewalCaseSerializer(serializers.ModelSerializer):
    assigned_to = serializers.CharField(source="assigned_to.get_username", read_only=True, default=None)
    plate = serializers.CharField(source="vehicle.plate", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    contacts = ContactLogSerializer(many=True, read_only=True)
    tasks = ContactTaskSerializer(many=True, read_only=True)

    class Meta:
        model = RenewalCase
        fields = [
            "id", "store", "vehicle", "plate", "customer", "customer_name", "expiring_policy", "due_date",
            "expiring_premium", "segment", "assigned_to", "status", "renewed_policy", "lost_reason",
            "lost_to_insurer", "lost_to_channel", "outcome_note", "closed_at", "contacts", "tasks", "created_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(component_name="RenewalContact")
class ContactInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CallOutcome.choices)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    next_contact_on = serializers.DateField(required=False, allow_null=True, default=None)


@extend_schema_serializer(component_name="RenewalLost")
class LostInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=LostReason.choices)
    insurer = serializers.PrimaryKeyRelatedField(queryset=Insurer.objects.all(), required=False, allow_null=True,
                                                 default=None)
    channel = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ReminderRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReminderRule
        fields = ["id", "store", "channel", "start_days_before", "interval_days", "is_active"]
        read_only_fields = fields
