"""Filters of the policy list (and of the API list).

Store choices are the user's stores only. The search box ``q`` finds a policy by
its number, or by its vehicle through the indexed staff search of
``customers.selectors`` (plate, VIN last 6, owner name or mobile last 4).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chexian.customers import selectors
from chexian.customers.filtersets import ANY, user_stores
from chexian.insurers.models import Insurer
from chexian.policies.choices import BusinessType, PolicyLine, PolicyStatus
from chexian.policies.models import Policy

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def user_insurers(request):
    if request is None:
        return Insurer.objects.none()
    return Insurer.objects.restrict(request.user)


class PolicyFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Policy number, plate, VIN last 6, owner name or mobile last 4")}
        ),
    )
    store = django_filters.ModelChoiceFilter(queryset=user_stores, label=_("Store"), empty_label=ANY)
    insurer = django_filters.ModelChoiceFilter(queryset=user_insurers, label=_("Insurer"), empty_label=ANY)
    line = django_filters.ChoiceFilter(choices=PolicyLine.choices, label=_("Line"), empty_label=ANY)
    business_type = django_filters.ChoiceFilter(
        choices=BusinessType.choices, label=_("Business type"), empty_label=ANY
    )
    status = django_filters.ChoiceFilter(choices=PolicyStatus.choices, label=_("Status"), empty_label=ANY)
    start_from = django_filters.DateFilter(
        field_name="start_date", lookup_expr="gte", label=_("Starts from"), widget=DATE
    )
    start_to = django_filters.DateFilter(
        field_name="start_date", lookup_expr="lte", label=_("Starts until"), widget=DATE
    )
    end_from = django_filters.DateFilter(field_name="end_date", lookup_expr="gte", label=_("Ends from"), widget=DATE)
    end_to = django_filters.DateFilter(field_name="end_date", lookup_expr="lte", label=_("Ends until"), widget=DATE)

    class Meta:
        model = Policy
        fields = [
            "q", "store", "insurer", "line", "business_type", "status", "start_from", "start_to", "end_from",
            "end_to",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        vehicles = selectors.search_vehicles(self.request.user, value).values("pk")
        # The number is matched whole: staff type or scan the full policy number.
        return queryset.filter(Q(number=value.upper()) | Q(number=value) | Q(vehicle__in=vehicles))
