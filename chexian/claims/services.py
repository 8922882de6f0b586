"""Claim workflows (SPEC §3.6, seed-002 §4.3): the one place that moves a case.

``STEP_FIELDS`` says what each step records and ``_check_step`` what it needs
before the case may leave it; ``advance_claim`` completes the current step of
the six steps the adjuster works by hand (report … filing). The handover, the
old-parts record and the insurer's payment move cases through their own
services (``hand_over``, ``record_old_parts``, ``apply_payment``), because they
are done for several cases at once or by money arriving. ``go_back`` and
``return_by_insurer`` are the only ways backwards, each with a reason. Every
move locks the case row, writes a ``ClaimTransition`` and an audit entry.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chexian.claims.choices import (
    BEFORE_HANDOVER,
    ORDER,
    PAYOUT_SIGNERS,
    WITH_INSURER,
    DocumentKind,
    OldPartsOutcome,
    PayoutStatus,
    Step,
    tier_of,
)
from chexian.claims.models import (
    ZERO,
    ClaimCase,
    ClaimTransition,
    HandoverBatch,
    HandoverItem,
    OldPartsHandover,
    PayoutSignature,
    ThirdPartyPayout,
)
from chexian.core.audit import audit_actor
from chexian.org.models import Store
from chexian.org.permissions import can, holds_role

# What each hand-worked step records (the form of the step shows these fields).
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    Step.REPORT: ("report_no", "claim_type", "coverage", "accident_at", "accident_place", "accident_description",
                  "documents_received"),
    Step.ASSESSMENT: ("assessed_amount", "assessed_on", "assessor"),
    Step.REPAIR: ("repair_order_no", "quality_checked_by", "quality_checked_on"),
    Step.SETTLEMENT: ("settlement_amount", "insurer_amount", "third_party_amount"),
    Step.SIGNING: ("invoice_no", "signed_on"),
    Step.FILING: (),
}
# How the steps that are not completed on the case page are completed.
DONE_ELSEWHERE = {
    Step.HANDOVER: gettext_lazy("A case is handed over in a handover batch with the insurer's signature."),
    Step.OLD_PARTS: gettext_lazy("Record the old parts handover or their destruction."),
    Step.PAYMENT: gettext_lazy("The insurer's payment completes this step when its remittance is matched to the "
                               "case."),
    Step.PAYOUT: gettext_lazy("This step ends when every third-party payout is paid."),
}
OPEN_STEPS = [step for step in ORDER if step != Step.CLOSED]


class ClaimStepError(ValidationError):
    """A move the workflow does not allow; the message says why."""


def _now():
    return timezone.now()


def _require(actor, action: str, store_id: int, message: str):
    if not can(actor, action, store_id):
        raise PermissionDenied(message)


def _lock(case: ClaimCase) -> ClaimCase:
    # Two people moving the same case (or a payment arriving while it moves) must not both succeed.
    return ClaimCase.objects.select_for_update().select_related("store", "insurer", "vehicle").get(pk=case.pk)


def _lock_to_work(case: ClaimCase, actor) -> ClaimCase:
    """The case, locked, for an actor who may work claims in its store (else PermissionDenied)."""
    case = _lock(case)
    _require(actor, "claim.work", case.store_id, _("Your role may not work claim cases in this store."))
    return case


def _move(case: ClaimCase, to_step: str, *, actor, reason: str = "", backwards: bool = False,
          by_insurer: bool = False, data: dict | None = None):
    ClaimTransition.objects.create(case=case, from_step=case.step, to_step=to_step, backwards=backwards,
                                   by_insurer=by_insurer, reason=reason, data=data or {}, by=actor, at=_now())
    case.step = to_step
    case.step_since = _now()
    if to_step == Step.CLOSED:
        case.closed_at = case.step_since


def _save(case: ClaimCase, actor):
    case.full_clean()
    with audit_actor(actor):
        case.save()


# ---------------------------------------------------------------- opening
def _next_number(store: Store, prefix: str, model, year: int) -> str:
    # The store row lock serialises numbering within the store (as for archive numbers).
    Store.objects.select_for_update().filter(pk=store.pk).first()
    stem = f"{store.code}-{prefix}{year}-"
    taken = model.objects.filter(number__startswith=stem).count()
    return f"{stem}{taken + 1:05d}"


def policy_in_force(vehicle, insurer, on: dt.date):
    """The store's uncancelled policy of this vehicle with this insurer covering ``on`` (commercial first)."""
    from chexian.policies.choices import PolicyLine, PolicyStatus
    from chexian.policies.models import Policy

    return (Policy.objects.filter(vehicle=vehicle, insurer=insurer, start_date__lte=on, end_date__gte=on,
                                  line__in=[PolicyLine.COMMERCIAL, PolicyLine.CTPL])
            .exclude(status=PolicyStatus.CANCELLED).order_by("line").first())


