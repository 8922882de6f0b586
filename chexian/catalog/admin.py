"""Master-data admin of the catalog: coverages and plan templates with their items.

The catalog is data with effective dates: end a coverage with ``effective_until``
and add its successor rather than rewriting one that policies already carry.
Template items are checked with the same rules as a quoted plan
(``services.plan_errors``): the template's clause family, add-ons with their
main coverage, limits among the offered tiers.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from chexian.catalog.choices import CoverageKind, LimitKind
from chexian.catalog.models import Coverage, PlanTemplate, PlanTemplateItem
from chexian.catalog.services import plan_errors


class CoverageAdminForm(forms.ModelForm):
    class Meta:
        model = Coverage
        fields = [
            "code", "name", "family", "kind", "limit_kind", "limit_choices", "requires",
            "effective_from", "effective_until", "sort_order", "description",
        ]

    def clean(self):
        data = super().clean()
        kind, limit_kind = data.get("kind"), data.get("limit_kind")
        requires, family = data.get("requires"), data.get("family")
        choices = data.get("limit_choices") or []
        if limit_kind in (LimitKind.TIER, LimitKind.PERCENT) and not choices:
            self.add_error("limit_choices", _("List the offered tiers or rates, e.g. [\"100000\", \"200000\"]."))
        if requires is not None:
            if kind == CoverageKind.MAIN:
                self.add_error("requires", _("A main coverage requires no other coverage."))
            elif requires.kind != CoverageKind.MAIN or requires.family != family:
                self.add_error("requires", _("An add-on requires a main coverage of the same clause family."))
        until, start = data.get("effective_until"), data.get("effective_from")
        if until and start and until < start:
            self.add_error("effective_until", _("The coverage ends before it takes effect."))
        return data


@admin.register(Coverage)
class CoverageAdmin(admin.ModelAdmin):
    form = CoverageAdminForm
    list_display = ("name", "code", "family", "kind", "limit_kind", "requires", "effective_from", "effective_until")
    list_filter = ("family", "kind", "limit_kind")
    search_fields = ("code", "name")
    ordering = ("family", "sort_order", "code")
    autocomplete_fields = ("requires",)


class PlanTemplateItemFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        items = [
            (form.cleaned_data["coverage"], form.cleaned_data.get("limit"))
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("coverage")
        ]
        family = self.instance.family
        errors, _cleaned = plan_errors(items, families=[family] if family else [], date=None)
        if errors:
            raise ValidationError(errors)


class PlanTemplateItemInline(admin.TabularInline):
    model = PlanTemplateItem
    formset = PlanTemplateItemFormSet
    autocomplete_fields = ("coverage",)
    extra = 0


@admin.register(PlanTemplate)
class PlanTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "family", "level", "profile", "sort_order")
    list_filter = ("family", "level", "profile")
    search_fields = ("code", "name", "note")
    inlines = [PlanTemplateItemInline]
