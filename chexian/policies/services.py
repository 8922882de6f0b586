"""Issuing, endorsing and cancelling policies (SPEC §3.3). Every rule about a
policy that touches more than its own row lives here; pages, the API, the
import and the demo loader all call these functions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chexian.catalog.choices import ClauseFamily
from chexian.core.audit import audit_actor, log_created
from chexian.customers.models import Vehicle
from chexian.org.permissions import can
from chexian.policies.choices import (
    CTPL_CANCELLATION_REASONS,
    DOCUMENT_LABELS,
    REQUIRED_DOCUMENTS,
    BusinessType,
    PolicyLine,
    PolicySource,
    PolicyStatus,
)
from chexian.policies.models import Cancellation, Endorsement, Policy, PolicyCoverage
from chexian.policies.signals import policies_recorded
from chexian.quotes.choices import QuoteStatus

CENT = Decimal("0.01")
# A policy of the same line at this store that ended at most this long before the
# new one starts makes the new one a renewal; older history counts as coming back
# from elsewhere (转保).
RENEWAL_LOOKBACK = dt.timedelta(days=365)
# A car bought or first registered this recently, with no policy yet, is a new car.
NEW_CAR_WINDOW = dt.timedelta(days=60)


@dataclass
class CoverageInput:
    coverage: object
    premium: Decimal
    limit: Decimal | None = None
    deductible: str = ""


@dataclass
class PolicyInput:
    """What an issuer enters (or an import row carries) for one policy."""

    vehicle: Vehicle
    policyholder: object
    insurer: object
    line: str
    number: str
    start_date: dt.date
    end_date: dt.date
    premium: Decimal
    premium_without_vat: Decimal
    vat: Decimal
    vehicle_tax: Decimal = Decimal("0")
    insured_name: str = ""
    short_term_reason: str = ""
    confirm_code: str = ""
    issued_on: dt.date | None = None
    salesperson: object = None
    lead_source: str = ""
    payment_ref: str = ""
    payer_is_policyholder: bool | None = None
    blank_form_serial: str = ""
    documents: list[str] = field(default_factory=list)
    coverages: list[CoverageInput] = field(default_factory=list)


def one_year_end(start: dt.date) -> dt.date:
    """00:00 of the start date to 24:00 of the day before the anniversary."""
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        anniversary = start.replace(year=start.year + 1, day=28) + dt.timedelta(days=1)
    return anniversary - dt.timedelta(days=1)


def clause_family_for(vehicle: Vehicle, line: str) -> str:
    if line == PolicyLine.CTPL:
        return ClauseFamily.CTPL
    if line == PolicyLine.NON_MOTOR:
        return ClauseFamily.NON_MOTOR
    # A new-energy vehicle is insured only on the NEV exclusive clauses (2021).
    return ClauseFamily.NEV_2021 if vehicle.is_new_energy else ClauseFamily.COMMERCIAL_2020


@dataclass(frozen=True)
class Held:
    """A recorded (not cancelled) policy of a vehicle, as the issuing rules read it."""

    pk: int | None
    line: str
    start_date: dt.date
    end_date: dt.date
    number: str


def business_type_from_history(history, line: str, start_date: dt.date, first_date: dt.date | None) -> str:
    """New car, renewal here or transfer-in (转保), from the vehicle's recorded
    policies (``Held`` or anything with line, start_date and end_date) — never typed.

    A policy of the same line that ended at most ``RENEWAL_LOOKBACK`` before the
    start makes a renewal; no earlier policy at all and a car first registered or
    bought within ``NEW_CAR_WINDOW`` make a new car; anything else is a transfer-in.
    """
    if any(h.line == line and h.start_date < start_date and h.end_date >= start_date - RENEWAL_LOOKBACK
           for h in history):
        return BusinessType.RENEWAL
    if (
        not any(h.start_date < start_date for h in history)
        and first_date is not None
        and start_date - NEW_CAR_WINDOW <= first_date <= start_date
    ):
        return BusinessType.NEW_CAR
    return BusinessType.TRANSFER_IN


def ctpl_clash(history, start_date: dt.date, end_date: dt.date):
    """The vehicle's CTPL policy overlapping [start, end], if any: one per vehicle per period."""
    return next(
        (h for h in history if h.line == PolicyLine.CTPL and h.start_date <= end_date and h.end_date >= start_date),
        None,
    )


