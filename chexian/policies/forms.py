"""Forms of the policy pages: the six issuing steps, endorsement and cancellation.

Forms collect and convert; ``services`` decides. Every rule of SPEC §3.3 (one
CTPL per period, the one-year term, the contract in force, the business type,
the documents, money in fen) is checked by ``issue_policy`` and friends, whose
``ValidationError`` comes back onto the form field of the same name
(``ServiceErrorsMixin.add_service_error``). Choice fields only offer rows of the
user's stores.

The guided flow (``IssueFlow``) keeps each step's submitted input in the session,
re-validates it with the step's form whenever it is needed, and only at the last
step turns everything into one ``PolicyInput`` for ``issue_policy`` — nothing is
saved before.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import UniqueConstraint
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from chexian.catalog.choices import LimitKind
from chexian.catalog.models import Coverage
from chexian.customers.forms import (
    DATE_WIDGET,
    CustomerChoiceField,
    ServiceErrorsMixin,
    StaffChoiceField,
    _chosen_ids,
    limit_rendered_choices,
    loosen_max_length,
    staff_of,
    stores_where,
)
from chexian.customers.models import Customer, Vehicle
from chexian.insurers.models import Insurer
from chexian.policies.choices import (
    DOCUMENT_LABELS,
    REQUIRED_DOCUMENTS,
    CancellationReason,
    EndorsementKind,
    IssueStep,
    PolicyLine,
    PolicySource,
    PolicyStatus,
    ShortTermReason,
)
from chexian.policies.models import Policy
from chexian.policies.services import (
    CoverageInput,
    PolicyInput,
    clause_family_for,
    derive_business_type,
    one_year_end,
)

CENT = Decimal("0.01")
STEPS: list[str] = list(IssueStep.values)


# ---------------------------------------------------------------- helpers
def issuing_vehicles(user):
    """Vehicles the user may issue a policy for: visible, in a store where they may add policies."""
    return Vehicle.objects.restrict(user, "view").filter(store__in=stores_where(user, "policy.add"))


def vehicle_label(vehicle) -> str:
    """How a vehicle is named in pickers: plate (or VIN), car, owner, store."""
    car = " ".join(p for p in (vehicle.brand, vehicle.series) if p)
    parts = [vehicle.plate or vehicle.vin, car, vehicle.owner.name, vehicle.store.code]
    return " · ".join(p for p in parts if p)


def money(value) -> str:
    """A Decimal as stored in the session ("1234.50"); None stays empty."""
    return "" if value is None else f"{Decimal(value):f}"


def limit_key(value) -> str:
    """One spelling for a limit, whichever way the catalog or a quote writes it."""
    try:
        return f"{Decimal(str(value)).quantize(CENT):f}"
    except (InvalidOperation, ValueError):
        return str(value)


def limit_label(coverage, value) -> str:
    amount = Decimal(str(value))
    if coverage.limit_kind == LimitKind.PERCENT:
        return f"{amount.normalize():f}%"
    if amount >= 10_000 and amount % 10_000 == 0:
        return f"{(amount / 10_000).normalize():f}万"
    return f"{amount.normalize():f}"


def suggested_start(vehicle, line: str, today: dt.date | None = None) -> dt.date:
    """The day after the vehicle's policy of this line in force ends (the renewal
    continues it), else today. A default for the form, not a rule."""
    today = today or timezone.localdate()
    current = (
        Policy.objects.filter(vehicle=vehicle, line=line, status=PolicyStatus.IN_FORCE, end_date__gte=today)
        .order_by("-end_date")
        .first()
    )
    return current.end_date + dt.timedelta(days=1) if current else today


class VehiclePickerSelect(forms.Select):
    """A select with a search box that fetches matching vehicles (htmx,
    ``policies:vehicle_choices``); a store has thousands, only the chosen one is rendered."""

    template_name = "policies/vehicle_picker_widget.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["search_url"] = reverse("policies:vehicle_choices")
        context["widget"]["preview_url"] = reverse("policies:policy_issue_preview")
        return context


class VehicleChoiceField(forms.ModelChoiceField):
    widget = VehiclePickerSelect

    def label_from_instance(self, obj):
        return vehicle_label(obj)


class CoverageRowsMixin:
    """One row of fields per coverage of the catalog (include?, limit, premium,
    deductible), converted to ``cleaned_data["coverages"]``: a list of dicts
    ``{coverage, limit, premium, deductible}`` for the rows ticked."""

    def add_coverage_rows(self, coverages, initial: dict[int, dict]) -> None:
        self.coverage_rows = []
        for coverage in coverages:
            prefix = f"cov-{coverage.pk}"
            row_initial = initial.get(coverage.pk)
            self.fields[f"{prefix}-on"] = forms.BooleanField(
                label=coverage.name, required=False, initial=row_initial is not None
            )
            limit_name = None
            if coverage.limit_kind in (LimitKind.TIER, LimitKind.PERCENT):
                limit_name = f"{prefix}-limit"
                choices = [("", "—")] + [(limit_key(c), limit_label(coverage, c)) for c in coverage.limit_choices]
                self.fields[limit_name] = forms.TypedChoiceField(
                    label=_("Limit"), choices=choices, required=False, coerce=Decimal, empty_value=None
                )
            elif coverage.limit_kind != LimitKind.NONE:
                limit_name = f"{prefix}-limit"
                self.fields[limit_name] = forms.DecimalField(label=_("Limit"), required=False)
            self.fields[f"{prefix}-premium"] = forms.DecimalField(label=_("Premium"), required=False)
            self.fields[f"{prefix}-deductible"] = forms.CharField(label=_("Deductible"), required=False, max_length=40)
            if row_initial:
                if limit_name and row_initial.get("limit") is not None:
                    self.initial[limit_name] = limit_key(row_initial["limit"])
                self.initial[f"{prefix}-premium"] = row_initial.get("premium")
                self.initial[f"{prefix}-deductible"] = row_initial.get("deductible", "")
            self.coverage_rows.append((coverage, prefix, limit_name))

    def coverage_bound_rows(self):
        """(coverage, include, limit or None, premium, deductible) bound fields for the template."""
        return [
            (coverage, self[f"{p}-on"], self[limit] if limit else None, self[f"{p}-premium"], self[f"{p}-deductible"])
            for coverage, p, limit in self.coverage_rows
        ]

    def clean_coverage_rows(self) -> list[dict]:
        rows = []
        for coverage, prefix, limit_name in self.coverage_rows:
            if not self.cleaned_data.get(f"{prefix}-on"):
                continue
            premium = self.cleaned_data.get(f"{prefix}-premium")
            if premium is None:
                if f"{prefix}-premium" not in self.errors:
                    self.add_error(
                        f"{prefix}-premium",
                        _("Enter the premium of %(coverage)s as the insurer returned it.") % {"coverage": coverage},
                    )
                continue
            rows.append(
                {
                    "coverage": coverage,
                    "limit": self.cleaned_data.get(limit_name) if limit_name else None,
                    "premium": premium,
                    "deductible": self.cleaned_data.get(f"{prefix}-deductible", ""),
                }
            )
        return rows


def coverage_inputs(rows: list[dict]) -> list[CoverageInput]:
    return [CoverageInput(**row) for row in rows]


# ---------------------------------------------------------------- the six steps
class IssueStepForm(ServiceErrorsMixin, forms.Form):
    """One step of the guided flow. ``flow`` gives the earlier steps' input."""

    step = ""

    def __init__(self, *args, flow: IssueFlow, **kwargs):
        super().__init__(*args, **kwargs)
        self.flow = flow
        self.user = flow.user


