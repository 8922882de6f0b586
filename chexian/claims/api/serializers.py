from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from chexian.claims.choices import ClaimType, Coverage, DocumentKind, Step
from chexian.claims.models import ClaimCase, ClaimTransition
from chexian.core.api import PermittedStoreField


class TransitionSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.get_username", read_only=True)

    class Meta:
        model = ClaimTransition
        fields = ["from_step", "to_step", "backwards", "by_insurer", "reason", "data", "by", "at"]
        read_only_fields = fields


class ClaimCaseSerializer(serializers.ModelSerializer):
    plate = serializers.CharField(source="vehicle.plate", read_only=True)
    adjuster = serializers.CharField(source="adjuster.get_username", read_only=True)
    outstanding = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    missing_documents = serializers.ListField(child=serializers.CharField(), read_only=True)
    transitions = TransitionSerializer(many=True, read_only=True)

    class Meta:
        model = ClaimCase
        fields = ["id", "number", "store", "insurer", "report_no", "vehicle", "plate", "customer", "policy",
                  "insured_here", "claim_type", "coverage", "accident_at", "accident_place", "accident_description",
                  "documents_received", "missing_documents", "step", "step_since", "adjuster", "assessed_amount",
                  "assessed_on", "assessor", "repair_order_no", "quality_checked_by", "quality_checked_on",
                  "settlement_amount", "insurer_amount", "third_party_amount", "invoice_no", "signed_on", "tier",
                  "handover_batch", "handed_over_on", "payment_due_on", "old_parts", "paid_amount", "paid_on",
                  "outstanding", "returned_count", "closed_at", "transitions", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(component_name="ClaimOpen")
class ClaimOpenSerializer(serializers.Serializer):
    store = PermittedStoreField()
    vehicle = serializers.IntegerField(help_text="Id of a vehicle of the store.")
    insurer = serializers.IntegerField()
    report_no = serializers.CharField(max_length=40)
    claim_type = serializers.ChoiceField(choices=ClaimType.choices)
    coverage = serializers.ChoiceField(choices=Coverage.choices, default=Coverage.OWN_DAMAGE)
    accident_at = serializers.DateTimeField()
    accident_place = serializers.CharField(max_length=200)
    accident_description = serializers.CharField(max_length=2000)
    documents_received = serializers.ListField(child=serializers.ChoiceField(choices=DocumentKind.choices),
                                               required=False, default=list)

    class Meta:
        model = ClaimCase  # the store field offers the stores where the user may open claims


@extend_schema_serializer(component_name="ClaimStepData")
class StepDataSerializer(serializers.Serializer):
    """The current step's fields (any subset); ``complete`` moves the case on."""

    complete = serializers.BooleanField(default=True)
    report_no = serializers.CharField(max_length=40, required=False)
    claim_type = serializers.ChoiceField(choices=ClaimType.choices, required=False)
    coverage = serializers.ChoiceField(choices=Coverage.choices, required=False)
    accident_at = serializers.DateTimeField(required=False)
    accident_place = serializers.CharField(max_length=200, required=False)
    accident_description = serializers.CharField(max_length=2000, required=False)
    documents_received = serializers.ListField(child=serializers.ChoiceField(choices=DocumentKind.choices),
                                               required=False)
    assessed_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    assessed_on = serializers.DateField(required=False)
    assessor = serializers.CharField(max_length=50, required=False, allow_blank=True)
    repair_order_no = serializers.CharField(max_length=30, required=False)
    quality_checked_by = serializers.CharField(max_length=50, required=False)
    quality_checked_on = serializers.DateField(required=False)
    settlement_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    insurer_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    third_party_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    invoice_no = serializers.CharField(max_length=30, required=False)
    signed_on = serializers.DateField(required=False)


@extend_schema_serializer(component_name="ClaimBack")
class BackSerializer(serializers.Serializer):
    # Any step before the handover (the service says so, with the rule, for any other).
    to_step = serializers.ChoiceField(choices=Step.choices)
    reason = serializers.CharField(max_length=300)
    by_insurer = serializers.BooleanField(default=False, help_text="核赔退回: the insurer returned the case.")
