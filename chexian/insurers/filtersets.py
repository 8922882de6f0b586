"""Filters of the insurer, contract and licence lists (pages and API).

Store choices list only the stores where the user sees contracts, so a filter
never reveals another store's name, and naming another store's id is refused.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chexian.customers.filtersets import ANY, YesNoFilter
from chexian.customers.forms import stores_where
from chexian.insurers.choices import ContractStatus
from chexian.insurers.models import AgencyContract, AgencyLicence, Insurer
from chexian.org.models import Store


def contract_stores(request):
    """The stores whose contracts the user sees."""
    if request is None:
        return Store.objects.none()
    return stores_where(request.user, "contract.view")


def insurers(request):
    if request is None:
        return Insurer.objects.none()
    return Insurer.objects.restrict(request.user)


class InsurerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Code or name")}),
    )
    is_active = YesNoFilter(label=_("Active"))
    # Not a filter on the insurers: which of the user's stores the list shows contracts for.
    store = django_filters.ModelChoiceFilter(
        queryset=contract_stores, method="keep", label=_("Contracts of store"), empty_label=_("All my stores")
    )

    class Meta:
        model = Insurer
        fields = ["q", "is_active", "store"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value) | Q(short_name__icontains=value))

    def keep(self, queryset, name, value):
        return queryset


class AgencyContractFilterSet(django_filters.FilterSet):
    store = django_filters.ModelChoiceFilter(queryset=contract_stores, label=_("Store"), empty_label=ANY)
    insurer = django_filters.ModelChoiceFilter(queryset=insurers, label=_("Insurer"), empty_label=ANY)
    status = django_filters.ChoiceFilter(choices=ContractStatus.choices, label=_("Status"), empty_label=ANY)

    class Meta:
        model = AgencyContract
        fields = ["store", "insurer", "status"]


class AgencyLicenceFilterSet(django_filters.FilterSet):
    store = django_filters.ModelChoiceFilter(queryset=contract_stores, label=_("Store"), empty_label=ANY)

    class Meta:
        model = AgencyLicence
        fields = ["store"]