@transaction.atomic
def open_claim(*, actor, store: Store, data: dict) -> ClaimCase:
    """Step 1 starts: a car arrives after an accident and the customer reports it.

    The policy in force at the store is found from the vehicle, the insurer and
    the accident date; a car insured elsewhere is still a case — and an
    "insure with us next time" intention customer for the desk."""
    _require(actor, "claim.add", store.pk, _("Your role may not open claim cases in this store."))
    vehicle = data["vehicle"]
    if vehicle.store_id != store.pk:
        raise ValidationError({"vehicle": [_("The vehicle belongs to another store.")]})
    case = ClaimCase(store=store, vehicle=vehicle, customer_id=vehicle.owner_id, created_by=actor,
                     adjuster=data.get("adjuster") or _adjuster_for(actor, store), step=Step.REPORT,
                     step_since=_now())
    for name in (*STEP_FIELDS[Step.REPORT], "insurer"):
        if name in data:
            setattr(case, name, data[name])
    case.documents_received = sorted(set(case.documents_received or []))
    if case.accident_at and case.insurer_id:
        case.policy = policy_in_force(vehicle, case.insurer, timezone.localtime(case.accident_at).date())
    case.insured_here = case.policy is not None
    case.number = _next_number(store, "LP", ClaimCase, timezone.localdate().year)
    _save(case, actor)
    ClaimTransition.objects.create(case=case, from_step="", to_step=Step.REPORT, by=actor, at=case.step_since)
    if not case.insured_here:
        _lead_for_next_time(actor, case)
    return case


def _adjuster_for(actor, store: Store):
    """The actor when they work claims; else (an issuer receiving the car) the store's first adjuster."""
    from django.contrib.auth import get_user_model

    from chexian.org.choices import Role

    if can(actor, "claim.work", store.pk):
        return actor
    adjuster = (get_user_model().objects.filter(is_active=True, staff_roles__store=store,
                                                staff_roles__role=Role.ADJUSTER).order_by("pk").first())
    return adjuster or actor


def _lead_for_next_time(actor, case: ClaimCase):
    """A car insured elsewhere came to us for repair: the desk should win its next policy."""
    from chexian.leads.choices import LeadSource
    from chexian.leads.services import capture_lead

    owner = case.customer
    if not owner.mobile or not can(actor, "lead.add", case.store_id):
        return None
    return capture_lead(actor=actor, store=case.store, data={
        "name": owner.name, "mobile": owner.mobile, "plate": case.vehicle.plate, "source": LeadSource.CLAIM,
        "note": _("Repaired here after an accident (claim %(number)s), insured with %(insurer)s: offer to insure "
                  "with us next time.") % {"number": case.number, "insurer": case.insurer.short_name},
    })


# ---------------------------------------------------------------- forward, by hand
def _check_step(case: ClaimCase) -> None:
    """Everything the current step must have before the case leaves it (seed-002 §4.3)."""
    errors: dict[str, list[str]] = {}

    def need(field, message):
        if getattr(case, field) in (None, ""):
            errors.setdefault(field, []).append(message)

    if case.step == Step.REPORT:
        need("report_no", _("The insurer's report number is needed."))
        need("accident_place", _("Where did the accident happen?"))
        need("accident_description", _("Describe what happened."))
        missing = case.missing_documents
        if missing:
            errors["documents_received"] = [_("Documents still missing for a %(type)s claim: %(docs)s.") % {
                "type": case.get_claim_type_display(),
                "docs": "、".join(str(DocumentKind(kind).label) for kind in missing)}]
    elif case.step == Step.ASSESSMENT:
        need("assessed_amount", _("The assessed amount (定损金额) is needed."))
        need("assessed_on", _("The assessment date is needed."))
        if case.assessed_amount is not None and case.assessed_amount <= ZERO:
            errors.setdefault("assessed_amount", []).append(_("The assessed amount must be more than zero."))
        if not case.documents.filter(kind=DocumentKind.PHOTO).exists():
            errors["__all__"] = [_("Upload at least one photo of the damage before the assessment is complete.")]
    elif case.step == Step.REPAIR:
        need("repair_order_no", _("The repair order number (派工单号) is needed."))
        need("quality_checked_by", _("Who passed the quality check?"))
        need("quality_checked_on", _("When did the car pass the quality check?"))
    elif case.step == Step.SETTLEMENT:
        need("settlement_amount", _("The settlement amount is needed."))
        need("insurer_amount", _("How much is due from the insurer?"))
        if case.settlement_amount is not None and case.settlement_amount <= ZERO:
            errors.setdefault("settlement_amount", []).append(_("The settlement amount must be more than zero."))
    elif case.step == Step.SIGNING:
        need("invoice_no", _("The invoice number is needed."))
        need("signed_on", _("When was the settlement signed?"))
    if errors:
        raise ClaimStepError(errors)


