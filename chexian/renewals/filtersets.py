"""Filters of the renewal case list (page and API); store and specialist choices
list only what the user may see."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chexian.customers.forms import stores_where
from chexian.org.models import Store
from chexian.renewals.choices import CaseStatus, LostReason, Segment
from chexian.renewals.models import RenewalCase


def case_stores(request):
    return stores_where(request.user, "renewal.view") if request is not None else Store.objects.none()


def specialists(request):
    if request is None:
        return get_user_model().objects.none()
    return get_user_model().objects.filter(staff_roles__store__in=case_stores(request)).distinct().order_by("username")


class RenewalCaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Plate, VIN or customer name")}),
    )
    store = django_filters.ModelChoiceFilter(queryset=case_stores, label=_("Store"))
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices, label=_("Status"))
    segment = django_filters.ChoiceFilter(choices=Segment.choices, label=_("Segment"))
    assigned_to = django_filters.ModelChoiceFilter(queryset=specialists, label=_("Specialist"))
    lost_reason = django_filters.ChoiceFilter(choices=LostReason.choices, label=_("Reason lost"))
    due_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte", label=_("Expires from"),
                                         widget=forms.DateInput(attrs={"type": "date"}))
    due_until = django_filters.DateFilter(field_name="due_date", lookup_expr="lte", label=_("Expires until"),
                                          widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = RenewalCase
        fields = ["q", "store", "status", "segment", "assigned_to", "lost_reason", "due_from", "due_until"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(vehicle__plate__icontains=value.upper()) | Q(vehicle__vin__iexact=value.upper())
            | Q(customer__name__startswith=value)
        )
