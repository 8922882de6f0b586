from rest_framework import serializers

from chexian.incentives import compliance
from chexian.incentives.choices import IncentiveStatus
from chexian.incentives.models import GiftItem, Incentive, IncentiveLine, Redemption


class GiftItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = GiftItem
        fields = ["id", "store", "name", "department", "unit_cost", "is_active"]
        read_only_fields = fields


class RedemptionSerializer(serializers.ModelSerializer):
    redeemed_by = serializers.CharField(source="redeemed_by.get_username", read_only=True)

    class Meta:
        model = Redemption
        fields = ["id", "redeemed_on", "quantity", "unit_cost", "real_cost", "redeemed_by", "note"]
        read_only_fields = fields


class IncentiveLineSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    department = serializers.CharField(source="item.department", read_only=True)
    redemptions = RedemptionSerializer(many=True, read_only=True)

    class Meta:
        model = IncentiveLine
        fields = ["id", "item", "item_name", "department", "quantity", "unit_cost", "redeemed_quantity",
                  "redemptions"]
        read_only_fields = fields


class IncentiveSerializer(serializers.ModelSerializer):
    """A gift or rebate with its lines and redemptions; ``flagged`` is true until a
    supervisor approves it, and ``compliance_warning`` names the rule it breaks."""

    policy_number = serializers.CharField(source="policy.number", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.get_username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.get_username", read_only=True, default=None)
    flagged = serializers.BooleanField(read_only=True)
    compliance_warning = serializers.SerializerMethodField()
    lines = IncentiveLineSerializer(many=True, read_only=True)

    class Meta:
        model = Incentive
        fields = ["id", "store", "policy", "policy_number", "kind", "granted_on", "reason", "rebate_amount",
                  "rebate_method", "cost_at_grant", "redeemed_cost", "cost", "status", "flagged", "recorded_by",
                  "decided_by", "decided_at", "decision_reason", "compliance_warning", "lines"]
        read_only_fields = fields

    def get_compliance_warning(self, obj) -> str:
        return compliance.warning_text()


class DecisionSerializer(serializers.Serializer):
    # Blank allowed here: the service refuses a decision without a reason with its own message and code.
    reason = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


DECISIONS = {"approve": IncentiveStatus.APPROVED, "reject": IncentiveStatus.REJECTED}
