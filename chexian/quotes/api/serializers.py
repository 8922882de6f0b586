"""API serializers of quotes.

Writes go through ``quotes.services``, so the API enforces the same rules as the
pages; their ``ValidationError`` becomes a 400 with the rule's code in
``core.api.exception_handler``. Coverages and insurers are named by their stable
codes (``"third_party"``, ``"PICC"``), as imports and integrations know them.
Money is a decimal string; any number of decimals is accepted here so that the
service's rule (two decimals, not negative) is the one that answers.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from chexian.catalog.models import Coverage, PlanTemplate
from chexian.core.api import RestrictedRelatedField
from chexian.customers.models import Vehicle
from chexian.insurers.models import Insurer
from chexian.quotes import services
from chexian.quotes.models import Quote, QuoteItem, QuoteOffer, QuoteOfferLine


def money(**kwargs):
    return serializers.DecimalField(max_digits=None, decimal_places=None, **kwargs)


class InsurerCodeField(serializers.SlugRelatedField):
    default_error_messages = {"does_not_exist": _("No insurer with the code {value}.")}

    def __init__(self, **kwargs):
        # The queryset names the model for the schema; the rows come from get_queryset().
        kwargs.setdefault("queryset", Insurer.objects.all())
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        return Insurer.objects.restrict(self.context["request"].user)


class CoverageCodeField(serializers.SlugRelatedField):
    default_error_messages = {"does_not_exist": _("No coverage with the code {value} in the catalog.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Coverage.objects.all())
        super().__init__(slug_field="code", **kwargs)


# ------------------------------------------------------------------ read
@extend_schema_serializer(component_name="QuoteItem")
class QuoteItemSerializer(serializers.ModelSerializer):
    coverage = serializers.CharField(source="coverage.code", read_only=True)
    coverage_name = serializers.CharField(source="coverage.name", read_only=True)

    class Meta:
        model = QuoteItem
        fields = ["coverage", "coverage_name", "limit"]
        read_only_fields = fields


@extend_schema_serializer(component_name="QuoteOfferLine")
class QuoteOfferLineSerializer(serializers.ModelSerializer):
    coverage = serializers.CharField(source="coverage.code", read_only=True)
    coverage_name = serializers.CharField(source="coverage.name", read_only=True)

    class Meta:
        model = QuoteOfferLine
        fields = ["coverage", "coverage_name", "premium"]
        read_only_fields = fields


@extend_schema_serializer(component_name="QuoteOffer")
class QuoteOfferSerializer(serializers.ModelSerializer):
    """One insurer's figures, as its system returned them."""

    insurer = serializers.CharField(source="insurer.code", read_only=True)
    insurer_name = serializers.CharField(source="insurer.short_name", read_only=True)
    total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    lines = QuoteOfferLineSerializer(many=True, read_only=True)

    class Meta:
        model = QuoteOffer
        fields = [
            "id", "insurer", "insurer_name", "commercial_premium", "commercial_premium_without_vat",
            "ctpl_premium", "ctpl_premium_without_vat", "vehicle_tax", "total", "ncd_coefficient",
            "pricing_coefficient", "ctpl_floating_rate", "ctpl_float_reason", "query_code", "lines",
            "entered_by", "created_at", "updated_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(component_name="Quote")
class QuoteSerializer(serializers.ModelSerializer):
    """A quote: the plan and every insurer's offer. Never carries an identity number."""

    store_code = serializers.CharField(source="store.code", read_only=True)
    vehicle_plate = serializers.CharField(source="vehicle.plate", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    template = serializers.SlugRelatedField(slug_field="code", read_only=True)
    items = QuoteItemSerializer(many=True, read_only=True)
    offers = QuoteOfferSerializer(many=True, read_only=True)

    class Meta:
        model = Quote
        fields = [
            "id", "store", "store_code", "vehicle", "vehicle_plate", "customer", "customer_name", "clause_family",
            "template", "status", "start_date", "valid_until", "previous_policy", "chosen_offer", "items",
            "offers", "note", "created_by", "created_at", "updated_at",
        ]
        read_only_fields = fields


# ------------------------------------------------------------------ write
class PlanItemSerializer(serializers.Serializer):
    coverage = CoverageCodeField()
    limit = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None,
                                  help_text=_("Yuan, or the rate in percent; omit for coverages without a limit."))


@extend_schema_serializer(component_name="QuoteCreate")
class QuoteCreateSerializer(serializers.Serializer):
    """Start a quote: the vehicle and a template (by code) or the coverages."""

    vehicle = RestrictedRelatedField(
        queryset=Vehicle.objects.all(),
        error_messages={"does_not_exist": _("No such vehicle in your stores: {pk_value}.")},
    )
    start_date = serializers.DateField()
    template = serializers.SlugRelatedField(
        slug_field="code", queryset=PlanTemplate.objects.all(), required=False, allow_null=True, default=None
    )
    items = PlanItemSerializer(many=True, required=False, default=list)
    valid_days = serializers.IntegerField(required=False, default=services.DEFAULT_VALID_DAYS)
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def create(self, validated_data):
        items = [(item["coverage"], item["limit"] or None) for item in validated_data.pop("items")]
        return services.create_quote(actor=self.context["request"].user, items=items, **validated_data)


class OfferLineInputSerializer(serializers.Serializer):
    coverage = CoverageCodeField()
    premium = money()


@extend_schema_serializer(component_name="QuoteOfferInput")
class QuoteOfferInputSerializer(serializers.Serializer):
    """An insurer's figures for the quote's plan; again for the same insurer replaces its offer."""

    insurer = InsurerCodeField()
    commercial_premium = money()
    commercial_premium_without_vat = money()
    ctpl_premium = money(required=False)
    ctpl_premium_without_vat = money(required=False)
    vehicle_tax = money(required=False)
    ncd_coefficient = money(required=False, allow_null=True)
    pricing_coefficient = money(required=False, allow_null=True)
    ctpl_floating_rate = money(required=False, allow_null=True)
    ctpl_float_reason = serializers.CharField(required=False, allow_blank=True, max_length=100)
    query_code = serializers.CharField(required=False, allow_blank=True, max_length=60)
    lines = OfferLineInputSerializer(many=True, required=False, default=list)

    def save_offer(self, quote):
        data = dict(self.validated_data)
        insurer = data.pop("insurer")
        lines = [(line["coverage"], line["premium"]) for line in data.pop("lines")]
        return services.record_offer(
            actor=self.context["request"].user, quote=quote, insurer=insurer, lines=lines, **data
        )


@extend_schema_serializer(component_name="QuoteChoose")
class QuoteChooseSerializer(serializers.Serializer):
    offer = serializers.PrimaryKeyRelatedField(
        queryset=QuoteOffer.objects.none(), help_text=_("The id of one of this quote's offers.")
    )

    def __init__(self, *args, quote=None, **kwargs):
        super().__init__(*args, **kwargs)
        if quote is not None:  # None: the schema generator's instance
            self.fields["offer"].queryset = QuoteOffer.objects.filter(quote=quote).select_related("insurer")


# ------------------------------------------------------------------ comparison (read-only)
class ComparisonRowSerializer(serializers.Serializer):
    coverage = serializers.CharField(source="coverage.code")
    coverage_name = serializers.CharField(source="coverage.name")
    limit = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    limit_label = serializers.CharField()
    premiums = serializers.ListField(child=serializers.DecimalField(max_digits=12, decimal_places=2,
                                                                    allow_null=True))
    cheapest = serializers.ListField(child=serializers.BooleanField())


class RenewalSerializer(serializers.Serializer):
    previous_policy = serializers.IntegerField(source="previous_policy.pk")
    offer = serializers.IntegerField(source="offer.pk")
    last_premium = serializers.DecimalField(max_digits=12, decimal_places=2)
    new_premium = serializers.DecimalField(max_digits=12, decimal_places=2)
    difference = serializers.DecimalField(max_digits=12, decimal_places=2)
    percent = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    last_ncd = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    new_ncd = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    last_pricing = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    new_pricing = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    claims_recorded = serializers.BooleanField()
    added = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())
    text_zh = serializers.CharField()
    text_en = serializers.CharField()


@extend_schema_serializer(component_name="QuoteComparison")
class ComparisonSerializer(serializers.Serializer):
    """Insurers as columns (cheapest total first), coverages as rows, and the renewal explanation."""

    offers = QuoteOfferSerializer(many=True)
    cheapest = serializers.SerializerMethodField()
    chosen_offer = serializers.IntegerField(source="quote.chosen_offer_id", allow_null=True)
    rows = ComparisonRowSerializer(many=True)
    renewal = serializers.SerializerMethodField()

    def get_cheapest(self, obj) -> list[int]:
        return sorted(obj.cheapest_ids)

    def get_renewal(self, obj) -> dict | None:
        renewal = self.context.get("renewal")
        return RenewalSerializer(renewal).data if renewal is not None else None
