"""Filters of the claim case list and board (pages and API); choices list only what the user may see."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chexian.claims.choices import ClaimType, Step, Tier
from chexian.claims.models import ClaimCase
from chexian.claims.selectors import overdue_q
from chexian.customers.forms import stores_where
from chexian.insurers.models import Insurer
from chexian.org.models import Store


def claim_stores(request):
    return stores_where(request.user, "claim.view") if request is not None else Store.objects.none()


def adjusters(request):
    if request is None:
        return get_user_model().objects.none()
    return (get_user_model().objects.filter(claims__store__in=claim_stores(request)).distinct()
            .order_by("username"))


class ClaimCaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Plate, report or case number")}),
    )
    store = django_filters.ModelChoiceFilter(queryset=claim_stores, label=_("Store"))
    step = django_filters.ChoiceFilter(choices=Step.choices, label=_("Step"))
    insurer = django_filters.ModelChoiceFilter(queryset=Insurer.objects.all(), label=_("Insurer"))
    adjuster = django_filters.ModelChoiceFilter(queryset=adjusters, label=_("Adjuster"))
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("Filing tier"))
    claim_type = django_filters.ChoiceFilter(choices=ClaimType.choices, label=_("Claim type"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue only"),
                                           widget=forms.CheckboxInput)
    insured_here = django_filters.BooleanFilter(label=_("Insured here"), widget=forms.Select(
        choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))]))

    class Meta:
        model = ClaimCase
        fields = ["q", "store", "step", "insurer", "adjuster", "tier", "claim_type", "overdue", "insured_here"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(vehicle__plate__icontains=value.upper()) | Q(report_no__iexact=value)
                               | Q(number__iexact=value) | Q(vehicle__vin_tail=value.upper()[-6:]))

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q(timezone.localdate())) if value else queryset
