"""Filters of the gifts-and-rebates list (and of the API list). Store choices are
the user's stores only."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from chexian.customers.filtersets import ANY, user_stores
from chexian.incentives.choices import IncentiveKind, IncentiveStatus
from chexian.incentives.models import Incentive

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IncentiveFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Policy number"),
                                  widget=forms.TextInput(attrs={"type": "search"}))
    store = django_filters.ModelChoiceFilter(queryset=user_stores, label=_("Store"), empty_label=ANY)
    kind = django_filters.ChoiceFilter(choices=IncentiveKind.choices, label=_("Kind"), empty_label=ANY)
    status = django_filters.ChoiceFilter(choices=IncentiveStatus.choices, label=_("Status"), empty_label=ANY)
    granted_from = django_filters.DateFilter(field_name="granted_on", lookup_expr="gte", label=_("Granted from"),
                                             widget=DATE)
    granted_to = django_filters.DateFilter(field_name="granted_on", lookup_expr="lte", label=_("Granted until"),
                                           widget=DATE)

    class Meta:
        model = Incentive
        fields = ["q", "store", "kind", "status", "granted_from", "granted_to"]

    def search(self, queryset, name, value):
        value = value.strip().upper()
        return queryset.filter(policy__number__contains=value) if value else queryset
