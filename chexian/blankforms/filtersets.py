import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from chexian.blankforms.choices import FormKind, FormStatus
from chexian.blankforms.models import BlankForm


class BlankFormFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Serial"), widget=forms.TextInput(attrs={"type": "search"}))
    kind = django_filters.ChoiceFilter(choices=FormKind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=FormStatus.choices, label=_("Status"))
    holder = django_filters.ModelChoiceFilter(queryset=get_user_model().objects.none(), label=_("Holder"))

    class Meta:
        model = BlankForm
        fields = ["q", "kind", "status", "holder"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the people holding or having held one of the forms in reach: never another store's staff.
        holders = self.queryset.exclude(holder=None).values("holder")
        self.filters["holder"].queryset = get_user_model().objects.filter(pk__in=holders).order_by("username")

    def search(self, queryset, name, value):
        value = value.strip().upper()
        return queryset.filter(serial__contains=value) if value else queryset
