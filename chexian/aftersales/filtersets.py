"""Filters of the service order list (and of the API list).

Store choices are the user's stores where they may see service orders. The
search box ``q`` finds an order by its number, or by its vehicle through the
indexed staff search of ``customers.selectors`` (plate, VIN last 6, owner name or
mobile last 4).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chexian.aftersales.choices import ServiceKind
from chexian.aftersales.models import ServiceOrder
from chexian.customers import selectors
from chexian.customers.filtersets import ANY
from chexian.customers.forms import stores_where
from chexian.org.models import Store

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def service_stores(request):
    if request is None:
        return Store.objects.none()
    return stores_where(request.user, "service.view")


class ServiceOrderFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Order number, plate or VIN last 6")}),
    )
    kind = django_filters.ChoiceFilter(choices=ServiceKind.choices, label=_("Kind"), empty_label=ANY)
    store = django_filters.ModelChoiceFilter(queryset=service_stores, label=_("Store"), empty_label=ANY)
    opened_from = django_filters.DateFilter(field_name="opened_on", lookup_expr="gte", label=_("Opened from"),
                                            widget=DATE)
    opened_to = django_filters.DateFilter(field_name="opened_on", lookup_expr="lte", label=_("Opened until"),
                                          widget=DATE)

    class Meta:
        model = ServiceOrder
        fields = ["q", "kind", "store", "opened_from", "opened_to"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        vehicles = selectors.search_vehicles(self.request.user, value).values("pk")
        # The number is matched whole, as the DMS prints it (stored upper case).
        return queryset.filter(Q(number="".join(value.split()).upper()) | Q(vehicle__in=vehicles))
