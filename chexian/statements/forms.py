import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chexian.statements import services
from chexian.statements.models import add_months


def last_month() -> str:
    return f"{add_months(timezone.localdate(), -1):%Y-%m}"


class BuildForm(forms.Form):
    month = forms.CharField(label=_("Month"), max_length=10, help_text=_("YYYY-MM; a month that is over."),
                            widget=forms.TextInput(attrs={"type": "month"}))

    def clean_month(self) -> dt.date:
        try:
            return services.parse_month(self.cleaned_data["month"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None


class ConfirmationUploadForm(forms.Form):
    file = forms.FileField(label=_("The insurer's list"),
                           help_text=_("Their monthly list as .xlsx, .xls or .csv (GBK or UTF-8) with the columns "
                                       "保单号, 保费, 手续费率 and 手续费; negative amounts for refunds."))


class InvoiceForm(forms.Form):
    invoice_no = forms.CharField(label=_("Invoice number"), max_length=40)
    invoiced_on = forms.DateField(label=_("Invoiced on"), widget=forms.DateInput(attrs={"type": "date"}))


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
