"""Forms of the partner-insurer pages.

Choice fields offer only the user's stores and their contracts; the services in
``services.py`` write and enforce the flow and the partner limit, and their
``ValidationError`` comes back on the form (``ServiceErrorsMixin``).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from chexian.customers.forms import DATE_WIDGET, ServiceErrorsMixin, stores_where
from chexian.insurers.choices import ContractStatus
from chexian.insurers.models import AgencyContract, AgencyLicence, Insurer


class ContractChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.store.code} · {obj.insurer.short_name} · {obj.valid_from:%Y-%m-%d}–{obj.valid_until:%Y-%m-%d}"


class ContractProposeForm(ServiceErrorsMixin, forms.ModelForm):
    """A store proposes an insurer with its rates and terms (SPEC §3.10)."""

    class Meta:
        model = AgencyContract
        fields = [
            "store", "insurer", "valid_from", "valid_until", "rate_ctpl", "rate_commercial", "rate_nev_commercial",
            "rate_non_motor", "commission_base", "parts_terms", "labour_terms", "claim_payment_days", "replaces",
        ]
        field_classes = {"replaces": ContractChoiceField}
        widgets = {"valid_from": DATE_WIDGET, "valid_until": DATE_WIDGET}
        help_texts = {
            "replaces": _("When this contract takes over from one of the store's active contracts: that one ends "
                          "when this one becomes active, and it does not count against the partner limit."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        stores = stores_where(user, "contract.propose")
        self.fields["store"].queryset = stores
        self.fields["insurer"].queryset = Insurer.objects.restrict(user).filter(is_active=True)
        self.fields["replaces"].queryset = (
            AgencyContract.objects.restrict(user, "propose")
            .filter(status=ContractStatus.ACTIVE)
            .select_related("store", "insurer")
        )
        if not self.is_bound:
            only = list(stores[:2])
            if len(only) == 1:
                self.initial.setdefault("store", only[0].pk)

    def service_data(self) -> dict:
        """The terms for ``services.propose_contract`` (store and insurer go separately)."""
        return {k: v for k, v in self.cleaned_data.items() if k not in ("store", "insurer")}


class ContractDecisionForm(ServiceErrorsMixin, forms.Form):
    """The reason of an approval (optional), a rejection or a termination (required)."""

    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, reason_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required


class LegalReviewForm(ServiceErrorsMixin, forms.Form):
    opinion = forms.CharField(
        label=_("Legal opinion"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The reviewer's conclusion; recording it makes the contract active."),
    )


class AgencyLicenceForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = AgencyLicence
        fields = ["store", "licence_no", "valid_from", "valid_until", "registered_staff"]
        widgets = {
            "valid_from": DATE_WIDGET,
            "valid_until": DATE_WIDGET,
            "registered_staff": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A licence belongs to its store; another store registers its own.
            del self.fields["store"]
        else:
            stores = stores_where(user, "contract.propose")
            self.fields["store"].queryset = stores
            if not self.is_bound:
                only = list(stores[:2])
                if len(only) == 1:
                    self.initial.setdefault("store", only[0].pk)

    def service_data(self) -> dict:
        return dict(self.cleaned_data)
