"""The form of a service order entered by hand. It offers only vehicles of the
stores where the user may record orders; ``services.save_service_order`` writes
and its ValidationError goes back onto the form."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chexian.aftersales.models import ServiceOrder
from chexian.customers.forms import DATE_WIDGET, ServiceErrorsMixin, _chosen_ids, limit_rendered_choices, stores_where
from chexian.customers.models import Vehicle
from chexian.policies.forms import VehicleChoiceField, VehiclePickerSelect


class ServiceVehiclePicker(VehiclePickerSelect):
    """The vehicle search box of the policy pages, searching the vehicles the user may record orders for."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["search_url"] = reverse("aftersales:vehicle_choices")
        return context


def recording_vehicles(user):
    """Vehicles the user may record a service order for: visible, in a store where they may add orders."""
    return Vehicle.objects.restrict(user, "view").filter(store__in=stores_where(user, "service.add"))


class ServiceOrderForm(ServiceErrorsMixin, forms.ModelForm):
    vehicle = VehicleChoiceField(queryset=Vehicle.objects.none(), widget=ServiceVehiclePicker, label=_("Vehicle"))

    class Meta:
        model = ServiceOrder
        fields = ["vehicle", "number", "kind", "opened_on", "closed_on", "amount", "labour_amount", "parts_amount",
                  "mileage", "advisor", "note"]
        widgets = {"opened_on": DATE_WIDGET, "closed_on": DATE_WIDGET, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        field = self.fields["vehicle"]
        field.queryset = recording_vehicles(user).select_related("owner", "store")
        limit_rendered_choices(field, field.queryset.filter(pk__in=_chosen_ids(self, "vehicle")))
        self.initial.setdefault("opened_on", timezone.localdate())

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["store"] = data["vehicle"].store
        return data
