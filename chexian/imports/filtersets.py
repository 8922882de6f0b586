"""Filters of the import list: kind, store (the user's importing stores only) and status."""

import django_filters
from django.utils.translation import gettext_lazy as _

from chexian.imports.choices import ImportKind, ImportStatus
from chexian.imports.models import ImportJob
from chexian.org.models import Store


def import_stores(request):
    if request is None:
        return Store.objects.none()
    from chexian.imports.services import import_stores as stores

    return stores(request.user)


class ImportJobFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ImportKind.choices, empty_label=_("Any"))
    store = django_filters.ModelChoiceFilter(label=_("Store"), queryset=import_stores, empty_label=_("Any"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ImportStatus.choices, empty_label=_("Any"))
    dry_run = django_filters.BooleanFilter(label=_("dry run"))

    class Meta:
        model = ImportJob
        fields = ["kind", "store", "status", "dry_run"]
