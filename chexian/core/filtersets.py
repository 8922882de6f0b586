"""Filters of the audit log page: action, store (the user's only), user and dates."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from chexian.core.choices import AuditAction
from chexian.core.models import AuditLog
from chexian.org.models import Store


def audit_stores(request):
    if request is None:
        return Store.objects.none()
    from chexian.org.permissions import stores_for

    stores = stores_for(request.user, "audit.view")
    return Store.objects.all() if stores is None else Store.objects.filter(pk__in=stores)


DATE = {"type": "date"}


class AuditLogFilterSet(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AuditAction.choices, empty_label=_("Any"))
    store = django_filters.ModelChoiceFilter(label=_("Store"), queryset=audit_stores, empty_label=_("Any"))
    actor_name = django_filters.CharFilter(label=_("User name"), lookup_expr="exact")
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="timestamp", lookup_expr="date__gte", widget=forms.DateInput(attrs=DATE)
    )
    date_to = django_filters.DateFilter(
        label=_("Until"), field_name="timestamp", lookup_expr="date__lte", widget=forms.DateInput(attrs=DATE)
    )

    class Meta:
        model = AuditLog
        fields = ["action", "store", "actor_name", "date_from", "date_to"]
