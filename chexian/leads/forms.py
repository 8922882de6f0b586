from django import forms
from django.utils.translation import gettext_lazy as _

from chexian.leads.choices import LeadSource


class ReferralForm(forms.Form):
    """Three taps on a phone: who, how to reach them, what they said."""

    name = forms.CharField(label=_("Customer name"), max_length=100,
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))
    mobile = forms.CharField(label=_("Mobile"), max_length=11,
                             widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    plate = forms.CharField(label=_("Plate"), max_length=12, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "off"}))
    note = forms.CharField(label=_("What the customer said"), max_length=300, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class LeadForm(ReferralForm):
    source = forms.ChoiceField(label=_("Source"), choices=LeadSource.choices, initial=LeadSource.WALK_IN)
    next_follow_up = forms.DateField(label=_("Next follow-up"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))


class FollowUpForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300)
    next_follow_up = forms.DateField(label=_("Next follow-up"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    give_up = forms.BooleanField(label=_("Not converted: close the lead"), required=False)


class VisitForm(forms.Form):
    satisfaction = forms.TypedChoiceField(label=_("Satisfaction"), coerce=int,
                                          choices=[(i, str(i)) for i in range(5, 0, -1)], widget=forms.RadioSelect)
    comments = forms.CharField(label=_("Comments"), max_length=300, required=False)


class RepairNoteForm(forms.Form):
    plate = forms.CharField(label=_("Plate"), max_length=12)
    damage = forms.CharField(label=_("Damage noticed"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    estimate = forms.DecimalField(label=_("Estimated amount"), max_digits=12, decimal_places=2, required=False)


class RepairOutcomeForm(forms.Form):
    from chexian.leads.choices import RepairStatus

    status = forms.ChoiceField(label=_("Outcome"), choices=RepairStatus.choices)
    repair_order = forms.CharField(label=_("Repair order number"), max_length=40, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
