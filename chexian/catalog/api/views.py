"""Read-only API of the coverage catalog and the plan templates.

The catalog is shared reference data, not a store's rows, so these viewsets do
not restrict by store (``Coverage`` has no store); reading needs ``insurer.view``
in some store, checked by ``core.api.RolePermission`` like every other viewset,
and errors use the same format (``core.api.exception_handler``).
"""

from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from chexian.catalog.api.filters import CoverageFilterSet, PlanTemplateFilterSet
from chexian.catalog.api.serializers import CoverageSerializer, PlanTemplateSerializer
from chexian.catalog.models import Coverage, PlanTemplate, PlanTemplateItem
from chexian.catalog.services import family_order
from chexian.core.api import RolePermission, exception_handler


class CatalogViewSetMixin:
    """The role matrix's ``insurer.view`` for every action (they only read)."""

    permission_classes = [IsAuthenticated, RolePermission]
    required_permission = "insurer.view"

    def get_required_permission(self) -> str:
        return self.required_permission

    def get_exception_handler(self):
        return exception_handler


class CoverageViewSet(CatalogViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The coverage catalog: 交强险, the 2020 commercial model clauses, the 2021 NEV
    exclusive clauses and non-motor products, each with its limits and effective dates.
    ``?vehicle=<id>&on=<date>`` lists what that vehicle can be quoted on that day."""

    queryset = Coverage.objects.select_related("requires").order_by(family_order(), "sort_order", "code")
    serializer_class = CoverageSerializer
    filterset_class = CoverageFilterSet


class PlanTemplateViewSet(CatalogViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Recommendation templates (the seed's protection levels and owner profiles) with their items."""

    queryset = PlanTemplate.objects.prefetch_related(
        Prefetch("items", queryset=PlanTemplateItem.objects.select_related("coverage"))
    ).order_by(family_order(), "sort_order", "code")
    serializer_class = PlanTemplateSerializer
    filterset_class = PlanTemplateFilterSet