class IntroduceForm(IssueStepForm):
    """Step 1 介绍: which vehicle, which line. The page shows the vehicle's history,
    the business type it will have and the documents to collect."""

    step = IssueStep.INTRODUCE
    vehicle = VehicleChoiceField(queryset=Vehicle.objects.none(), label=_("Vehicle"))
    line = forms.ChoiceField(label=_("Line"), choices=PolicyLine.choices, initial=PolicyLine.COMMERCIAL)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # From a quote or a vehicle's page: the vehicle and line to start with.
        self.initial = {**self.flow.introduce_initial(), **self.initial}
        field = self.fields["vehicle"]
        field.queryset = issuing_vehicles(self.user).select_related("owner", "store")
        limit_rendered_choices(field, field.queryset.filter(pk__in=_chosen_ids(self, "vehicle")))


class PlanForm(CoverageRowsMixin, IssueStepForm):
    """Step 2 方案: the coverages with their limits and premiums — from the chosen
    offer of a quote, or entered from the catalog for this vehicle and line."""

    step = IssueStep.PLAN

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        coverages = self.flow.catalog_coverages()
        initial = self.flow.plan_initial()
        # A quoted coverage the catalog no longer offers is still shown: the service says why it is refused.
        missing = [pk for pk in initial if pk not in {c.pk for c in coverages}]
        coverages = [*coverages, *Coverage.objects.filter(pk__in=missing)]
        self.add_coverage_rows(coverages, initial)

    def clean(self):
        cleaned = super().clean()
        cleaned["coverages"] = self.clean_coverage_rows()
        return cleaned


