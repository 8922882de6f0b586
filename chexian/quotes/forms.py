"""Forms of the quote pages.

Forms offer only the user's stores' vehicles and the catalog's coverages for the
chosen vehicle; ``services`` checks the plan and the figures, and its
``ValidationError`` comes back on the form (``ServiceErrorsMixin``). Money fields
take any decimal here so the service's rule (two decimals, not negative) is the
one message the user reads, on the page and in the API alike.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chexian.catalog.choices import ClauseFamily, CoverageKind, LimitKind
from chexian.catalog.models import PlanTemplate
from chexian.catalog.services import commercial_family_for, coverages_for_vehicle
from chexian.customers.forms import DATE_WIDGET, ServiceErrorsMixin, limit_rendered_choices, stores_where
from chexian.customers.models import Vehicle
from chexian.insurers.models import Insurer
from chexian.quotes import services
from chexian.quotes.models import QuoteOffer
from chexian.quotes.selectors import limit_label


def quotable_vehicles(user):
    """Vehicles the user may quote: visible, in a store where they may add quotes."""
    return (
        Vehicle.objects.restrict(user, "view")
        .filter(store__in=stores_where(user, "quote.add"))
        .select_related("store", "owner")
    )


def vehicle_label(vehicle) -> str:
    """How a vehicle is named in pickers: plate (or VIN), brand and series, owner, store."""
    parts = [vehicle.plate or vehicle.vin, f"{vehicle.brand} {vehicle.series}".strip(), vehicle.owner.name,
             vehicle.store.code]
    return " · ".join(p for p in parts if p)


class VehiclePickerSelect(forms.Select):
    """A select with a search box above it that fetches matching vehicles as
    options (htmx, ``quotes:vehicle_choices``), like the customer picker."""

    template_name = "quotes/vehicle_picker_widget.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["search_url"] = reverse("quotes:vehicle_choices")
        return context


class VehicleChoiceField(forms.ModelChoiceField):
    widget = VehiclePickerSelect

    def label_from_instance(self, obj):
        return vehicle_label(obj)


class QuoteVehicleForm(forms.Form):
    """Step one of a new quote: which vehicle (submitted by GET as ``?vehicle=``)."""

    vehicle = VehicleChoiceField(queryset=Vehicle.objects.none(), label=_("Vehicle"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["vehicle"]
        field.queryset = quotable_vehicles(user)
        chosen = [v for v in [self.data.get("vehicle")] if str(v or "").isdigit()]
        limit_rendered_choices(field, field.queryset.filter(pk__in=chosen))


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def _limit_field(coverage):
    """The input for a coverage's limit: the offered tiers or rates as a select, an amount otherwise."""
    label = _("Limit of %(coverage)s") % {"coverage": coverage.name}
    if coverage.limit_kind in (LimitKind.TIER, LimitKind.PERCENT):
        choices = [("", "---------")] + [
            (str(choice), limit_label(coverage, _decimal(choice))) for choice in coverage.limit_choices
        ]
        return forms.ChoiceField(label=label, choices=choices, required=False)
    if coverage.limit_kind == LimitKind.NONE:
        return None
    return forms.DecimalField(label=label, required=False, min_value=0, widget=forms.NumberInput(attrs={"step": "any"}))


def _decimal(value) -> Decimal:
    return Decimal(str(value))


