"""Filters of the catalog pages (and, extended in ``api/filters.py``, of the API)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chexian.catalog.choices import ClauseFamily, CoverageKind, OwnerProfile, ProtectionLevel
from chexian.catalog.models import Coverage, PlanTemplate


class CoverageFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label=_("Search"),
        widget=forms.TextInput(attrs={"placeholder": _("Name or code"), "type": "search"}),
    )
    family = django_filters.ChoiceFilter(choices=ClauseFamily.choices, label=_("clause family"))
    kind = django_filters.ChoiceFilter(choices=CoverageKind.choices, label=_("kind"))
    on = django_filters.DateFilter(
        method="in_effect_on", label=_("In effect on"), widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Coverage
        fields = ["q", "family", "kind", "on"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))

    def in_effect_on(self, queryset, name, value):
        return queryset.effective_on(value)


class PlanTemplateFilterSet(django_filters.FilterSet):
    family = django_filters.ChoiceFilter(
        choices=[(f, ClauseFamily(f).label) for f in (ClauseFamily.COMMERCIAL_2020, ClauseFamily.NEV_2021)],
        label=_("clause family"),
    )
    level = django_filters.ChoiceFilter(choices=ProtectionLevel.choices, label=_("protection level"))
    profile = django_filters.ChoiceFilter(choices=OwnerProfile.choices, label=_("owner profile"))

    class Meta:
        model = PlanTemplate
        fields = ["family", "level", "profile"]
