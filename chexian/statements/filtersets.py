import django_filters
from django.utils.translation import gettext_lazy as _

from chexian.insurers.models import Insurer
from chexian.org.models import Store
from chexian.statements.choices import State
from chexian.statements.models import Statement


class StatementFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=State.choices, label=_("State"))
    insurer = django_filters.ModelChoiceFilter(queryset=Insurer.objects.filter(is_active=True), label=_("Insurer"))
    store = django_filters.ModelChoiceFilter(queryset=Store.objects.none(), label=_("Store"))
    month = django_filters.CharFilter(method="by_month", label=_("Month"), help_text="YYYY-MM")

    class Meta:
        model = Statement
        fields = ["state", "insurer", "store", "month"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the stores in reach: never another group's store names.
        self.filters["store"].queryset = Store.objects.filter(pk__in=self.queryset.values("store")).order_by("code")

    def by_month(self, queryset, name, value):
        from django.core.exceptions import ValidationError

        from chexian.statements.services import parse_month

        try:
            return queryset.filter(month=parse_month(value))
        except ValidationError:
            return queryset.none()
