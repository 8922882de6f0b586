from decimal import Decimal

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from chexian.statements.models import Statement, StatementLine

MONEY = {"max_digits": 14, "decimal_places": 2}


class StatementSerializer(serializers.ModelSerializer):
    store_code = serializers.CharField(source="store.code", read_only=True)
    insurer_code = serializers.CharField(source="insurer.code", read_only=True)
    month = serializers.CharField(source="month_label", read_only=True, help_text="YYYY-MM")
    outstanding = serializers.DecimalField(**MONEY, read_only=True,
                                           help_text="What the insurer still owes: its confirmed figure (else ours) "
                                                     "less what was paid.")

    class Meta:
        model = Statement
        fields = ["id", "number", "store", "store_code", "insurer", "insurer_code", "month", "state", "line_count",
                  "premium", "base", "commission", "insurer_commission", "difference_count", "invoice_no",
                  "invoiced_on", "paid_amount", "paid_on", "outstanding", "built_at", "sent_at", "confirmed_at",
                  "closed_at", "note"]
        read_only_fields = fields


class StatementLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatementLine
        fields = ["id", "policy", "entry", "policy_number", "line", "day", "premium", "base", "rate", "commission",
                  "their_premium", "their_rate", "their_commission", "difference", "note"]
        read_only_fields = fields


@extend_schema_serializer(component_name="StatementBuildInput")
class BuildInputSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM, a month that is over.")
    store = serializers.IntegerField(required=False, help_text="Id of one store (default: every store you manage).")


@extend_schema_serializer(component_name="StatementBuildResult")
class BuildResultSerializer(serializers.Serializer):
    month = serializers.CharField()
    created = serializers.ListField(child=serializers.CharField(), help_text="Numbers of the statements built.")
    rebuilt = serializers.ListField(child=serializers.CharField(), help_text="Drafts built again.")
    kept = serializers.ListField(child=serializers.CharField(), help_text="Already sent: left as they are.")


class TheirLineSerializer(serializers.Serializer):
    policy_number = serializers.CharField(max_length=40)
    premium = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    rate = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True, default=None,
                                    min_value=Decimal("0"), max_value=Decimal("100"))
    commission = serializers.DecimalField(**MONEY)


@extend_schema_serializer(component_name="StatementConfirmationInput")
class ConfirmationInputSerializer(serializers.Serializer):
    lines = TheirLineSerializer(many=True, help_text="The insurer's lines; negative amounts for refunds.")


@extend_schema_serializer(component_name="StatementInvoiceInput")
class InvoiceInputSerializer(serializers.Serializer):
    invoice_no = serializers.CharField(max_length=40)
    invoiced_on = serializers.DateField()
