from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chexian.blankforms.choices import FormKind
from chexian.blankforms.models import MAX_BATCH
from chexian.insurers.models import Insurer


class ReceiveForm(forms.Form):
    insurer = forms.ModelChoiceField(Insurer.objects.all(), label=_("Insurer"))
    kind = forms.ChoiceField(choices=FormKind.choices, label=_("Kind"))
    prefix = forms.CharField(label=_("Prefix"), max_length=20, required=False,
                             help_text=_("The letters printed before the number, if any."))
    first_number = forms.IntegerField(label=_("First number"), min_value=0)
    last_number = forms.IntegerField(label=_("Last number"), min_value=0,
                                     help_text=_("At most %(max)s forms in one batch.") % {"max": MAX_BATCH})
    digits = forms.IntegerField(label=_("Digits"), min_value=1, max_value=18, initial=8,
                                help_text=_("How many digits the number is printed with, zero-padded."))
    received_on = forms.DateField(label=_("Received on"), initial=timezone.localdate,
                                  widget=forms.DateInput(attrs={"type": "date"}))


class IssueForm(forms.Form):
    kind = forms.ChoiceField(choices=FormKind.choices, label=_("Kind"))
    first_serial = forms.CharField(label=_("First serial"), max_length=40)
    last_serial = forms.CharField(label=_("Last serial"), max_length=40, required=False,
                                  help_text=_("Leave empty to issue one form."))
    holder = forms.ModelChoiceField(get_user_model().objects.none(), label=_("Issue to"))

    def __init__(self, *args, holders=None, **kwargs):
        super().__init__(*args, **kwargs)
        if holders is not None:
            self.fields["holder"].queryset = holders


class FormActionForm(forms.Form):
    action = forms.ChoiceField(choices=[("void", _("Void")), ("return", _("Return to the insurer")),
                                        ("lose", _("Report lost"))], label=_("Action"))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
    original_kept = forms.BooleanField(label=_("I keep the voided original"), required=False)