def vehicle_history(vehicle_ids, exclude_pk=None) -> dict[int, list[Held]]:
    """The recorded (not cancelled) policies of the vehicles, by vehicle id: one query."""
    rows = Policy.objects.filter(vehicle_id__in=list(vehicle_ids)).exclude(status=PolicyStatus.CANCELLED)
    if exclude_pk:
        rows = rows.exclude(pk=exclude_pk)
    history: dict[int, list[Held]] = {pk: [] for pk in vehicle_ids}
    for pk, vehicle_id, line, start, end, number in rows.values_list(
        "pk", "vehicle_id", "line", "start_date", "end_date", "number"
    ):
        history[vehicle_id].append(Held(pk, line, start, end, number))
    return history


def derive_business_type(vehicle: Vehicle, line: str, start_date: dt.date, exclude_pk=None) -> str:
    """The business type a ``line`` policy starting on ``start_date`` has for this vehicle now."""
    history = vehicle_history([vehicle.pk], exclude_pk=exclude_pk)[vehicle.pk] if vehicle.pk else []
    first_date = vehicle.purchase_date or vehicle.first_registration_date
    return business_type_from_history(history, line, start_date, first_date)


class IssueContext:
    """What the issuing rules read besides their input: the vehicle's recorded
    policies and the contract in force. This one reads the database for each
    policy (pages, the API). An import passes a ``BatchIssueContext``, which reads
    a whole chunk's at once and remembers the policies it has prepared."""

    # The unique (insurer, number) constraint is checked by full_clean (a query) unless
    # the caller has already checked it against everything it holds.
    numbers_checked = False

    def history(self, vehicle) -> list[Held]:
        return vehicle_history([vehicle.pk])[vehicle.pk]

    def contract(self, store_id: int, insurer, date: dt.date):
        from chexian.insurers.services import contract_in_force

        return contract_in_force(store_id, insurer, date)

    def prepared(self, policy: Policy) -> None:
        """``policy`` passed the rules and will be saved: later checks must see it."""


class BatchIssueContext(IssueContext):
    """For many policies in one transaction: ``load`` a chunk's vehicles (one query),
    contracts cached per store, insurer and day, prepared policies remembered."""

    numbers_checked = True

    def __init__(self):
        self._history: dict[int, list[Held]] = {}
        self._contracts: dict[tuple, list] = {}

    def load(self, vehicle_ids) -> None:
        """Forget the previous chunk; read the recorded policies of these vehicles."""
        self._history = vehicle_history(set(vehicle_ids))

    def new_vehicle(self, vehicle) -> None:
        self._history[vehicle.pk] = []

    def history(self, vehicle) -> list[Held]:
        if vehicle.pk not in self._history:
            self._history.update(vehicle_history([vehicle.pk]))
        return self._history[vehicle.pk]

    def contract(self, store_id: int, insurer, date: dt.date):
        from chexian.insurers.services import active_contracts, pick_contract

        key = (store_id, getattr(insurer, "pk", insurer))
        if key not in self._contracts:
            self._contracts[key] = active_contracts(store_id, insurer)
        return pick_contract(self._contracts[key], date)

    def prepared(self, policy: Policy) -> None:
        self.history(policy.vehicle).append(
            Held(None, policy.line, policy.start_date, policy.end_date, policy.number)
        )


def commission_for(contract, line: str, clause_family: str, premium: Decimal, premium_without_vat: Decimal):
    """(rate %, base, amount) as the contract in force says, VAT as its base says."""
    from chexian.insurers.choices import CommissionBase

    rate = contract.rate_for(line, clause_family)
    base = premium if contract.commission_base == CommissionBase.WITH_VAT else premium_without_vat
    amount = (base * rate / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)
    return rate, base, amount