@transaction.atomic
def advance_claim(*, actor, case: ClaimCase, data: dict | None = None) -> ClaimCase:
    """Record the current step's data and complete it: the case moves to the next step.

    Only the six hand-worked steps complete here; a step's data is checked
    before it is left, so no step is ever skipped."""
    case = _lock_to_work(case, actor)
    if case.step not in STEP_FIELDS:
        raise ClaimStepError(DONE_ELSEWHERE.get(case.step) or _("This case is closed."))
    data = dict(data or {})
    unknown = set(data) - set(STEP_FIELDS[case.step])
    if unknown:
        raise ClaimStepError(_("%(fields)s cannot be changed at step %(step)s.") % {
            "fields": ", ".join(sorted(unknown)), "step": case.get_step_display()})
    for name, value in data.items():
        setattr(case, name, value)
    if "documents_received" in data:
        case.documents_received = sorted(set(case.documents_received or []))
    case.full_clean()
    _check_step(case)
    recorded = {name: str(getattr(case, name)) for name in STEP_FIELDS[case.step]}
    if case.step == Step.FILING:
        case.tier = tier_of(case.settlement_amount)
        recorded = {"tier": case.tier}
    _move(case, ORDER[ORDER.index(case.step) + 1], actor=actor, data=recorded)
    _save(case, actor)
    return case


@transaction.atomic
def update_claim(*, actor, case: ClaimCase, data: dict) -> ClaimCase:
    """Save the current step's data without completing it (a draft of the step)."""
    case = _lock_to_work(case, actor)
    allowed = set(STEP_FIELDS.get(case.step, ()))
    unknown = set(data) - allowed
    if unknown:
        raise ClaimStepError(_("%(fields)s cannot be changed at step %(step)s.") % {
            "fields": ", ".join(sorted(unknown)), "step": case.get_step_display()})
    for name, value in data.items():
        setattr(case, name, value)
    if "documents_received" in data:
        case.documents_received = sorted(set(case.documents_received or []))
    _save(case, actor)
    return case


# ---------------------------------------------------------------- backwards
def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ClaimStepError({"reason": [_("Going back needs a reason.")]})
    return reason[:300]


@transaction.atomic
def go_back(*, actor, case: ClaimCase, to_step: str, reason: str) -> ClaimCase:
    """Back to an earlier step before the handover, with a reason (a wrong assessment, a failed check…)."""
    case = _lock_to_work(case, actor)
    reason = _reason(reason)
    if case.step not in (*BEFORE_HANDOVER, Step.HANDOVER):
        raise ClaimStepError(_("After the handover only the insurer returns a case (核赔退回)."))
    if to_step not in BEFORE_HANDOVER or ORDER.index(to_step) >= ORDER.index(case.step):
        raise ClaimStepError({"to_step": [_("Choose an earlier step.")]})
    case.tier = ""  # set again when the case is filed
    _move(case, to_step, actor=actor, reason=reason, backwards=True)
    _save(case, actor)
    return case


@transaction.atomic
def return_by_insurer(*, actor, case: ClaimCase, reason: str, to_step: str = Step.FILING) -> ClaimCase:
    """核赔退回: the insurer sends a handed-over case back with its reason; the adjuster
    fixes it from ``to_step`` (filing by default) and hands it over again."""
    case = _lock_to_work(case, actor)
    reason = _reason(reason)
    if case.step not in WITH_INSURER:
        raise ClaimStepError(_("Only a case handed over to the insurer can be returned by it."))
    if to_step not in BEFORE_HANDOVER:
        raise ClaimStepError({"to_step": [_("A returned case goes back to a step before the handover.")]})
    case.handover_batch = None
    case.handed_over_on = None
    case.payment_due_on = None
    case.tier = ""  # the old parts record stays: the parts left the store with the first handover
    case.returned_count += 1
    _move(case, to_step, actor=actor, reason=reason, backwards=True, by_insurer=True)
    _save(case, actor)
    return case