class EnterForm(IssueStepForm):
    """Step 3 录入: the policy as the insurer's system issued it."""

    step = IssueStep.ENTER
    insurer = forms.ModelChoiceField(queryset=Insurer.objects.none(), label=_("Insurer"))
    number = forms.CharField(label=_("Policy number"), max_length=40)
    policyholder = CustomerChoiceField(queryset=Customer.objects.none(), label=_("Policyholder"))
    insured_name = forms.CharField(
        label=_("Insured"), max_length=100, required=False, help_text=_("Leave empty for the policyholder.")
    )
    start_date = forms.DateField(label=_("Start date"), widget=DATE_WIDGET, help_text=_("From 00:00."))
    end_date = forms.DateField(
        label=_("End date"),
        widget=DATE_WIDGET,
        required=False,
        help_text=_("Leave empty for one year: until 24:00 of the day before the anniversary."),
    )
    short_term_reason = forms.ChoiceField(
        label=_("Short-term reason"),
        choices=[("", "—"), *ShortTermReason.choices],
        required=False,
        help_text=_("Only for a CTPL shorter than one year (Regulations Art 20)."),
    )
    premium = forms.DecimalField(label=_("Premium (incl. VAT)"))
    premium_without_vat = forms.DecimalField(label=_("Premium excluding VAT"))
    vat = forms.DecimalField(
        label=_("VAT"), required=False, help_text=_("Leave empty for premium minus premium excluding VAT.")
    )
    vehicle_tax = forms.DecimalField(label=_("Vehicle and vessel tax"), required=False, initial=Decimal("0"))
    salesperson = StaffChoiceField(queryset=get_user_model().objects.none(), label=_("Salesperson"), required=False)
    lead_source = forms.CharField(label=_("Lead source"), max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        vehicle, line = self.flow.vehicle, self.flow.line
        self.initial = {**self.flow.enter_initial(), **self.initial}
        self.fields["insurer"].queryset = Insurer.objects.restrict(self.user).filter(is_active=True)
        holder = self.fields["policyholder"]
        holder.user = self.user
        holder.queryset = (
            Customer.objects.restrict(self.user, "view").active().filter(store_id=vehicle.store_id)
            .select_related("store")
        )
        holder.widget.search_params = {"store": vehicle.store_id}
        limit_rendered_choices(holder, holder.queryset.filter(pk__in=_chosen_ids(self, "policyholder")))
        self.fields["salesperson"].queryset = staff_of([vehicle.store_id])
        if line != PolicyLine.CTPL:
            # Short terms and the vehicle tax exist for CTPL only.
            del self.fields["short_term_reason"]
            del self.fields["vehicle_tax"]

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("start_date")
        if start and not cleaned.get("end_date"):
            cleaned["end_date"] = one_year_end(start)
        premium, without = cleaned.get("premium"), cleaned.get("premium_without_vat")
        if cleaned.get("vat") is None and premium is not None and without is not None:
            cleaned["vat"] = premium - without
        if cleaned.get("vehicle_tax") is None:
            cleaned["vehicle_tax"] = Decimal("0")
        return cleaned


class PayPrintForm(IssueStepForm):
    """Step 4 缴费打印: payment under the policyholder's real name, and the blank form printed on."""

    step = IssueStep.PAY_PRINT
    payment_ref = forms.CharField(label=_("Payment reference"), max_length=60)
    payer_is_policyholder = forms.BooleanField(
        label=_("The payer is the policyholder (实名缴费)"),
        help_text=_("Premiums are paid from the policyholder's own account or card, never by the store or staff."),
    )
    blank_form_serial = forms.CharField(
        label=_("Blank form serial"), max_length=40, required=False,
        help_text=_("The serial of the pre-printed form used; empty for an electronic policy."),
    )


class ConfirmForm(IssueStepForm):
    """Step 5 确认: the policyholder's confirmation code (投保确认码), with a summary to read back."""

    step = IssueStep.CONFIRM
    confirm_code = forms.CharField(
        label=_("Confirmation code (投保确认码)"), max_length=40,
        help_text=_("The code the insurer sent to the policyholder's mobile."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.flow.line == PolicyLine.NON_MOTOR:
            # Only motor policies carry a confirmation code.
            self.fields["confirm_code"].required = False


class ArchiveForm(IssueStepForm):
    """Step 6 归档: the documents checked for the archive (一车一档); then issue."""

    step = IssueStep.ARCHIVE
    documents = forms.MultipleChoiceField(
        label=_("Documents checked"),
        choices=list(DOCUMENT_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


STEP_FORMS: dict[str, type[IssueStepForm]] = {
    IssueStep.INTRODUCE: IntroduceForm,
    IssueStep.PLAN: PlanForm,
    IssueStep.ENTER: EnterForm,
    IssueStep.PAY_PRINT: PayPrintForm,
    IssueStep.CONFIRM: ConfirmForm,
    IssueStep.ARCHIVE: ArchiveForm,
}

# Where each field of ``issue_policy``'s errors is entered: a refused policy goes
# back to the step holding the offending field.
FIELD_STEPS: dict[str, str] = {
    "vehicle": IssueStep.INTRODUCE,
    "line": IssueStep.INTRODUCE,
    "coverages": IssueStep.PLAN,
    **dict.fromkeys(
        (
            "insurer", "number", "policyholder", "insured_name", "start_date", "end_date", "short_term_reason",
            "premium", "premium_without_vat", "vat", "vehicle_tax", "salesperson", "lead_source",
        ),
        IssueStep.ENTER,
    ),
    "payment_ref": IssueStep.PAY_PRINT,
    "blank_form_serial": IssueStep.PAY_PRINT,
    "confirm_code": IssueStep.CONFIRM,
    "documents": IssueStep.ARCHIVE,
}


def error_field(field: str, error: ValidationError) -> str:
    """The field an error is about: a uniqueness error of the model belongs to the
    constraint's last field (insurer + number → number)."""
    if field != NON_FIELD_ERRORS:
        return field
    for constraint in Policy._meta.constraints:
        if isinstance(constraint, UniqueConstraint) and error.message == constraint.get_violation_error_message():
            return constraint.fields[-1]
    return field


# ---------------------------------------------------------------- the flow
class IssueFlow:
    """The guided issuing flow of one policy, held in the session under a random id
    (several tabs may issue at once). Each step's input is kept as submitted and
    re-validated by its form on use; ``policy_input()`` converts the lot."""

    SESSION_KEY = "policy_issue"
    # Abandoned flows are dropped, oldest first, beyond this many per session.
    MAX_FLOWS = 5

    def __init__(self, request, flow_id: str, state: dict):
        self.request = request
        self.user = request.user
        self.id = flow_id
        self.state = state
        self._cleaned: dict[str, dict | None] = {}
        self._quote = None
        self._tentative_start = None

    # -------------------------------------------------------- session
    @classmethod
    def start(cls, request, *, quote=None, vehicle=None, line: str = "") -> IssueFlow:
        flows = request.session.get(cls.SESSION_KEY, {})
        while len(flows) >= cls.MAX_FLOWS:
            flows.pop(min(flows, key=lambda k: flows[k]["started"]))
        state = {"started": timezone.now().isoformat(), "quote": quote.pk if quote else None, "steps": {},
                 "errors": {}, "initial": {}}
        if quote is not None:
            vehicle = quote.vehicle
            offer = quote.chosen_offer
            line = line or (PolicyLine.COMMERCIAL if offer is None or offer.commercial_premium else PolicyLine.CTPL)
        if vehicle is not None:
            state["initial"]["vehicle"] = vehicle.pk
        if line:
            state["initial"]["line"] = line
        flow_id = secrets.token_urlsafe(9)
        flows[flow_id] = state
        request.session[cls.SESSION_KEY] = flows
        return cls(request, flow_id, state)

    @classmethod
    def load(cls, request, flow_id: str | None) -> IssueFlow | None:
        state = request.session.get(cls.SESSION_KEY, {}).get(flow_id or "")
        return cls(request, flow_id, state) if state is not None else None

    def save(self) -> None:
        flows = self.request.session.get(self.SESSION_KEY, {})
        flows[self.id] = self.state
        self.request.session[self.SESSION_KEY] = flows

    def discard(self) -> None:
        flows = self.request.session.get(self.SESSION_KEY, {})
        flows.pop(self.id, None)
        self.request.session[self.SESSION_KEY] = flows

    def url(self, step: str) -> str:
        return reverse("policies:policy_issue") + "?" + urlencode({"flow": self.id, "step": step})

    # -------------------------------------------------------- steps
    def stored(self, step: str) -> MultiValueDict | None:
        raw = self.state["steps"].get(step)
        return MultiValueDict(raw) if raw is not None else None

    def form(self, step: str, data=None) -> IssueStepForm:
        """The step's form: bound to ``data``, else to what was stored (with the
        service's errors, if the last attempt to issue was refused), else unbound."""
        form_class = STEP_FORMS[step]
        if data is not None:
            return form_class(data, flow=self)
        stored = self.stored(step)
        if stored is None:
            return form_class(flow=self)
        form = form_class(stored, flow=self)
        form.is_valid()
        if errors := self.state["errors"].get(step):
            form.add_service_error(ValidationError(errors))
        return form

    def store(self, step: str, form: IssueStepForm) -> None:
        """Keep the step's input as submitted; changing the vehicle or the line
        drops the later steps, which depended on them."""
        names = {form.add_prefix(name) for name in form.fields}
        raw = {name: form.data.getlist(name) for name in names if name in form.data}
        if step == IssueStep.INTRODUCE:
            before = self.state["steps"].get(step)
            if before is not None and any(before.get(k) != raw.get(k) for k in ("vehicle", "line")):
                self.state["steps"] = {}
        self.state["steps"][step] = raw
        self.state["errors"].pop(step, None)
        self._cleaned.clear()
        self._tentative_start = None
        self.save()

    def cleaned(self, step: str) -> dict | None:
        """The stored input of a step, validated again (None if missing or no longer valid)."""
        if step not in self._cleaned:
            self._cleaned[step] = None
            stored = self.stored(step)
            if stored is not None and all(self.cleaned(s) is not None for s in STEPS[: STEPS.index(step)]):
                form = STEP_FORMS[step](stored, flow=self)
                self._cleaned[step] = form.cleaned_data if form.is_valid() else None
        return self._cleaned[step]

    def first_incomplete(self) -> str | None:
        for step in STEPS:
            if self.cleaned(step) is None:
                return step
        return None

    def reachable(self, step: str) -> bool:
        """A step can be shown once every step before it is complete."""
        first = self.first_incomplete()
        return first is None or STEPS.index(step) <= STEPS.index(first)

    def record_errors(self, exc: ValidationError) -> str:
        """Keep a refusal's messages with the steps holding their fields; returns
        the first such step, where the issuer goes back to."""
        errors: dict[str, dict[str, list[str]]] = {}
        items = exc.error_dict.items() if hasattr(exc, "error_dict") else [(NON_FIELD_ERRORS, exc.error_list)]
        for field, field_errors in items:
            for error in field_errors:
                name = error_field(field, error)
                step = FIELD_STEPS.get(name, IssueStep.ARCHIVE)
                errors.setdefault(step, {}).setdefault(name, []).extend(error.messages)
        self.state["errors"] = errors
        self.save()
        return min(errors, key=STEPS.index)

    # -------------------------------------------------------- context of the steps
    @property
    def quote(self):
        if self._quote is None and self.state.get("quote"):
            from chexian.quotes.models import Quote

            self._quote = (
                Quote.objects.restrict(self.user, "view")
                .select_related("chosen_offer", "chosen_offer__insurer", "vehicle")
                .filter(pk=self.state["quote"])
                .first()
            )
        return self._quote

    @property
    def offer(self):
        quote = self.quote
        return quote.chosen_offer if quote is not None else None

    @property
    def vehicle(self):
        data = self.cleaned(IssueStep.INTRODUCE)
        return data["vehicle"] if data else None

    @property
    def line(self) -> str:
        data = self.cleaned(IssueStep.INTRODUCE)
        return data["line"] if data else ""

    @property
    def source(self) -> str:
        return PolicySource.QUOTE if self.quote is not None else PolicySource.DIRECT

    def introduce_initial(self) -> dict:
        return dict(self.state.get("initial") or {})

    def tentative_start(self) -> dt.date:
        """The quote's start date, else the suggested one: what the plan is made
        for and the entry step proposes."""
        if self._tentative_start is None:
            quote = self.quote
            self._tentative_start = quote.start_date if quote else suggested_start(self.vehicle, self.line)
        return self._tentative_start

    def start_date(self) -> dt.date:
        """The start entered, else the tentative one."""
        enter = self.cleaned(IssueStep.ENTER)
        return enter["start_date"] if enter else self.tentative_start()

    def catalog_coverages(self) -> list:
        """The catalog's coverages of this vehicle's clauses for the line."""
        from chexian.catalog.services import coverages_for_vehicle

        family = clause_family_for(self.vehicle, self.line)
        return [c for c in coverages_for_vehicle(self.vehicle, self.tentative_start()) if c.family == family]

    def plan_initial(self) -> dict[int, dict]:
        """{coverage pk: {limit, premium}} from the chosen offer, for this line."""
        offer = self.offer
        if offer is None:
            return {}
        family = clause_family_for(self.vehicle, self.line)
        limits = {item.coverage_id: item.limit for item in self.quote.items.select_related("coverage")
                  if item.coverage.family == family}
        premiums = {line.coverage_id: line.premium for line in offer.lines.all()}
        if self.line == PolicyLine.CTPL:
            # An offer carries the CTPL premium as one figure: it is the CTPL coverage's.
            ctpl = self.catalog_coverages()
            if len(ctpl) == 1 and offer.ctpl_premium:
                limits.setdefault(ctpl[0].pk, None)
                premiums.setdefault(ctpl[0].pk, offer.ctpl_premium)
        return {pk: {"limit": limit, "premium": premiums.get(pk)} for pk, limit in limits.items()}

    def enter_initial(self) -> dict:
        """Defaults of the entry step: the owner as policyholder, the start date, and
        from a chosen offer its insurer and premiums (else the sum of the plan's)."""
        vehicle, line = self.vehicle, self.line
        initial: dict = {"policyholder": vehicle.owner_id, "start_date": self.tentative_start()}
        offer = self.offer
        if offer is not None:
            initial["insurer"] = offer.insurer_id
            if line == PolicyLine.CTPL:
                premium, without = offer.ctpl_premium, offer.ctpl_premium_without_vat
                initial["vehicle_tax"] = offer.vehicle_tax
            else:
                premium, without = offer.commercial_premium, offer.commercial_premium_without_vat
            initial.update(premium=premium, premium_without_vat=without, vat=premium - without)
        elif plan := self.cleaned(IssueStep.PLAN):
            if plan["coverages"]:
                initial["premium"] = sum((row["premium"] for row in plan["coverages"]), Decimal("0"))
        return initial

    def business_type(self) -> str | None:
        if self.vehicle is None:
            return None
        return derive_business_type(self.vehicle, self.line, self.start_date())

    def required_documents(self) -> list[str]:
        business_type = self.business_type()
        return list(REQUIRED_DOCUMENTS[business_type]) if business_type else []

    def policy_input(self) -> PolicyInput:
        """Everything entered, as one ``PolicyInput`` (call once every step is complete)."""
        intro, plan, enter = (self.cleaned(s) for s in (IssueStep.INTRODUCE, IssueStep.PLAN, IssueStep.ENTER))
        pay, confirm, archive = (self.cleaned(s) for s in (IssueStep.PAY_PRINT, IssueStep.CONFIRM, IssueStep.ARCHIVE))
        return PolicyInput(
            vehicle=intro["vehicle"],
            policyholder=enter["policyholder"],
            insurer=enter["insurer"],
            line=intro["line"],
            number=enter["number"],
            start_date=enter["start_date"],
            end_date=enter["end_date"],
            premium=enter["premium"],
            premium_without_vat=enter["premium_without_vat"],
            vat=enter["vat"],
            vehicle_tax=enter.get("vehicle_tax") or Decimal("0"),
            insured_name=enter["insured_name"],
            short_term_reason=enter.get("short_term_reason", ""),
            confirm_code=confirm["confirm_code"],
            salesperson=enter["salesperson"],
            lead_source=enter["lead_source"],
            payment_ref=pay["payment_ref"],
            payer_is_policyholder=pay["payer_is_policyholder"],
            blank_form_serial=pay["blank_form_serial"],
            documents=list(archive["documents"]),
            coverages=coverage_inputs(plan["coverages"]),
        )


# ---------------------------------------------------------------- endorse and cancel
class PolicyEndorseForm(CoverageRowsMixin, ServiceErrorsMixin, forms.Form):
    """批改: the common fields, plus those of the kind chosen (plate; new owner;
    the coverages as they will be)."""

    effective_date = forms.DateField(label=_("Effective date"), widget=DATE_WIDGET)
    premium_change = forms.DecimalField(
        label=_("Premium change"), initial=Decimal("0"), help_text=_("Incl. VAT; negative for a refund.")
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, user, policy, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.policy, self.kind = user, policy, kind
        self.initial.setdefault("effective_date", max(policy.start_date, min(timezone.localdate(), policy.end_date)))
        self.coverage_rows = []
        if kind == EndorsementKind.PLATE:
            self.fields["plate"] = forms.CharField(label=_("Plate number"), max_length=12)
            loosen_max_length(self.fields["plate"], 12, autocomplete="off", autocapitalize="characters")
            self.initial.setdefault("plate", policy.vehicle.plate)
        elif kind == EndorsementKind.OWNER:
            field = CustomerChoiceField(queryset=Customer.objects.none(), label=_("New policyholder"))
            field.user = user
            field.queryset = (
                Customer.objects.restrict(user, "view").active().filter(store_id=policy.store_id)
                .exclude(pk=policy.policyholder_id).select_related("store")
            )
            field.widget.search_params = {"store": policy.store_id, "exclude": policy.policyholder_id}
            self.fields["policyholder"] = field
            self.fields["insured_name"] = forms.CharField(
                label=_("Insured"), max_length=100, required=False, help_text=_("Leave empty for the new policyholder.")
            )
            limit_rendered_choices(field, field.queryset.filter(pk__in=_chosen_ids(self, "policyholder")))
        elif kind == EndorsementKind.COVERAGE:
            from chexian.catalog.services import coverages_for_vehicle

            current = {
                c.coverage_id: {"limit": c.limit, "premium": c.premium, "deductible": c.deductible}
                for c in policy.coverages.all()
            }
            coverages = [
                c for c in coverages_for_vehicle(policy.vehicle, self.initial["effective_date"])
                if c.family == policy.clause_family
            ]
            known = {c.pk for c in coverages}
            coverages += list(Coverage.objects.filter(pk__in=[pk for pk in current if pk not in known]))
            self.add_coverage_rows(coverages, current)

    def plain_fields(self):
        """The fields outside the coverage table."""
        return [self[name] for name in self.fields if not name.startswith("cov-")]

    def clean(self):
        cleaned = super().clean()
        if self.kind == EndorsementKind.COVERAGE:
            cleaned["coverages"] = self.clean_coverage_rows()
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        if self.kind == EndorsementKind.PLATE:
            after = {"plate": data["plate"]}
        elif self.kind == EndorsementKind.OWNER:
            after = {"policyholder": data["policyholder"], "insured_name": data["insured_name"]}
        elif self.kind == EndorsementKind.COVERAGE:
            after = {"coverages": coverage_inputs(data["coverages"])}
        else:
            after = {}
        return {
            "kind": self.kind,
            "effective_date": data["effective_date"],
            "after": after,
            "premium_change": data["premium_change"],
            "reason": data["reason"],
        }


class PolicyCancelForm(ServiceErrorsMixin, forms.Form):
    """退保: the lawful reason, the date and the refund (the service checks them)."""

    reason = forms.ChoiceField(label=_("Reason"), choices=CancellationReason.choices)
    effective_date = forms.DateField(label=_("Effective date"), widget=DATE_WIDGET)
    refund_amount = forms.DecimalField(label=_("Refund"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, user, policy, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.policy = user, policy
        self.initial.setdefault("effective_date", max(policy.start_date, min(timezone.localdate(), policy.end_date)))