def _check_money(data: PolicyInput, errors: dict):
    for name in ("premium", "premium_without_vat", "vat", "vehicle_tax"):
        value = getattr(data, name)
        if not isinstance(value, Decimal):
            errors.setdefault(name, []).append(_("Money must be a decimal amount."))
        elif value < 0:
            errors.setdefault(name, []).append(_("The amount cannot be negative."))
        elif value != value.quantize(CENT):
            errors.setdefault(name, []).append(_("Money has at most two decimals (fen)."))
    if not errors and data.premium_without_vat + data.vat != data.premium:
        errors.setdefault("vat", []).append(
            _("Premium excluding VAT plus VAT must equal the premium (%(a)s + %(b)s ≠ %(c)s).")
            % {"a": data.premium_without_vat, "b": data.vat, "c": data.premium}
        )
    if data.line != PolicyLine.CTPL and data.vehicle_tax:
        errors.setdefault("vehicle_tax", []).append(_("Vehicle and vessel tax is collected with CTPL only."))


def _check_period(data: PolicyInput, errors: dict):
    if data.end_date < data.start_date:
        errors.setdefault("end_date", []).append(_("A policy cannot end before it starts."))
        return
    if data.line == PolicyLine.CTPL:
        full_year = one_year_end(data.start_date)
        if data.short_term_reason:
            if data.end_date >= full_year:
                errors.setdefault("short_term_reason", []).append(
                    _("A short-term reason is recorded only for a CTPL shorter than one year.")
                )
        elif data.end_date != full_year:
            errors.setdefault("end_date", []).append(
                _(
                    "CTPL runs one year (until %(end)s) unless one of the four short-term cases applies "
                    "(Regulations Art 20): record the case."
                )
                % {"end": full_year.isoformat()}
            )
    elif data.short_term_reason:
        errors.setdefault("short_term_reason", []).append(_("Short-term cases apply to CTPL only."))


def _check_coverages(data: PolicyInput, clause_family: str, errors: dict):
    """Each coverage belongs to this policy's clauses; the plan obeys the catalog's
    rules (add-on with its main coverage, limits among the tiers, clause in effect)."""
    from chexian.catalog.services import validate_plan

    wrong_family = False
    for item in data.coverages:
        coverage = item.coverage
        if coverage.family != clause_family:
            wrong_family = True
            errors.setdefault("coverages", []).append(
                _("%(coverage)s belongs to the %(family)s, not to this policy's clauses (%(expected)s).")
                % {
                    "coverage": coverage.name,
                    "family": coverage.get_family_display(),
                    "expected": ClauseFamily(clause_family).label,
                }
            )
        if item.premium < 0 or item.premium != item.premium.quantize(CENT):
            errors.setdefault("coverages", []).append(
                _("The premium of %(coverage)s must be a non-negative amount with at most two decimals.")
                % {"coverage": coverage.name}
            )
    if wrong_family or not data.coverages:
        return
    try:
        checked = validate_plan(data.vehicle, [(c.coverage, c.limit) for c in data.coverages], data.start_date)
    except ValidationError as exc:
        errors.setdefault("coverages", []).extend(exc.messages)
        return
    for item, (_coverage, limit) in zip(data.coverages, checked, strict=True):
        item.limit = limit


