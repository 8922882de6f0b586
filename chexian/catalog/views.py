"""Read-only pages of the coverage catalog and the recommendation templates (SPEC §3.2).

The catalog is the group's shared reference data, not a store's records: it is
not store-scoped, and anyone who may see insurers (``insurer.view``) in some
store may read it. Changes are made as data (admin, data migrations), never here.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView

from chexian.catalog.filtersets import CoverageFilterSet, PlanTemplateFilterSet
from chexian.catalog.models import Coverage, PlanTemplate, PlanTemplateItem
from chexian.catalog.services import family_order, template_items
from chexian.core.views import ActionRequiredMixin, ObjectListView, field_rows

# The whole catalog fits on one page (about forty coverages, sixteen templates),
# so the family groups are never split across pages.
CATALOG_PAGE_SIZE = 200
VIEW_ACTION = "insurer.view"


def templates_with_items():
    return PlanTemplate.objects.prefetch_related(
        Prefetch("items", queryset=PlanTemplateItem.objects.select_related("coverage__requires"))
    ).order_by(family_order(), "sort_order", "code")


class CoverageListView(ObjectListView):
    """Every coverage, grouped by clause family, with its limits and effective dates."""

    required_action = VIEW_ACTION
    filterset_class = CoverageFilterSet
    template_name = "catalog/coverage_list.html"
    title = gettext_lazy("Coverage catalog")

    def get_paginate_by(self, queryset):
        return CATALOG_PAGE_SIZE

    def get_queryset(self):
        return Coverage.objects.select_related("requires").order_by(family_order(), "sort_order", "code")


class PlanTemplateListView(ObjectListView):
    """The seed's protection levels and owner profiles, per commercial clause family."""

    required_action = VIEW_ACTION
    filterset_class = PlanTemplateFilterSet
    template_name = "catalog/plantemplate_list.html"
    title = gettext_lazy("Plan templates")

    def get_paginate_by(self, queryset):
        return CATALOG_PAGE_SIZE

    def get_queryset(self):
        return templates_with_items()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for template in context["object_list"]:
            template.plan = template_items(template)
        return context


class PlanTemplateDetailView(ActionRequiredMixin, DetailView):
    """A template's coverages with their limits, and the note on how it maps from the seed."""

    required_action = VIEW_ACTION
    template_name = "catalog/plantemplate_detail.html"

    def get_queryset(self):
        return templates_with_items()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        template = self.object
        context.update(
            properties=field_rows(template, ["code", "family", "level", "profile"]),
            items=template_items(template),
        )
        return context
