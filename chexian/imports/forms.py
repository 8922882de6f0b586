"""Forms of the import pages: upload a file, define a column mapping. The
services write; a service's ValidationError goes back on the form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from chexian.customers.forms import ServiceErrorsMixin
from chexian.imports import registry, services
from chexian.imports.choices import ImportKind
from chexian.imports.policy_import import COLUMNS, IGNORE, validate_mapping
from chexian.imports.readers import ACCEPTED_SUFFIXES, check_suffix
from chexian.insurers.models import Insurer


class MappingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        scope = obj.store.code if obj.store_id else _("whole group")
        return f"{obj.name} ({scope})"


class ImportJobForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=(), required=False)
    store = forms.ModelChoiceField(label=_("Store"), queryset=None)
    file = forms.FileField(
        label=_("File"),
        help_text=_("An Excel workbook (.xlsx) or CSV from the insurer's system or the template."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
    )
    mapping = MappingChoiceField(
        label=_("Column mapping"), queryset=None, required=False, empty_label=_("Detect the headers"),
        help_text=_("For an insurer export of policies whose headers differ from the template. Left empty, the "
                    "template's headers are recognised, or else a saved mapping whose headers the file has."),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run"), required=False, help_text=_("Check every row and report, but save nothing.")
    )
    all_or_nothing = forms.BooleanField(
        label=_("All or nothing"), required=False, initial=True,
        help_text=_("One bad row and nothing is saved. Off: the good rows are saved and the bad ones listed."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        kinds = [spec.kind for spec in registry.kinds_for(user)]
        self.fields["kind"].choices = [(kind, ImportKind(kind).label) for kind in kinds]
        # Policies unless the user imports something else only (the after-sales manager: service orders).
        self.default_kind = ImportKind.POLICIES if ImportKind.POLICIES in kinds or not kinds else kinds[0]
        self.fields["kind"].initial = self.initial.get("kind") if self.initial.get("kind") in kinds else \
            self.default_kind
        stores = services.import_stores(user)
        self.fields["store"].queryset = stores
        if stores.count() == 1:
            self.fields["store"].initial = stores.first()
        from chexian.imports.models import ImportMapping

        self.fields["mapping"].queryset = (
            ImportMapping.objects.restrict(user).select_related("store").order_by("name")
        )

    def clean_kind(self):
        return self.cleaned_data.get("kind") or self.default_kind

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_suffix(upload.name)
        return upload

    def clean(self):
        cleaned = super().clean()
        kind, store, mapping = cleaned.get("kind"), cleaned.get("store"), cleaned.get("mapping")
        if kind and store and not services.import_stores(self.user, kind).filter(pk=store.pk).exists():
            self.add_error("store", str(registry.spec(kind).refused))
        if kind and mapping and not registry.spec(kind).mappings:
            self.add_error("mapping", _("Column mappings are for insurers' policy exports; this file is read by "
                                        "the template's headers."))
        elif store and mapping and not services.mappings_for(self.user, store).filter(pk=mapping.pk).exists():
            self.add_error("mapping", _("This column mapping belongs to another store."))
        return cleaned


class ImportMappingForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Mapping name"), max_length=100, help_text=_("E.g. 人保 core system export."))
    store = forms.ModelChoiceField(
        label=_("Store"), queryset=None, required=False, empty_label=_("All stores of the group (shared)")
    )
    insurer = forms.ModelChoiceField(
        label=_("Insurer"), queryset=Insurer.objects.filter(is_active=True), required=False,
        help_text=_("The insurer whose export this is; used for rows without an insurer column."),
    )
    mapping = forms.CharField(
        label=_("Columns"),
        widget=forms.Textarea(attrs={"rows": 12, "placeholder": "车辆识别代号 = vin\n保险止期 = end_date\n备注 ="}),
        help_text=_("One line per file header: “header = field”. An empty field ignores the column. Fields: "
                    "%(fields)s.") % {"fields": ", ".join(column.field for column in COLUMNS)},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = services.import_stores(user)

    def clean_mapping(self):
        mapping = {}
        for number, line in enumerate(self.cleaned_data["mapping"].splitlines(), start=1):
            if not line.strip():
                continue
            header, separator, target = line.replace("→", "=").partition("=")
            if not separator:
                raise forms.ValidationError(
                    _("Line %(line)s: write “file header = field”.") % {"line": number}, code="mapping"
                )
            if header.strip() in mapping:
                raise forms.ValidationError(
                    _("The header %(header)s is listed twice.") % {"header": header.strip()}, code="mapping"
                )
            mapping[header.strip()] = target.strip() or IGNORE
        if not mapping:
            raise forms.ValidationError(_("List at least one column."), code="mapping")
        return validate_mapping(mapping)