@transaction.atomic
def issue_policy(*, actor, data: PolicyInput, source: str = PolicySource.DIRECT, quote=None) -> Policy:
    """Issue (or record an imported) policy after every rule of SPEC §3.3.

    The vehicle row is locked first: two issuers saving a CTPL for the same car at
    the same moment queue here, and the second sees the first one's policy. On
    PostgreSQL the exclusion constraint is the last line of defence.
    """
    vehicle = Vehicle.objects.select_for_update().get(pk=data.vehicle.pk)
    policy = prepare_policy(actor=actor, data=data, vehicle=vehicle, source=source, quote=quote)
    with audit_actor(actor):
        try:
            with transaction.atomic():
                policy.save()
        except IntegrityError:
            # The exclusion constraint (PostgreSQL) or the unique number caught a concurrent insert.
            raise ValidationError(
                {"start_date": [_("Another policy for this vehicle and period was saved at the same moment.")]}
            ) from None
        log_created(PolicyCoverage.objects.bulk_create(
            [
                PolicyCoverage(policy=policy, coverage=c.coverage, limit=c.limit, premium=c.premium,
                               deductible=c.deductible)
                for c in data.coverages
            ]
        ))
        policies_recorded.send(sender=Policy, vehicle_ids=[policy.vehicle_id], policies=[policy])
        # The quote closes with its first policy; the other line (CTPL or commercial)
        # may still be issued from it afterwards.
        if quote is not None and quote.status != QuoteStatus.ISSUED:
            from chexian.quotes.services import mark_issued  # quotes import this module

            mark_issued(actor=actor, quote=quote)
    return policy


def prepare_policy(*, actor, data: PolicyInput, vehicle: Vehicle, source: str = PolicySource.DIRECT, quote=None,
                   context: IssueContext | None = None) -> Policy:
    """Check every rule of issuing and return the policy, not yet saved.

    ``vehicle`` is the vehicle as read (locked) by the caller. ``issue_policy``
    saves the result; an import saves a chunk's results in one statement
    (``context`` then remembers each prepared policy, so the next ones are
    checked against it). Raises ValidationError naming every broken rule.
    """
    context = context or IssueContext()
    store_id = vehicle.store_id
    if not can(actor, "policy.add", store_id) and not (
        source == PolicySource.IMPORT and can(actor, "policy.import", store_id)
    ):
        raise PermissionDenied(_("Your role may not issue policies in this store."))
    issued_on = data.issued_on or timezone.localdate()
    errors: dict[str, list] = {}
    if data.policyholder.store_id != store_id:
        errors["policyholder"] = [_("The policyholder is a customer of another store.")]
    if data.line not in PolicyLine.values:
        errors["line"] = [_("Unknown policy line.")]
        raise ValidationError(errors)
    if not vehicle.plate and not vehicle.engine_no:
        errors["vehicle"] = [_("A car without a plate is insured by VIN and engine number: enter the engine number.")]
    _check_money(data, errors)
    _check_period(data, errors)
    clause_family = clause_family_for(vehicle, data.line)
    _check_coverages(data, clause_family, errors)
    # Insurer exports often carry no coverage breakdown: imported policies may come without one.
    if data.line == PolicyLine.COMMERCIAL and not data.coverages and source != PolicySource.IMPORT:
        errors.setdefault("coverages", []).append(_("A commercial policy needs at least one coverage."))

    contract = context.contract(store_id, data.insurer, issued_on)
    if contract is None:
        errors["insurer"] = [
            _("%(insurer)s has no active agency contract with this store on %(date)s: no policy can be issued.")
            % {"insurer": data.insurer, "date": issued_on.isoformat()}
        ]
    history = context.history(vehicle)
    if data.line == PolicyLine.CTPL and "end_date" not in errors:
        if clash := ctpl_clash(history, data.start_date, data.end_date):
            errors["start_date"] = [
                _(
                    "This vehicle already has a CTPL policy (%(number)s, %(start)s – %(end)s): "
                    "one per vehicle per period."
                )
                % {"number": clash.number, "start": clash.start_date, "end": clash.end_date}
            ]
    business_type = business_type_from_history(
        history, data.line, data.start_date, vehicle.purchase_date or vehicle.first_registration_date
    )
    if source != PolicySource.IMPORT:
        missing = [d for d in REQUIRED_DOCUMENTS[business_type] if d not in data.documents]
        if missing:
            errors["documents"] = [
                _("Documents to check for this business type are missing: %(docs)s.")
                % {"docs": "、".join(str(DOCUMENT_LABELS[d]) for d in missing)}
            ]
    if errors:
        raise ValidationError(errors)

    rate, base, amount = commission_for(contract, data.line, clause_family, data.premium, data.premium_without_vat)
    policy = Policy(
        store_id=store_id,
        vehicle=vehicle,
        policyholder=data.policyholder,
        insured_name=data.insured_name or data.policyholder.name,
        insurer=data.insurer,
        contract=contract,
        line=data.line,
        clause_family=clause_family,
        number=data.number.strip(),
        confirm_code=data.confirm_code,
        start_date=data.start_date,
        end_date=data.end_date,
        short_term_reason=data.short_term_reason,
        premium=data.premium,
        premium_without_vat=data.premium_without_vat,
        vat=data.vat,
        vehicle_tax=data.vehicle_tax,
        commission_rate=rate,
        commission_base_amount=base,
        commission_amount=amount,
        business_type=business_type,
        source=source,
        quote=quote,
        issued_on=issued_on,
        issuer=actor if getattr(actor, "is_authenticated", False) else None,
        salesperson=data.salesperson,
        lead_source=data.lead_source,
        payment_ref=data.payment_ref,
        payer_is_policyholder=data.payer_is_policyholder,
        blank_form_serial=data.blank_form_serial,
        documents=list(data.documents),
    )
    # The store is the locked vehicle's: no need to look it up again (no constraint names it).
    policy.full_clean(exclude=["store"], validate_constraints=not context.numbers_checked)
    context.prepared(policy)
    return policy


