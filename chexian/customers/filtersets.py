"""Filters of the customer and vehicle lists (and of their CSV exports).

Choice lists that name stores or staff are built from the request's user, so a
filter never reveals another store's names. The search box ``q`` goes through
the indexed searches in ``selectors``.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from chexian.customers import selectors
from chexian.customers.choices import CustomerKind, CustomerSource, EnergyType, VehicleUsage
from chexian.customers.forms import StaffChoiceField, staff_of
from chexian.customers.models import Customer, Vehicle
from chexian.org.models import Store

ANY = _("Any")
YES_NO = [("", ANY), ("true", _("Yes")), ("false", _("No"))]


def user_stores(request):
    if request is None:
        return Store.objects.none()
    return Store.objects.restrict(request.user, "view")


def user_stores_staff(request):
    return staff_of(user_stores(request))


class YesNoFilter(django_filters.BooleanFilter):
    """A yes / no / any select (the default widget's "Unknown" reads oddly in a filter bar)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.Select(choices=YES_NO))
        super().__init__(*args, **kwargs)


class StaffFilter(django_filters.ModelChoiceFilter):
    field_class = StaffChoiceField


class CustomerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, mobile last 4, plate or VIN last 6")}
        ),
    )
    kind = django_filters.ChoiceFilter(choices=CustomerKind.choices, label=_("Kind"), empty_label=ANY)
    source = django_filters.ChoiceFilter(choices=CustomerSource.choices, label=_("Source"), empty_label=ANY)
    consent = YesNoFilter(field_name="consent_outreach", label=_("Consent to contact"))
    owner_staff = StaffFilter(queryset=user_stores_staff, label=_("Owner staff"), empty_label=ANY)
    store = django_filters.ModelChoiceFilter(queryset=user_stores, label=_("Store"), empty_label=ANY)

    class Meta:
        model = Customer
        fields = ["q", "kind", "source", "consent", "owner_staff", "store"]

    def search(self, queryset, name, value):
        return queryset.filter(pk__in=selectors.search_customers(self.request.user, value).values("pk"))


class VehicleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Plate, VIN last 6, owner name or mobile last 4")}
        ),
    )
    brand = django_filters.CharFilter(lookup_expr="startswith", label=_("Brand"))
    own_brand = YesNoFilter(field_name="is_own_brand", label=_("Own brand"))
    new_energy = YesNoFilter(field_name="is_new_energy", label=_("New energy"))
    energy_type = django_filters.ChoiceFilter(choices=EnergyType.choices, label=_("Energy type"), empty_label=ANY)
    usage = django_filters.ChoiceFilter(choices=VehicleUsage.choices, label=_("Usage"), empty_label=ANY)
    store = django_filters.ModelChoiceFilter(queryset=user_stores, label=_("Store"), empty_label=ANY)

    class Meta:
        model = Vehicle
        fields = ["q", "brand", "own_brand", "new_energy", "energy_type", "usage", "store"]

    def search(self, queryset, name, value):
        return queryset.filter(pk__in=selectors.search_vehicles(self.request.user, value).values("pk"))
