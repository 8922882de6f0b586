"""Serializers of the remittance API. Reads show a remittance with its lines and
their matches; writes are inputs for ``services`` (which check every rule)."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from chexian.claims.models import ClaimCase
from chexian.core.api import PermittedStoreField, RestrictedRelatedField
from chexian.insurers.models import Insurer
from chexian.remittances.choices import Purpose
from chexian.remittances.models import ZERO, Allocation, Remittance, RemittanceLine
from chexian.statements.models import Statement

MONEY = {"max_digits": 12, "decimal_places": 2}


class AllocationSerializer(serializers.ModelSerializer):
    claim_number = serializers.CharField(source="claim.number", read_only=True, default=None)
    statement_number = serializers.CharField(source="statement.number", read_only=True, default=None)
    by = serializers.CharField(source="by.get_username", read_only=True)
    reversed_by = serializers.CharField(source="reversed_by.get_username", read_only=True, default=None)

    class Meta:
        model = Allocation
        fields = ["id", "line", "claim", "claim_number", "statement", "statement_number", "amount", "auto", "by",
                  "at", "reversed_at", "reversed_by", "reversal_reason"]
        read_only_fields = fields


class RemittanceLineSerializer(serializers.ModelSerializer):
    unallocated = serializers.DecimalField(**MONEY, read_only=True)
    allocations = AllocationSerializer(many=True, read_only=True)

    class Meta:
        model = RemittanceLine
        fields = ["id", "remittance", "line_no", "report_no", "policy_number", "plate", "payee", "paid_on", "amount",
                  "allocated_amount", "unallocated", "note", "source_row", "allocations"]
        read_only_fields = fields


class RemittanceSerializer(serializers.ModelSerializer):
    lines = RemittanceLineSerializer(many=True, read_only=True)
    allocated = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.get_username", read_only=True)

    class Meta:
        model = Remittance
        fields = ["id", "number", "store", "insurer", "purpose", "received_on", "reference", "total_amount",
                  "allocated", "source", "file_name", "file_sha256", "note", "created_by", "created_at", "lines"]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_allocated(self, obj) -> Decimal:
        return sum((line.allocated_amount for line in obj.lines.all()), ZERO)


@extend_schema_serializer(component_name="RemittanceLineInput")
class LineInputSerializer(serializers.Serializer):
    report_no = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                      help_text="The insurer's report number (报案号); needed for claim payments.")
    policy_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    plate = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    payee = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    paid_on = serializers.DateField(required=False, allow_null=True, default=None)
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="RemittanceInput")
class RemittanceInputSerializer(serializers.Serializer):
    store = PermittedStoreField()
    insurer = serializers.PrimaryKeyRelatedField(queryset=Insurer.objects.filter(is_active=True))
    purpose = serializers.ChoiceField(choices=Purpose.choices, default=Purpose.CLAIMS)
    received_on = serializers.DateField()
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    total_amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    lines = LineInputSerializer(many=True, allow_empty=False)

    class Meta:
        model = Remittance  # the store field offers the stores where the user may record remittances


@extend_schema_serializer(component_name="RemittanceMatchInput")
class MatchInputSerializer(serializers.Serializer):
    case = RestrictedRelatedField(queryset=ClaimCase.objects.all(), required=False,
                                  help_text="Id of the claim case (claim payments).")
    statement = RestrictedRelatedField(queryset=Statement.objects.all(), required=False,
                                       help_text="Id of the commission statement (commission).")
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"), required=False, allow_null=True,
                                      default=None,
                                      help_text="Empty: as much as the line has left and the case still owes.")


    def validate(self, attrs):
        if ("case" in attrs) == ("statement" in attrs):
            raise serializers.ValidationError("Give either a claim case (claim payments) or a commission "
                                              "statement (commission).")
        return attrs


@extend_schema_serializer(component_name="RemittanceUnmatchInput")
class UnmatchInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


@extend_schema_serializer(component_name="RemittanceAutoMatchResult")
class AutoMatchResultSerializer(serializers.Serializer):
    lines = serializers.IntegerField(help_text="Lines of the remittance.")
    matched = serializers.IntegerField(help_text="Lines matched now.")
    amount = serializers.DecimalField(**MONEY, help_text="Money matched now.")
    unmatched = serializers.IntegerField(help_text="Lines still holding unmatched money.")
