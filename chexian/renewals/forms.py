from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from chexian.insurers.models import Insurer
from chexian.renewals.choices import CallOutcome, LostReason
from chexian.renewals.models import ReminderRule


class ContactForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CallOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    next_contact_on = forms.DateField(label=_("Next contact on"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))


class LostForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason lost"), choices=[("", "—"), *LostReason.choices])
    insurer = forms.ModelChoiceField(label=_("Insurer that won it"), queryset=Insurer.objects.all(), required=False)
    channel = forms.CharField(label=_("Channel that won it"), max_length=100, required=False,
                              help_text=_("e.g. the insurer's telesales, another 4S store, an agent"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ReassignForm(forms.Form):
    to = forms.ModelChoiceField(label=_("Reassign to"), queryset=get_user_model().objects.none())

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        if users is not None:
            self.fields["to"].queryset = users


class ReminderRuleForm(forms.ModelForm):
    class Meta:
        model = ReminderRule
        fields = ["store", "channel", "start_days_before", "interval_days", "template", "is_active"]

    def __init__(self, *args, user=None, stores=None, **kwargs):
        super().__init__(*args, **kwargs)
        if stores is not None:
            self.fields["store"].queryset = stores


class TargetForm(forms.Form):
    specialist = forms.ModelChoiceField(label=_("Specialist"), queryset=get_user_model().objects.none())
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
    target = forms.IntegerField(label=_("Renewals targeted"), min_value=0)

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        if users is not None:
            self.fields["specialist"].queryset = users
