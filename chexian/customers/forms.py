"""Forms of the customer and vehicle pages.

Forms validate and offer only the user's stores' rows; the services in
``services.py`` write. A ``ValidationError`` raised by a service is put back on
the form with ``add_service_error`` so the page shows it next to the field.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chexian.core.validators import validate_resident_id
from chexian.customers.access import shown_mobile
from chexian.customers.models import Customer, Vehicle
from chexian.org.models import Store
from chexian.org.permissions import stores_for

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# ---------------------------------------------------------------- choice helpers
def stores_where(user, action: str):
    """The stores in which ``user`` may take ``action`` by role, as a Store queryset."""
    stores = Store.objects.restrict(user, "view")
    ids = stores_for(user, action)
    return stores if ids is None else stores.filter(pk__in=ids)


def staff_of(stores):
    """Active users holding a role in one of ``stores``: the possible owner staff."""
    return (
        get_user_model()
        .objects.filter(is_active=True, staff_roles__store__in=stores)
        .distinct()
        .order_by("username")
    )


def staff_label(user) -> str:
    return user.get_full_name() or user.get_username()


def customer_label(user, customer) -> str:
    """How a customer is named in pickers: name, mobile as the user may see it, store."""
    parts = [customer.name, shown_mobile(user, customer), customer.store.code]
    return " · ".join(p for p in parts if p)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return staff_label(obj)


class CustomerPickerSelect(forms.Select):
    """A select with a search box above it that fetches matching customers as
    options (htmx, ``customers:customer_choices``)."""

    template_name = "customers/customer_picker_widget.html"
    search_params: dict = {}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        query = urlencode({k: v for k, v in self.search_params.items() if v})
        context["widget"]["search_url"] = reverse("customers:customer_choices") + (f"?{query}" if query else "")
        return context


class CustomerChoiceField(forms.ModelChoiceField):
    """Validates against every customer the user may pick, but renders only the
    chosen one: a store has tens of thousands, the search box finds the rest."""

    widget = CustomerPickerSelect
    user = None

    def label_from_instance(self, obj):
        return customer_label(self.user, obj)


class CustomerMultipleChoiceField(forms.ModelMultipleChoiceField):
    user = None

    def label_from_instance(self, obj):
        label = customer_label(self.user, obj)
        return f"{label} · {obj.id_number_masked}" if obj.id_number_masked else label


def limit_rendered_choices(field, objects) -> None:
    """Render only ``objects`` as options of a (multiple) model choice field,
    which keeps validating against its whole queryset."""
    choices = [] if getattr(field, "empty_label", None) is None else [("", field.empty_label)]
    seen = set()
    for obj in objects:
        if obj.pk not in seen:
            seen.add(obj.pk)
            choices.append((obj.pk, field.label_from_instance(obj)))
    field.widget.choices = choices


def _chosen_ids(form, name) -> list[int]:
    """The ids a bound or initial form holds for ``name`` (junk ignored)."""
    if form.is_bound:
        values = form.data.getlist(form.add_prefix(name)) if hasattr(form.data, "getlist") else []
    else:
        value = form.initial.get(name)
        values = value if isinstance(value, list | tuple) else [value]
    return [int(v) for v in (getattr(v, "pk", v) for v in values) if str(v or "").isdigit()]


def loosen_max_length(field, max_length: int, **attrs) -> None:
    """Accept input longer than the stored value (spaces, separators, +86) and let
    the model normalise it and apply the real length and check rules."""
    field.max_length = max_length
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.validators.append(MaxLengthValidator(max_length))
    field.widget.attrs.update({"maxlength": str(max_length), **attrs})


class ServiceErrorsMixin:
    """Maps a ``ValidationError`` from a service onto the form: dict entries to the
    field of the same name, everything else (or an unknown name) to the form."""

    def add_service_error(self, exc: ValidationError) -> None:
        from chexian.core.views import apply_service_error

        apply_service_error(self, exc)


# ---------------------------------------------------------------- customers
class CustomerForm(ServiceErrorsMixin, forms.ModelForm):
    # Not a model field: the number is stored encrypted, hashed and masked by the service.
    id_number = forms.CharField(
        label=_("Identity number"),
        required=False,
        max_length=20,
        help_text=_("Resident ID (18 characters) of a person customer."),
    )

    class Meta:
        model = Customer
        fields = [
            "store", "kind", "name", "mobile", "mobile2", "id_number", "uscc", "address", "area", "source",
            "portrait_tags", "visit_habits", "preferred_contact_time", "consent_outreach", "owner_staff", "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"owner_staff": StaffChoiceField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            # Moving a customer to another store is not an edit: its vehicles and history stay.
            del self.fields["store"]
            self.fields["owner_staff"].queryset = staff_of(Store.objects.filter(pk=self.instance.store_id))
            if self.instance.id_number_masked:
                self.fields["id_number"].help_text = _("Leave blank to keep %(masked)s.") % {
                    "masked": self.instance.id_number_masked
                }
        else:
            stores = stores_where(user, "customer.add")
            self.fields["store"].queryset = stores
            self.fields["owner_staff"].queryset = staff_of(stores)
            if not self.is_bound:
                only = list(stores[:2])
                if len(only) == 1:
                    self.initial.setdefault("store", only[0].pk)
                self.initial.setdefault("owner_staff", user.pk)
        # "+86 138-1234-5678" is longer than the stored 11 digits; the model normalises it.
        loosen_max_length(self.fields["mobile"], 20, inputmode="tel", autocomplete="off")
        loosen_max_length(self.fields["mobile2"], 20, inputmode="tel", autocomplete="off")
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off"})

    def clean_id_number(self):
        value = (self.cleaned_data.get("id_number") or "").strip()
        return validate_resident_id(value) if value else ""

    def service_data(self) -> dict:
        """What ``services.save_customer`` gets: on an edit a blank identity number
        means "unchanged"."""
        data = dict(self.cleaned_data)
        if self.instance.pk and not data.get("id_number"):
            data.pop("id_number", None)
        return data


class CustomerMergeForm(ServiceErrorsMixin, forms.Form):
    duplicates = CustomerMultipleChoiceField(
        queryset=Customer.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Duplicates to merge into this customer"),
        help_text=_("Their vehicles and history move to this customer; they are kept as merged records."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, user, target, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["duplicates"]
        field.user = user
        field.queryset = (
            Customer.objects.restrict(user, "view")
            .active()
            .filter(store_id=target.store_id)
            .exclude(pk=target.pk)
            .select_related("store")
        )
        chosen = list(field.queryset.filter(pk__in=_chosen_ids(self, "duplicates")))
        limit_rendered_choices(field, [*chosen, *candidates])


# ---------------------------------------------------------------- vehicles
class VehicleForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = Vehicle
        fields = [
            "owner", "plate", "vin", "engine_no", "brand", "series", "model_name", "is_own_brand", "energy_type",
            "usage", "seats", "first_registration_date", "purchase_date", "sold_here", "new_car_price",
            "mileage", "last_visit_date",
        ]
        field_classes = {"owner": CustomerChoiceField}
        widgets = {
            "first_registration_date": DATE_WIDGET,
            "purchase_date": DATE_WIDGET,
            "last_visit_date": DATE_WIDGET,
        }
        help_texts = {
            "plate": _("Leave empty for a new car without a plate yet."),
            "vin": _("17 characters; position 9 is the check digit."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            # A change of owner is a transfer (过户), with its own page and history.
            del self.fields["owner"]
        else:
            field = self.fields["owner"]
            field.user = user
            field.queryset = (
                Customer.objects.restrict(user, "view")
                .active()
                .filter(store__in=stores_where(user, "vehicle.add"))
                .select_related("store")
            )
            field.widget.search_params = {"action": "vehicle.add"}
            limit_rendered_choices(field, field.queryset.filter(pk__in=_chosen_ids(self, "owner")))
        # Typed with spaces or "粤A·D12345" with its dot: the model normalises before checking.
        loosen_max_length(self.fields["vin"], 24, autocomplete="off", autocapitalize="characters")
        loosen_max_length(self.fields["plate"], 12, autocomplete="off", autocapitalize="characters")

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if not self.instance.pk:
            data["store"] = data["owner"].store
        return data


class VehicleTransferForm(ServiceErrorsMixin, forms.Form):
    new_owner = CustomerChoiceField(queryset=Customer.objects.none(), label=_("New owner"))
    date = forms.DateField(label=_("Transfer date"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, user, vehicle, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("date", timezone.localdate())
        field = self.fields["new_owner"]
        field.user = user
        field.queryset = (
            Customer.objects.restrict(user, "view")
            .active()
            .filter(store_id=vehicle.store_id)
            .exclude(pk=vehicle.owner_id)
            .select_related("store")
        )
        field.widget.search_params = {"store": vehicle.store_id, "exclude": vehicle.owner_id}
        limit_rendered_choices(field, field.queryset.filter(pk__in=_chosen_ids(self, "new_owner")))
