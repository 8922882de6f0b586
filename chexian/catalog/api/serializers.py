"""API serializers of the coverage catalog and the plan templates (read-only)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from chexian.catalog.models import Coverage, PlanTemplate, PlanTemplateItem


@extend_schema_serializer(component_name="Coverage")
class CoverageSerializer(serializers.ModelSerializer):
    """One coverage of the catalog. ``limit_choices`` are the offered tiers or rates
    (decimal strings) where ``limit_kind`` is ``tier`` or ``percent``."""

    family_display = serializers.CharField(source="get_family_display", read_only=True)
    requires_code = serializers.CharField(source="requires.code", read_only=True, default=None)

    class Meta:
        model = Coverage
        fields = [
            "id",
            "code",
            "name",
            "family",
            "family_display",
            "kind",
            "limit_kind",
            "limit_choices",
            "requires",
            "requires_code",
            "effective_from",
            "effective_until",
            "sort_order",
            "description",
        ]
        read_only_fields = fields


@extend_schema_serializer(component_name="PlanTemplateItem")
class PlanTemplateItemSerializer(serializers.ModelSerializer):
    coverage_code = serializers.CharField(source="coverage.code", read_only=True)
    coverage_name = serializers.CharField(source="coverage.name", read_only=True)
    limit_kind = serializers.CharField(source="coverage.limit_kind", read_only=True)

    class Meta:
        model = PlanTemplateItem
        fields = ["coverage", "coverage_code", "coverage_name", "limit_kind", "limit"]
        read_only_fields = fields


@extend_schema_serializer(component_name="PlanTemplate")
class PlanTemplateSerializer(serializers.ModelSerializer):
    """A recommendation template: commercial coverages with limits, and the note on
    how it maps from the seed's 2019 wording. 交强险 is implied in every plan."""

    items = serializers.SerializerMethodField()

    class Meta:
        model = PlanTemplate
        fields = ["id", "code", "name", "family", "level", "profile", "note", "sort_order", "items"]
        read_only_fields = fields

    @staticmethod
    def _ordered(template):
        return sorted(template.items.all(), key=lambda item: (item.coverage.sort_order, item.coverage.code))

    def get_items(self, template) -> list[dict]:
        return PlanTemplateItemSerializer(self._ordered(template), many=True).data
