"""Filters of the catalog API: the pages' FilterSets plus ``vehicle`` — the
coverages a vehicle of the user's stores can be quoted on (its clause family,
交强险 and non-motor; combine with ``on`` for a date)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from chexian.catalog import filtersets
from chexian.catalog.services import allowed_families
from chexian.customers.models import Vehicle


def _vehicles(request):
    return Vehicle.objects.restrict(request.user, "view") if request is not None else Vehicle.objects.none()


@extend_schema_field(OpenApiTypes.INT)
class VehicleFilter(django_filters.ModelChoiceFilter):
    """A vehicle id (of the user's stores)."""


class CoverageFilterSet(filtersets.CoverageFilterSet):
    vehicle = VehicleFilter(
        queryset=_vehicles, method="for_vehicle", label=_("Quotable for this vehicle")
    )

    class Meta(filtersets.CoverageFilterSet.Meta):
        fields = [*filtersets.CoverageFilterSet.Meta.fields, "code", "vehicle"]

    def for_vehicle(self, queryset, name, value):
        return queryset.filter(family__in=allowed_families(value))


class PlanTemplateFilterSet(filtersets.PlanTemplateFilterSet):
    class Meta(filtersets.PlanTemplateFilterSet.Meta):
        fields = [*filtersets.PlanTemplateFilterSet.Meta.fields, "code"]
