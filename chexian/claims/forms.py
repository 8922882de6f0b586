"""Forms of the claim pages. Each step's form holds only that step's fields
(``services.STEP_FIELDS``); the services decide whether the step is complete."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chexian.claims.choices import BEFORE_HANDOVER, PAYOUT_SIGNERS, DocumentKind, OldPartsOutcome, PayeeKind, Step
from chexian.claims.models import ClaimCase, ThirdPartyPayout
from chexian.claims.services import STEP_FIELDS
from chexian.customers.models import Vehicle
from chexian.insurers.models import Insurer
from chexian.org.choices import Role

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class StepForm(forms.ModelForm):
    """The fields of the case's current step; built per step by ``step_form``."""

    class Meta:
        model = ClaimCase
        fields: list[str] = []
        widgets = {"accident_at": DATETIME, "assessed_on": DATE, "quality_checked_on": DATE, "signed_on": DATE,
                   "accident_description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "documents_received" in self.fields:
            self.fields["documents_received"] = forms.MultipleChoiceField(
                label=_("Documents received"), required=False, widget=forms.CheckboxSelectMultiple,
                choices=[(k, DocumentKind(k).label) for k in self.instance.required_documents],
                help_text=_("Tick what you have seen on paper; uploaded documents are ticked for you."))
        for field in self.fields.values():
            field.required = False  # the service says what the step needs, with the rule


def step_form(case: ClaimCase, data=None) -> StepForm | None:
    fields = STEP_FIELDS.get(case.step)
    if fields is None:
        return None
    form_class = forms.modelform_factory(ClaimCase, form=StepForm, fields=list(fields))
    return form_class(data=data, instance=case, prefix="step")


class ClaimOpenForm(forms.ModelForm):
    """Step 1 begins: the car, the insurer and its report number, what happened."""

    vehicle_ref = forms.CharField(label=_("Plate or VIN"), max_length=17,
                                  help_text=_("A vehicle of the store's books; add it there first if it is new."))

    class Meta:
        model = ClaimCase
        fields = ["insurer", "report_no", "claim_type", "coverage", "accident_at", "accident_place",
                  "accident_description"]
        widgets = {"accident_at": DATETIME, "accident_description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store
        self.fields["insurer"].queryset = Insurer.objects.filter(is_active=True)
        self.fields["accident_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.order_fields(["vehicle_ref", *self.Meta.fields])

    def clean_vehicle_ref(self):
        value = self.cleaned_data["vehicle_ref"].strip().upper()
        if self.store is None:
            return value
        vehicle = Vehicle.objects.filter(store=self.store).filter(Q(plate=value) | Q(vin=value)).first()
        if vehicle is None:
            raise forms.ValidationError(_("No vehicle with this plate or VIN in the store's books."))
        self.cleaned_data["vehicle"] = vehicle
        return value


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices, initial=DocumentKind.PHOTO)
    files = MultipleFileField(label=_("Photos or scans"),
                              help_text=_("On a phone this opens the camera or the photo library."))


class BackForm(forms.Form):
    to_step = forms.ChoiceField(label=_("Back to step"), choices=())
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, case: ClaimCase, insurer_return: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        steps = BEFORE_HANDOVER if insurer_return else \
            [s for s in BEFORE_HANDOVER if BEFORE_HANDOVER.index(s) < _position(case.step)]
        self.fields["to_step"].choices = [(s, Step(s).label) for s in steps]
        if insurer_return:
            self.fields["to_step"].initial = Step.FILING
            self.fields["reason"].label = _("The insurer's reason (核赔退回原因)")


def _position(step: str) -> int:
    order = [*BEFORE_HANDOVER, Step.HANDOVER]
    return order.index(step) if step in order else len(order)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class HandoverForm(forms.Form):
    handed_over_on = forms.DateField(label=_("Handed over on"), widget=DATE, initial=timezone.localdate)
    received_by = forms.CharField(label=_("Received by (insurer's staff)"), max_length=50)
    cases = forms.ModelMultipleChoiceField(label=_("Filed cases"), queryset=ClaimCase.objects.none(),
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, cases=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cases is not None:
            self.fields["cases"].queryset = cases
            self.fields["cases"].label_from_instance = lambda c: (
                f"{c.number} · {c.report_no} · {c.vehicle.plate} · ¥{c.insurer_amount} · {c.get_tier_display()}")


class OldPartsForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OldPartsOutcome.choices)
    done_on = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    signed_by_store = forms.CharField(label=_("Signed by (store)"), max_length=50)
    signed_by_insurer = forms.CharField(label=_("Signed by (insurer)"), max_length=50, required=False)
    note = forms.CharField(label=_("Parts and note"), max_length=300, required=False)
    cases = forms.ModelMultipleChoiceField(label=_("Cases"), queryset=ClaimCase.objects.none(),
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, cases=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cases is not None:
            self.fields["cases"].queryset = cases
            self.fields["cases"].label_from_instance = lambda c: f"{c.number} · {c.report_no} · {c.vehicle.plate}"


class PayoutForm(forms.ModelForm):
    account_number = forms.CharField(label=_("Account number"), max_length=40)

    class Meta:
        model = ThirdPartyPayout
        fields = ["payee_kind", "payee_name", "bank_name", "account_name", "account_number", "amount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payee_kind"].initial = PayeeKind.THIRD_PARTY


class SignForm(forms.Form):
    role = forms.ChoiceField(label=_("Sign as"), choices=[(r, Role(r).label) for r in PAYOUT_SIGNERS])


class ConfirmForm(forms.Form):
    on = forms.DateField(label=_("Payee signed the receipt on"), widget=DATE, initial=timezone.localdate)


class PayForm(forms.Form):
    on = forms.DateField(label=_("Paid on"), widget=DATE, initial=timezone.localdate)
    bank_reference = forms.CharField(label=_("Bank transfer reference"), max_length=50)