@transaction.atomic
def withdraw_claim(*, actor, case: ClaimCase, reason: str) -> ClaimCase:
    """撤案: the customer withdraws the claim before the handover."""
    case = _lock_to_work(case, actor)
    reason = _reason(reason)
    if case.step not in BEFORE_HANDOVER or case.paid_amount:
        raise ClaimStepError(_("Only a case not yet handed over can be withdrawn."))
    _move(case, Step.WITHDRAWN, actor=actor, reason=reason)
    case.closed_at = case.step_since
    _save(case, actor)
    return case


# ---------------------------------------------------------------- step 7: handover batches
def _lock_cases(cases, store: Store, insurer, step: str, none_chosen: str, wrong: str) -> list[ClaimCase]:
    """Lock the chosen cases (in id order: two batches at once cannot deadlock) and check each is
    of this store and insurer and at ``step``; else refuse, naming the cases that are not."""
    ids = sorted({case.pk for case in cases})
    if not ids:
        raise ValidationError({"cases": [none_chosen]})
    locked = list(ClaimCase.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    problems = [case.number for case in locked
                if case.store_id != store.pk or case.insurer_id != insurer.pk or case.step != step]
    if problems or len(locked) != len(ids):
        raise ValidationError({"cases": [wrong % {"cases": ", ".join(problems) or "?"}]})
    return locked

@transaction.atomic
def hand_over(*, actor, store: Store, insurer, cases, handed_over_on: dt.date, received_by: str) -> HandoverBatch:
    """Hand filed cases to the insurer in one batch; the list is printed and signed by both sides."""
    _require(actor, "claim.work", store.pk, _("Your role may not hand over claim cases in this store."))
    received_by = (received_by or "").strip()
    if not received_by:
        raise ValidationError({"received_by": [_("Who at the insurer received the cases?")]})
    locked = _lock_cases(cases, store, insurer, Step.HANDOVER, _("Choose the cases to hand over."),
                         _("Only filed cases of this store and insurer can be handed over: %(cases)s."))
    batch = HandoverBatch(store=store, insurer=insurer, handed_over_on=handed_over_on, received_by=received_by,
                          created_by=actor, total_amount=sum((c.insurer_amount or ZERO for c in locked), ZERO),
                          number=_next_number(store, "JJ", HandoverBatch, handed_over_on.year))
    batch.full_clean()
    with audit_actor(actor):
        batch.save()
    HandoverItem.objects.bulk_create([HandoverItem(batch=batch, case=c, amount=c.insurer_amount, tier=c.tier,
                                              settlement_amount=c.settlement_amount) for c in locked])
    days = _promised_days(store, insurer, handed_over_on)
    for case in locked:
        case.handover_batch = batch
        case.handed_over_on = handed_over_on
        case.payment_due_on = handed_over_on + dt.timedelta(days=days)
        _move(case, Step.OLD_PARTS, actor=actor, data={"batch": batch.number})
        if case.old_parts_id:  # handed over again after a return: its old parts were recorded the first time
            _move(case, Step.PAYMENT, actor=actor, data={"old_parts": "recorded before"})
            _finish_if_paid(case, actor)
        _save(case, actor)
    return batch


def _promised_days(store, insurer, on: dt.date) -> int:
    """The contract's promised claim-payment days, else a month (seed-002 §4.3 step 10)."""
    from chexian.claims.choices import OVERDUE_DAYS
    from chexian.insurers.services import contract_in_force

    contract = contract_in_force(store, insurer, on)
    return min(contract.claim_payment_days, OVERDUE_DAYS) if contract else OVERDUE_DAYS


# ---------------------------------------------------------------- step 8: old parts
@transaction.atomic
def record_old_parts(*, actor, store: Store, insurer, cases, outcome: str, done_on: dt.date,
                     signed_by_store: str, signed_by_insurer: str = "", note: str = "") -> OldPartsHandover:
    """Old parts of handed-over cases given to the insurer (signed by both), destroyed, or none."""
    _require(actor, "claim.work", store.pk, _("Your role may not record old parts in this store."))
    locked = _lock_cases(cases, store, insurer, Step.OLD_PARTS, _("Choose the cases whose old parts these are."),
                         _("Only handed-over cases of this store and insurer waiting for their old parts: "
                           "%(cases)s."))
    record = OldPartsHandover(store=store, insurer=insurer, outcome=outcome, done_on=done_on, created_by=actor,
                              signed_by_store=(signed_by_store or "").strip(),
                              signed_by_insurer=(signed_by_insurer or "").strip(), note=note)
    if outcome not in OldPartsOutcome.values:
        raise ValidationError({"outcome": [_("Unknown outcome.")]})
    record.full_clean()
    with audit_actor(actor):
        record.save()
    for case in locked:
        case.old_parts = record
        _move(case, Step.PAYMENT, actor=actor, data={"old_parts": outcome})
        _finish_if_paid(case, actor)
        _save(case, actor)
    return record


# ---------------------------------------------------------------- step 9: the insurer's money
def apply_payment(*, actor, case_id: int, amount: Decimal, on: dt.date) -> ClaimCase:
    """Add ``amount`` of an insurer remittance to a case (negative to take it back).

    Called by the remittance matching inside its transaction. The case row is
    locked, so two matchings at once cannot pay a case twice: what is paid never
    exceeds what is due (also a database constraint)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("apply_payment runs inside the matching's transaction")
    case = ClaimCase.objects.select_for_update().get(pk=case_id)
    if case.step == Step.WITHDRAWN or case.insurer_amount is None:
        raise ValidationError(_("Case %(number)s has no amount due from the insurer yet.") % {"number": case.number})
    paid = case.paid_amount + amount
    if paid > case.insurer_amount:
        raise ValidationError(_("Case %(number)s would be paid ¥%(paid)s of ¥%(due)s due: a case is never paid "
                                "twice.") % {"number": case.number, "paid": paid, "due": case.insurer_amount})
    if paid < ZERO or (amount < ZERO and case.step in (Step.PAYOUT, Step.CLOSED)):
        raise ValidationError(_("The payment of case %(number)s cannot be taken back any more.")
                              % {"number": case.number})
    case.paid_amount = paid
    case.paid_on = on if paid == case.insurer_amount else None
    _finish_if_paid(case, actor)
    _save(case, actor)
    return case


def _finish_if_paid(case: ClaimCase, actor):
    """Step 9 ends when the case is paid in full; then step 11 if money is owed on, else closed."""
    if case.step != Step.PAYMENT or case.insurer_amount is None or case.paid_amount < case.insurer_amount:
        return
    if case.third_party_amount > ZERO:
        _move(case, Step.PAYOUT, actor=actor, data={"paid": str(case.paid_amount)})
    else:
        _move(case, Step.CLOSED, actor=actor, data={"paid": str(case.paid_amount)})


# ---------------------------------------------------------------- step 11: third-party payouts
_UNIONPAY_CARD = re.compile(r"^62\d{14,17}$")


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def validate_bank_account(value: str) -> str:
    """A Chinese bank account: 8–30 digits; a UnionPay card number (62…, 16–19 digits) passes the Luhn check."""
    account = re.sub(r"[\s-]", "", value or "")
    if not account.isdigit() or not 8 <= len(account) <= 30:
        raise ValidationError(_("A bank account number has 8 to 30 digits."), code="bank_account_format")
    if _UNIONPAY_CARD.match(account) and not luhn_ok(account):
        raise ValidationError(_("This UnionPay card number fails its check digit (Luhn): a digit is wrong."),
                              code="bank_account_check")
    return account


def _same_name(a: str, b: str) -> bool:
    return re.sub(r"\s", "", a or "") == re.sub(r"\s", "", b or "")


@transaction.atomic
def request_payout(*, actor, case: ClaimCase, data: dict) -> ThirdPartyPayout:
    """The adjuster prints the payout form (三者回款单) once the insurer has paid the case."""
    case = _lock(case)
    _require(actor, "claim.work", case.store_id, _("Your role may not request payouts in this store."))
    if case.step != Step.PAYOUT:
        raise ClaimStepError(_("A payout is requested once the insurer has paid the case in full."))
    errors = {}
    try:
        account = validate_bank_account(data.get("account_number", ""))
    except ValidationError as exc:
        errors["account_number"] = exc.error_list
    if not _same_name(data.get("account_name", ""), data.get("payee_name", "")):
        errors["account_name"] = [_("The account holder must be the payee: the bank refuses a transfer to another "
                                    "name.")]
    amount = data.get("amount") or ZERO
    requested = case.payouts.aggregate(total=Sum("amount"))["total"] or ZERO
    if amount <= ZERO or requested + amount > case.third_party_amount:
        errors["amount"] = [_("At most ¥%(left)s of the case's third-party money is left to pay out.")
                            % {"left": case.third_party_amount - requested}]
    if errors:
        raise ValidationError(errors)
    payout = ThirdPartyPayout(case=case, payee_kind=data["payee_kind"], payee_name=data["payee_name"].strip(),
                              bank_name=data["bank_name"], account_name=data["account_name"].strip(), amount=amount,
                              created_by=actor)
    payout.account_number = account
    payout.full_clean()
    with audit_actor(actor):
        payout.save()
    return payout


def next_signer(payout: ThirdPartyPayout) -> str | None:
    count = payout.signatures.count()
    return PAYOUT_SIGNERS[count] if count < len(PAYOUT_SIGNERS) else None


def _lock_payout(payout: ThirdPartyPayout) -> ThirdPartyPayout:
    return ThirdPartyPayout.objects.select_for_update().select_related("case").get(pk=payout.pk)


@transaction.atomic
def sign_payout(*, actor, payout: ThirdPartyPayout, role: str) -> ThirdPartyPayout:
    """One signature, as ``role``: the five sign in the seed's order, each person once."""
    from chexian.org.choices import Role

    payout = _lock_payout(payout)
    if payout.status != PayoutStatus.SIGNING:
        raise ClaimStepError(_("The payout form already has its five signatures."))
    signed = {s.role: s for s in payout.signatures.all()}
    if role in signed:
        raise ClaimStepError(_("The %(role)s has already signed this payout.") % {"role": Role(role).label})
    expected = PAYOUT_SIGNERS[len(signed)]
    if role != expected:
        raise ClaimStepError(_("Out of order: the %(expected)s signs before the %(role)s.")
                             % {"expected": Role(expected).label, "role": Role(role).label if role in Role.values
                                else role})
    if not holds_role(actor, role, payout.case.store_id):
        raise PermissionDenied(_("Only a %(role)s of this store signs here.") % {"role": Role(role).label})
    if any(s.user_id == actor.pk for s in signed.values()):
        raise ClaimStepError(_("You have already signed this payout in another position: five different people "
                               "sign."))
    with audit_actor(actor):
        PayoutSignature.objects.create(payout=payout, position=len(signed) + 1, role=role, user=actor,
                                       signed_at=_now())
    if len(signed) + 1 == len(PAYOUT_SIGNERS):
        payout.status = PayoutStatus.APPROVED
        with audit_actor(actor):
            payout.save()
    return payout


@transaction.atomic
def confirm_payee(*, actor, payout: ThirdPartyPayout, on: dt.date) -> ThirdPartyPayout:
    """The payee signed the receipt (三者收条) — needed before finance pays."""
    payout = _lock_payout(payout)
    _require(actor, "payout.pay", payout.case.store_id, _("Only finance records the payee's receipt."))
    if payout.status != PayoutStatus.APPROVED:
        raise ClaimStepError(_("The payee confirms once the form has its five signatures."))
    payout.status = PayoutStatus.CONFIRMED
    payout.payee_confirmed_on = on
    with audit_actor(actor):
        payout.save()
    return payout


@transaction.atomic
def pay_payout(*, actor, payout: ThirdPartyPayout, on: dt.date, bank_reference: str) -> ThirdPartyPayout:
    """Finance transfers the money; when every payout of the case is paid the case closes."""
    payout = _lock_payout(payout)
    _require(actor, "payout.pay", payout.case.store_id, _("Only finance pays a payout."))
    if payout.status != PayoutStatus.CONFIRMED:
        raise ClaimStepError(_("Finance pays after the five signatures and the payee's signed receipt."))
    if not (bank_reference or "").strip():
        raise ValidationError({"bank_reference": [_("The bank transfer reference is needed.")]})
    payout.status = PayoutStatus.PAID
    payout.paid_on = on
    payout.paid_by = actor
    payout.bank_reference = bank_reference.strip()
    with audit_actor(actor):
        payout.save()
    case = _lock(payout.case)
    paid = case.payouts.filter(status=PayoutStatus.PAID).aggregate(total=Sum("amount"))["total"] or ZERO
    if case.step == Step.PAYOUT and paid >= case.third_party_amount:
        _move(case, Step.CLOSED, actor=actor, data={"paid_out": str(paid)})
        _save(case, actor)
    return payout
