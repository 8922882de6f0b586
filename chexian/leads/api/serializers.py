from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from chexian.core.api import PermittedStoreField
from chexian.leads.choices import LeadSource
from chexian.leads.models import Lead, LeadFollowUp


class FollowUpSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.get_username", read_only=True)

    class Meta:
        model = LeadFollowUp
        fields = ["id", "note", "next_follow_up", "by", "created_at"]
        read_only_fields = fields


class LeadSerializer(serializers.ModelSerializer):
    referred_by = serializers.CharField(source="referred_by.get_username", read_only=True, default=None)
    department = serializers.CharField(source="department.name", read_only=True, default=None)
    follow_ups = FollowUpSerializer(many=True, read_only=True)

    class Meta:
        model = Lead
        fields = ["id", "store", "name", "mobile", "plate", "vehicle", "source", "department", "referred_by", "note",
                  "status", "next_follow_up", "converted_policy", "converted_at", "follow_ups", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(component_name="LeadCapture")
class LeadCaptureSerializer(serializers.Serializer):
    store = PermittedStoreField()
    name = serializers.CharField(max_length=100)
    mobile = serializers.CharField(max_length=11)
    plate = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(choices=LeadSource.choices, default=LeadSource.REFERRAL)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    next_follow_up = serializers.DateField(required=False, allow_null=True, default=None)

    class Meta:
        model = Lead  # the store field offers the stores where the user may add leads


@extend_schema_serializer(component_name="LeadFollowUpInput")
class FollowUpInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300)
    next_follow_up = serializers.DateField(required=False, allow_null=True, default=None)
    give_up = serializers.BooleanField(required=False, default=False)
