"""Filters of the quote list (page and API). Choice lists name only the user's
stores; the search box finds quotes by their vehicle, through the indexed
vehicle searches of ``customers.selectors``."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from chexian.customers import selectors
from chexian.customers.filtersets import ANY, user_stores
from chexian.insurers.models import Insurer
from chexian.quotes.choices import QuoteStatus
from chexian.quotes.models import Quote

DATE = {"type": "date"}


def insurers(request):
    return Insurer.objects.restrict(request.user) if request is not None else Insurer.objects.none()


class QuoteFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Plate, VIN last 6, owner name or mobile last 4")}
        ),
    )
    status = django_filters.ChoiceFilter(choices=QuoteStatus.choices, label=_("Status"), empty_label=ANY)
    insurer = django_filters.ModelChoiceFilter(
        queryset=insurers, field_name="offers__insurer", label=_("Insurer asked"), empty_label=ANY, distinct=True
    )
    start_from = django_filters.DateFilter(
        field_name="start_date", lookup_expr="gte", label=_("Start from"), widget=forms.DateInput(attrs=DATE)
    )
    start_to = django_filters.DateFilter(
        field_name="start_date", lookup_expr="lte", label=_("Start until"), widget=forms.DateInput(attrs=DATE)
    )
    store = django_filters.ModelChoiceFilter(queryset=user_stores, label=_("Store"), empty_label=ANY)

    class Meta:
        model = Quote
        fields = ["q", "status", "insurer", "start_from", "start_to", "store"]

    def search(self, queryset, name, value):
        return queryset.filter(vehicle__in=selectors.search_vehicles(self.request.user, value).values("pk"))