def expire_policies(today: dt.date | None = None) -> int:
    """Mark in-force policies whose period ended before ``today`` as expired (到期),
    each change in the audit log. Idempotent; returns how many it marked."""
    from chexian.core.bulk import set_status

    today = today or timezone.localdate()
    due = Policy.objects.filter(status=PolicyStatus.IN_FORCE, end_date__lt=today)
    return set_status(due, PolicyStatus.EXPIRED, ("insurer__short_name", "number"))


@transaction.atomic
def endorse_policy(*, actor, policy: Policy, kind: str, effective_date: dt.date, after: dict,
                   premium_change: Decimal = Decimal("0"), reason: str = "") -> Endorsement:
    """Record a 批改 and apply it: the plate of a new car, a change of owner, or
    coverages. The policy keeps the history in its endorsements."""
    from chexian.customers import services as customer_services
    from chexian.policies.choices import EndorsementKind

    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if not can(actor, "policy.change", policy.store_id):
        raise PermissionDenied(_("Your role may not endorse policies in this store."))
    if policy.status != PolicyStatus.IN_FORCE:
        raise ValidationError(_("Only a policy in force can be endorsed."))
    if not policy.start_date <= effective_date <= policy.end_date:
        raise ValidationError({"effective_date": [_("The endorsement must take effect within the policy period.")]})
    if premium_change != premium_change.quantize(CENT):
        raise ValidationError({"premium_change": [_("Money has at most two decimals (fen).")]})
    with audit_actor(actor):
        if kind == EndorsementKind.PLATE:
            before = {"plate": policy.vehicle.plate}
            customer_services.save_vehicle(actor=actor, vehicle=policy.vehicle, data={"plate": after["plate"]})
            after = {"plate": policy.vehicle.plate}
        elif kind == EndorsementKind.OWNER:
            new_owner = after["policyholder"]
            if new_owner.store_id != policy.store_id:
                raise ValidationError({"policyholder": [_("The new owner must be a customer of the same store.")]})
            before = {"policyholder": policy.policyholder_id, "insured_name": policy.insured_name}
            policy.policyholder = new_owner
            policy.insured_name = after.get("insured_name") or new_owner.name
            after = {"policyholder": new_owner.pk, "insured_name": policy.insured_name}
        elif kind == EndorsementKind.COVERAGE:
            before = {"coverages": _coverage_snapshot(policy)}
            items = after["coverages"]
            errors: dict[str, list] = {}
            _check_coverages(PolicyInput(vehicle=policy.vehicle, policyholder=policy.policyholder,
                                         insurer=policy.insurer, line=policy.line, number=policy.number,
                                         start_date=policy.start_date, end_date=policy.end_date,
                                         premium=policy.premium, premium_without_vat=policy.premium_without_vat,
                                         vat=policy.vat, coverages=items), policy.clause_family, errors)
            if errors:
                raise ValidationError(errors)
            policy.coverages.all().delete()  # one audit entry per row (deletes send signals)
            log_created(PolicyCoverage.objects.bulk_create(
                [PolicyCoverage(policy=policy, coverage=c.coverage, limit=c.limit, premium=c.premium,
                                deductible=c.deductible) for c in items]
            ))
            after = {"coverages": _coverage_snapshot(policy)}
        else:
            before = {}
        if premium_change:
            policy.premium += premium_change
            # The endorsement premium is VAT-inclusive; the split follows the policy's own ratio.
            old_premium = policy.premium - premium_change
            ratio = policy.premium_without_vat / old_premium if old_premium else Decimal(1)
            policy.premium_without_vat = (policy.premium * ratio).quantize(CENT, rounding=ROUND_HALF_UP)
            policy.vat = policy.premium - policy.premium_without_vat
            _rate, base, amount = commission_for(policy.contract, policy.line, policy.clause_family,
                                             policy.premium, policy.premium_without_vat)
            policy.commission_base_amount, policy.commission_amount = base, amount
            if policy.premium < 0:
                raise ValidationError({"premium_change": [_("The premium cannot become negative.")]})
        policy.save()
        return Endorsement.objects.create(
            policy=policy, kind=kind, effective_date=effective_date, before=before, after=after,
            premium_change=premium_change, reason=reason, created_by=actor,
        )


