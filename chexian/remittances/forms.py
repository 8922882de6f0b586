"""Forms of the remittance pages. They validate and offer only the user's stores;
``services`` writes, and a service's ValidationError goes back on the form."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from chexian.customers.forms import DATE_WIDGET, ServiceErrorsMixin, stores_where
from chexian.imports.readers import ACCEPTED_SUFFIXES, check_suffix
from chexian.insurers.models import Insurer
from chexian.remittances.choices import Purpose
from chexian.remittances.models import Remittance, RemittanceLine

# Lines offered by the hand-entry form; "more lines" reloads it with more.
DEFAULT_LINES = 5
MAX_LINES = 200


class StoreInsurerMixin:
    """Store (one where the user may record remittances) and an active insurer."""

    def setup_store_insurer(self, user):
        stores = stores_where(user, "remittance.add")
        self.fields["store"].queryset = stores
        if stores.count() == 1:
            self.fields["store"].initial = stores.first()
        self.fields["insurer"].queryset = Insurer.objects.restrict(user).filter(is_active=True)


class RemittanceForm(StoreInsurerMixin, ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = Remittance
        fields = ["store", "insurer", "purpose", "received_on", "reference", "total_amount", "note"]
        widgets = {"received_on": DATE_WIDGET}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_store_insurer(user)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("store"), data.pop("insurer")
        return data


class RemittanceLineForm(forms.ModelForm):
    class Meta:
        model = RemittanceLine
        fields = ["report_no", "amount", "policy_number", "plate", "payee", "paid_on", "note"]
        widgets = {"paid_on": DATE_WIDGET}


def line_formset(data=None, *, lines: int = DEFAULT_LINES):
    formset_class = forms.formset_factory(RemittanceLineForm, extra=max(1, min(lines, MAX_LINES)) - 1, min_num=1,
                                          validate_min=True, max_num=MAX_LINES, validate_max=True)
    return formset_class(data, prefix="lines")


class RemittanceImportForm(StoreInsurerMixin, ServiceErrorsMixin, forms.Form):
    store = forms.ModelChoiceField(label=_("Store"), queryset=None)
    insurer = forms.ModelChoiceField(label=_("Insurer"), queryset=None)
    purpose = forms.ChoiceField(label=_("Paid for"), choices=Purpose.choices, initial=Purpose.CLAIMS)
    file = forms.FileField(
        label=_("File"),
        help_text=_("The insurer's remittance list as .xlsx, .xls or .csv (GBK or UTF-8), with a header row such "
                    "as 报案号, 赔款金额, 支付日期."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
    )
    received_on = forms.DateField(label=_("Received on"), required=False, widget=DATE_WIDGET,
                                  help_text=_("Empty: the latest payment date in the file."))
    reference = forms.CharField(label=_("Bank reference (回款流水号)"), max_length=60, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    auto_match = forms.BooleanField(label=_("Match automatically"), required=False, initial=True,
                                    help_text=_("Lines whose report number and amount agree with a case are "
                                                "matched at once."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_store_insurer(user)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_suffix(upload.name)
        return upload


class MatchForm(ServiceErrorsMixin, forms.Form):
    case = forms.CharField(label=_("Claim case"), max_length=40,
                           help_text=_("Its report number (报案号) or case number."))
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
                                required=False,
                                help_text=_("Empty: as much as the line has left and the case still owes."))


class StatementMatchForm(ServiceErrorsMixin, forms.Form):
    statement = forms.CharField(label=_("Commission statement"), max_length=40,
                                help_text=_("Its statement number or the invoice number."))
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
                                required=False,
                                help_text=_("Empty: as much as the line has left and the statement still owes."))


class UnmatchForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("Why undo this match?"), max_length=300)
