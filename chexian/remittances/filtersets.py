"""Filters of the remittance list and the unmatched-lines list (and of the API lists).

Store choices are the user's stores only; the search box finds a remittance by
its number or bank reference, or by a report number on one of its lines."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from chexian.customers.filtersets import ANY, YesNoFilter, user_stores
from chexian.insurers.models import Insurer
from chexian.remittances.choices import Purpose
from chexian.remittances.models import Remittance, RemittanceLine

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def user_insurers(request):
    if request is None:
        return Insurer.objects.none()
    return Insurer.objects.restrict(request.user)


class RemittanceFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Remittance number, bank reference or "
                                                                          "report number")}),
    )
    store = django_filters.ModelChoiceFilter(queryset=user_stores, label=_("Store"), empty_label=ANY)
    insurer = django_filters.ModelChoiceFilter(queryset=user_insurers, label=_("Insurer"), empty_label=ANY)
    purpose = django_filters.ChoiceFilter(choices=Purpose.choices, label=_("Paid for"), empty_label=ANY)
    received_from = django_filters.DateFilter(field_name="received_on", lookup_expr="gte",
                                              label=_("Received from"), widget=DATE)
    received_to = django_filters.DateFilter(field_name="received_on", lookup_expr="lte",
                                            label=_("Received until"), widget=DATE)
    unmatched = YesNoFilter(method="filter_unmatched", label=_("Has unmatched money"))

    class Meta:
        model = Remittance
        fields = ["q", "store", "insurer", "purpose", "received_from", "received_to", "unmatched"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        lines = RemittanceLine.objects.filter(remittance=OuterRef("pk"), report_no=value.upper())
        return queryset.filter(Q(number=value.upper()) | Q(reference=value) | Exists(lines))

    def filter_unmatched(self, queryset, name, value):
        if value is None:
            return queryset
        lines = RemittanceLine.objects.unmatched().filter(remittance=OuterRef("pk"))
        return queryset.filter(Exists(lines)) if value else queryset.exclude(Exists(lines))


class UnmatchedLineFilterSet(django_filters.FilterSet):
    """The unmatched-lines page: which store, insurer, purpose; a report number."""

    q = django_filters.CharFilter(
        method="search", label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Report number, policy number or plate")}),
    )
    store = django_filters.ModelChoiceFilter(field_name="remittance__store", queryset=user_stores, label=_("Store"),
                                             empty_label=ANY)
    insurer = django_filters.ModelChoiceFilter(field_name="remittance__insurer", queryset=user_insurers,
                                               label=_("Insurer"), empty_label=ANY)
    purpose = django_filters.ChoiceFilter(field_name="remittance__purpose", choices=Purpose.choices,
                                          label=_("Paid for"), empty_label=ANY)

    class Meta:
        model = RemittanceLine
        fields = ["q", "store", "insurer", "purpose"]

    def search(self, queryset, name, value):
        value = value.strip().upper()
        if not value:
            return queryset
        return queryset.filter(Q(report_no=value) | Q(policy_number=value) | Q(plate=value))


class RemittanceLineFilterSet(UnmatchedLineFilterSet):
    """The API's list of lines: also by remittance, and ``?unmatched=1``."""

    remittance = django_filters.NumberFilter(field_name="remittance_id", label=_("Remittance"))
    unmatched = YesNoFilter(method="filter_unmatched", label=_("Unmatched money"))

    class Meta:
        model = RemittanceLine
        fields = ["q", "store", "insurer", "purpose", "remittance", "unmatched"]

    def filter_unmatched(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.unmatched() if value else queryset.exclude(pk__in=queryset.unmatched().values("pk"))