def _coverage_snapshot(policy):
    return [
        {
            "coverage": c.coverage.code,
            "limit": str(c.limit) if c.limit is not None else None,
            "premium": str(c.premium),
        }
        for c in policy.coverages.select_related("coverage").order_by("coverage__sort_order")
    ]


@transaction.atomic
def cancel_policy(*, actor, policy: Policy, reason: str, effective_date: dt.date, refund_amount: Decimal,
                  note: str = "") -> Cancellation:
    """退保: CTPL only when the vehicle is deregistered, laid up or reported lost
    (Regulations Art 16); the refund is recorded and the commission on it clawed back."""
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if not can(actor, "policy.cancel", policy.store_id):
        raise PermissionDenied(_("Your role may not cancel policies in this store."))
    errors: dict[str, list] = {}
    if policy.status != PolicyStatus.IN_FORCE:
        errors["policy"] = [_("Only a policy in force can be cancelled.")]
    if policy.line == PolicyLine.CTPL and reason not in CTPL_CANCELLATION_REASONS:
        errors["reason"] = [
            _("CTPL can be cancelled only when the vehicle is deregistered, laid up or reported lost (Art 16).")
        ]
    if refund_amount < 0 or refund_amount > policy.premium or refund_amount != refund_amount.quantize(CENT):
        errors["refund_amount"] = [_("The refund must be between 0 and the premium, in fen.")]
    if not policy.start_date <= effective_date <= policy.end_date:
        errors["effective_date"] = [_("The cancellation must take effect within the policy period.")]
    if errors:
        raise ValidationError(errors)
    clawback = (
        (policy.commission_amount * refund_amount / policy.premium).quantize(CENT, rounding=ROUND_HALF_UP)
        if policy.premium
        else Decimal("0")
    )
    with audit_actor(actor):
        policy.status = PolicyStatus.CANCELLED
        policy.save()
        return Cancellation.objects.create(
            policy=policy, reason=reason, effective_date=effective_date, refund_amount=refund_amount,
            commission_clawback=clawback, note=note, created_by=actor,
        )
