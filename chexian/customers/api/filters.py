"""Filters of the API lists: the pages' FilterSets (``customers.filtersets``, one
per model) plus what only the API needs.

Choice filters offer only rows of the user's stores; ``q`` is the staff search
of SPEC §3.1 (plate, VIN tail, name, mobile tail) through ``customers.selectors``.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from chexian.customers import filtersets
from chexian.customers.models import Customer, Vehicle, VehicleOwnership


def _customers(request):
    return Customer.objects.restrict(request.user, "view") if request is not None else Customer.objects.none()


def _vehicles(request):
    return Vehicle.objects.restrict(request.user, "view") if request is not None else Vehicle.objects.none()


class CustomerFilterSet(filtersets.CustomerFilterSet):
    mine = django_filters.BooleanFilter(method="owned_by_me", label=_("My customers (I am the owner staff)"))
    include_merged = django_filters.BooleanFilter(
        method="keep", label=_("Include customers merged into another (left out by default)")
    )

    class Meta(filtersets.CustomerFilterSet.Meta):
        fields = [*filtersets.CustomerFilterSet.Meta.fields, "mine", "include_merged"]

    def filter_queryset(self, queryset):
        # A merged customer is a tombstone: lists leave it out unless asked.
        if not self.form.cleaned_data.get("include_merged"):
            queryset = queryset.active()
        return super().filter_queryset(queryset)

    def keep(self, queryset, name, value):
        return queryset

    def owned_by_me(self, queryset, name, value):
        mine = {"owner_staff": self.request.user}
        return queryset.filter(**mine) if value else queryset.exclude(**mine)


class VehicleFilterSet(filtersets.VehicleFilterSet):
    owner = django_filters.ModelChoiceFilter(queryset=_customers, label=_("owner"))
    sold_here = django_filters.BooleanFilter(label=_("sold by this store"))

    class Meta(filtersets.VehicleFilterSet.Meta):
        fields = [*filtersets.VehicleFilterSet.Meta.fields, "owner", "sold_here"]


class VehicleOwnershipFilterSet(django_filters.FilterSet):
    vehicle = django_filters.ModelChoiceFilter(queryset=_vehicles, label=_("vehicle"))
    customer = django_filters.ModelChoiceFilter(queryset=_customers, label=_("customer"))

    class Meta:
        model = VehicleOwnership
        fields = ["vehicle", "customer"]
