from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chexian.incentives.choices import GiftDepartment, IncentiveKind, IncentiveStatus, RebateMethod
from chexian.incentives.models import GiftItem, IncentiveLine

DATE = forms.DateInput(attrs={"type": "date"})


class IncentiveForm(forms.Form):
    """A gift package or rebate on a policy; the package's items come in ``GiftLineFormSet``."""

    kind = forms.ChoiceField(choices=IncentiveKind.choices, label=_("Kind"), widget=forms.RadioSelect,
                             initial=IncentiveKind.GIFT_PACKAGE)
    granted_on = forms.DateField(label=_("Granted on"), initial=timezone.localdate, widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False,
                             help_text=_("Why it was given: who asked, what was promised."))
    rebate_amount = forms.DecimalField(label=_("Rebate amount"), max_digits=12, decimal_places=2, min_value=0,
                                       required=False, help_text=_("Rebates only: the cash handed back, in yuan."))
    rebate_method = forms.ChoiceField(label=_("Paid by"), choices=[("", "—"), *RebateMethod.choices],
                                      required=False, help_text=_("Rebates only."))


class GiftLineForm(forms.Form):
    item = forms.ModelChoiceField(GiftItem.objects.none(), label=_("Item"), required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=999, required=False)

    def __init__(self, *args, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        if items is not None:
            self.fields["item"].queryset = items


GiftLineFormSet = forms.formset_factory(GiftLineForm, extra=4, max_num=20)


class DecisionForm(forms.Form):
    status = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        (IncentiveStatus.APPROVED, _("Approve")), (IncentiveStatus.REJECTED, _("Reject"))])
    # Not required here: the service refuses a decision without a reason and says why.
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False,
                             help_text=_("Required: shown with your name on the compliance report."))


class RedemptionForm(forms.Form):
    line = forms.ModelChoiceField(IncentiveLine.objects.none(), label=_("Item"))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    redeemed_on = forms.DateField(label=_("Redeemed on"), initial=timezone.localdate, widget=DATE)
    unit_cost = forms.DecimalField(label=_("Real cost per unit"), max_digits=12, decimal_places=2, min_value=0,
                                   required=False, help_text=_("Leave empty for the unit cost granted."))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, lines=None, **kwargs):
        super().__init__(*args, **kwargs)
        if lines is not None:
            self.fields["line"].queryset = lines
            self.fields["line"].label_from_instance = lambda line: (
                f"{line.item.name} — {_('left')} {line.left}/{line.quantity}")


class GiftItemForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    department = forms.ChoiceField(label=_("Department"), choices=GiftDepartment.choices)
    unit_cost = forms.DecimalField(label=_("Unit cost"), max_digits=12, decimal_places=2, min_value=0,
                                   help_text=_("What one costs the store (not its retail price), in yuan."))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