class QuoteForm(ServiceErrorsMixin, forms.Form):
    """Step two: the plan for the chosen vehicle — a recommendation template of the
    vehicle's clauses, or coverages ticked one by one with their limits."""

    start_date = forms.DateField(label=_("Proposed start date"), widget=DATE_WIDGET)
    valid_days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=services.MAX_VALID_DAYS,
        initial=services.DEFAULT_VALID_DAYS,
        help_text=_("Insurers' figures go stale; the quote is never valid beyond the start date."),
    )
    template = TemplateChoiceField(
        queryset=PlanTemplate.objects.none(),
        required=False,
        label=_("Recommendation template"),
        empty_label=_("Custom plan: tick the coverages below"),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, vehicle, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.vehicle = vehicle
        today = timezone.localdate()
        self.initial.setdefault("start_date", today + dt.timedelta(days=1))
        self.fields["template"].queryset = PlanTemplate.objects.filter(family=commercial_family_for(vehicle))
        # 交强险 is in every plan by law and quoted on its own figures; non-motor
        # products are policies of their own. The plan lists the commercial clauses.
        self.coverages = list(
            coverages_for_vehicle(vehicle, today).exclude(family__in=[ClauseFamily.CTPL, ClauseFamily.NON_MOTOR])
        )
        for coverage in self.coverages:
            self.fields[f"cov_{coverage.pk}"] = forms.BooleanField(label=coverage.name, required=False)
            limit = _limit_field(coverage)
            if limit is not None:
                self.fields[f"limit_{coverage.pk}"] = limit

    def coverage_groups(self):
        """[(kind label, [(coverage, tick field, limit field or None)])] for the plan table."""
        groups = []
        for kind in (CoverageKind.MAIN, CoverageKind.ADDON, CoverageKind.SERVICE):
            rows = [
                (c, self[f"cov_{c.pk}"], self[f"limit_{c.pk}"] if f"limit_{c.pk}" in self.fields else None)
                for c in self.coverages
                if c.kind == kind
            ]
            if rows:
                groups.append((kind.label, rows))
        return groups

    def visible_plain_fields(self):
        return [self[name] for name in ("start_date", "valid_days", "template", "note")]

    def items(self) -> list:
        return [
            (c, self.cleaned_data.get(f"limit_{c.pk}") or None)
            for c in self.coverages
            if self.cleaned_data.get(f"cov_{c.pk}")
        ]

    def clean(self):
        cleaned = super().clean()
        ticked = [c for c in self.coverages if cleaned.get(f"cov_{c.pk}")]
        if cleaned.get("template") and ticked:
            raise forms.ValidationError(
                _("Choose a template or tick the coverages yourself, not both."), code="plan_template_and_items"
            )
        if not cleaned.get("template") and not ticked:
            raise forms.ValidationError(_("Choose a template or tick at least one coverage."), code="plan_empty")
        return cleaned


class InsurerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.short_name


def _money_field(label_model_field: str, required: bool = False):
    label = QuoteOffer._meta.get_field(label_model_field).verbose_name
    return forms.DecimalField(
        label=label, required=required, widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"})
    )


class OfferForm(ServiceErrorsMixin, forms.Form):
    """What one insurer's system returned, typed from its screen: the totals, the
    coefficients and the premium per coverage of the plan."""

    insurer = InsurerChoiceField(queryset=Insurer.objects.none(), label=_("Insurer"))
    commercial_premium = _money_field("commercial_premium", required=True)
    commercial_premium_without_vat = _money_field("commercial_premium_without_vat", required=True)
    ctpl_premium = _money_field("ctpl_premium")
    ctpl_premium_without_vat = _money_field("ctpl_premium_without_vat")
    vehicle_tax = _money_field("vehicle_tax")
    ncd_coefficient = forms.DecimalField(
        label=_("NCD coefficient (无赔款优待系数)"), required=False, help_text=_("0.5 to 2.0, as returned.")
    )
    pricing_coefficient = forms.DecimalField(
        label=_("Pricing coefficient (自主定价系数)"), required=False, help_text=_("0.5 to 1.5 since 2023.")
    )
    ctpl_floating_rate = forms.DecimalField(
        label=_("CTPL floating rate (%)"), required=False, help_text=_("E.g. −10 for a claim-free year.")
    )
    ctpl_float_reason = forms.CharField(label=_("CTPL floating reason"), max_length=100, required=False)
    query_code = forms.CharField(label=_("Query code (投保查询码)"), max_length=60, required=False)

    FIGURES = (
        "commercial_premium", "commercial_premium_without_vat", "ctpl_premium", "ctpl_premium_without_vat",
        "vehicle_tax", "ncd_coefficient", "pricing_coefficient", "ctpl_floating_rate", "ctpl_float_reason",
        "query_code",
    )

    def __init__(self, *args, user, quote, offer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.quote = quote
        self.offer = offer
        self.plan = [item.coverage for item in quote.items.all()]
        if offer is not None:
            # Re-entering an insurer's figures keeps the insurer: another insurer is another column.
            del self.fields["insurer"]
            for name in self.FIGURES:
                self.initial.setdefault(name, getattr(offer, name))
            for line in offer.lines.all():
                self.initial.setdefault(f"line_{line.coverage_id}", line.premium)
        else:
            offered = quote.offers.values("insurer_id")
            self.fields["insurer"].queryset = Insurer.objects.restrict(user).filter(is_active=True).exclude(
                pk__in=offered
            )
        for coverage in self.plan:
            self.fields[f"line_{coverage.pk}"] = forms.DecimalField(
                label=coverage.name, required=False, widget=forms.NumberInput(attrs={"step": "0.01"})
            )

    def figure_fields(self):
        return [self[name] for name in ("insurer", *self.FIGURES) if name in self.fields]

    def line_fields(self):
        return [self[f"line_{c.pk}"] for c in self.plan]

    def figures(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.FIGURES}
        for name in services.MONEY_FIELDS:
            if data[name] is None:
                data[name] = Decimal("0")
        data["ctpl_float_reason"] = data["ctpl_float_reason"] or ""
        data["query_code"] = data["query_code"] or ""
        return data

    def lines(self) -> list:
        return [
            (c, self.cleaned_data[f"line_{c.pk}"])
            for c in self.plan
            if self.cleaned_data.get(f"line_{c.pk}") is not None
        ]
