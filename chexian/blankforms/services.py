"""Workflows of the blank-form register: the one place that moves a form.

``TRANSITIONS`` is the state machine. Every move locks the forms it changes
(``select_for_update``, in primary-key order so two bulk moves never deadlock):
two people using the same serial at the same moment queue on the row, and the
second sees it used and is refused. Each changed form gets an audit entry and a
``FormMovement`` row.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chexian.blankforms.choices import KIND_FOR_LINE, FormKind, FormStatus, MismatchReason, Move
from chexian.blankforms.models import MAX_BATCH, BlankForm, FormBatch, FormMovement, SerialMismatch, format_serial
from chexian.core.audit import log_created, log_updated
from chexian.org.permissions import can

S = FormStatus

# move -> (statuses it may start from, status it ends in)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Move.ISSUE: (frozenset({S.IN_STOCK}), S.ISSUED),
    Move.USE: (frozenset({S.ISSUED}), S.USED),
    Move.VOID: (frozenset({S.ISSUED, S.USED}), S.VOIDED),
    Move.RETURN: (frozenset({S.IN_STOCK, S.ISSUED}), S.RETURNED),
    Move.LOSE: (frozenset({S.IN_STOCK, S.ISSUED}), S.LOST),
}
# Who may make each move (matrix action), checked in the form's store.
MOVE_ACTION = {Move.ISSUE: "blankform.manage", Move.USE: "blankform.use", Move.VOID: "blankform.use",
               Move.RETURN: "blankform.manage", Move.LOSE: "blankform.manage"}


def _require(actor, action: str, store_id: int):
    if actor is not None and not can(actor, action, store_id):
        raise PermissionDenied(_("Your role may not do this in this store."))


# ------------------------------------------------------------------ receiving
@transaction.atomic
def receive_range(*, actor, store, insurer, kind: str, prefix: str, first_number: int, last_number: int,
                  received_on, digits: int = 8) -> FormBatch:
    """Register a serial range received from an insurer: one form per serial, in stock."""
    _require(actor, "blankform.manage", store.pk)
    prefix = (prefix or "").strip().upper()
    if last_number < first_number:
        raise ValidationError({"last_number": _("The last number cannot be before the first.")}, code="order")
    count = last_number - first_number + 1
    if count > MAX_BATCH:
        raise ValidationError({"last_number": _("A batch holds at most %(max)s forms; this range has %(count)s.")
                               % {"max": MAX_BATCH, "count": count}}, code="too_many")
    if len(str(last_number)) > digits:
        raise ValidationError({"digits": _("%(number)s does not fit in %(digits)s digits.")
                               % {"number": last_number, "digits": digits}}, code="digits")
    batch = FormBatch(store=store, insurer=insurer, kind=kind, prefix=prefix, first_number=first_number,
                      last_number=last_number, digits=digits, received_on=received_on, received_by=actor)
    batch.full_clean()
    # Serials are unique per kind across the whole register, every store: the same prefix and
    # overlapping numbers are refused, whoever received them.
    overlap = (FormBatch.objects.filter(kind=kind, prefix=prefix, first_number__lte=last_number,
                                        last_number__gte=first_number).order_by("first_number").first())
    if overlap is not None:
        raise ValidationError(
            _("Serials %(first)s–%(last)s overlap the range %(other_first)s–%(other_last)s already received "
              "on %(day)s.") % {"first": batch.first_serial, "last": batch.last_serial,
                                "other_first": overlap.first_serial, "other_last": overlap.last_serial,
                                "day": overlap.received_on},
            code="overlap")
    try:
        with transaction.atomic():
            batch.save()
            forms = BlankForm.objects.bulk_create(
                BlankForm(store=store, batch=batch, kind=kind, number=n, serial=format_serial(prefix, n, digits),
                          updated_by=actor)
                for n in range(first_number, last_number + 1))
    except IntegrityError:
        # A concurrent receipt of an overlapping range won the unique constraint.
        raise ValidationError(_("Serials %(first)s–%(last)s overlap a range received at the same moment.")
                              % {"first": batch.first_serial, "last": batch.last_serial}, code="overlap") from None
    if not all(f.pk for f in forms):  # backends that do not return keys from bulk_create
        forms = list(batch.forms.all())
    log_created(forms, actor=actor)
    now = timezone.now()
    FormMovement.objects.bulk_create(
        FormMovement(store=store, form=f, move=Move.RECEIVE, to_status=S.IN_STOCK, actor=actor, at=now)
        for f in forms)
    return batch


# ------------------------------------------------------------------ finding serials
def find_form(*, store, kind: str, serial: str, lock: bool = False) -> BlankForm:
    """The store's form of this kind and serial; a ValidationError naming the serial otherwise."""
    serial = (serial or "").strip().upper()
    queryset = BlankForm.objects.filter(store=store, kind=kind, serial=serial)
    form = (queryset.select_for_update() if lock else queryset).first()
    if form is None:
        raise ValidationError(_("Serial %(serial)s is not in any range this store received.") % {"serial": serial},
                              code="unknown_serial")
    return form


def _range(*, store, kind: str, first_serial: str, last_serial: str = "") -> list[BlankForm]:
    """The forms from one serial to another of the same batch, locked."""
    first = find_form(store=store, kind=kind, serial=first_serial)
    last = find_form(store=store, kind=kind, serial=last_serial) if last_serial else first
    if first.batch_id != last.batch_id:
        raise ValidationError(_("%(first)s and %(last)s are not in the same received range.")
                              % {"first": first.serial, "last": last.serial}, code="two_batches")
    if last.number < first.number:
        raise ValidationError(_("%(last)s comes before %(first)s.") % {"first": first.serial, "last": last.serial},
                              code="order")
    return _locked(BlankForm.objects.filter(batch_id=first.batch_id, number__gte=first.number,
                                            number__lte=last.number))


def _locked(queryset) -> list[BlankForm]:
    # Locked in primary-key order: two moves over overlapping ranges queue instead of deadlocking.
    # of=self: the holder is an outer join, which PostgreSQL cannot lock (and need not).
    return list(queryset.select_for_update(of=("self",)).select_related("holder").order_by("pk"))


# ------------------------------------------------------------------ the state machine
def _apply(*, actor, forms: list[BlankForm], move: str, holder=None, policy=None, reason: str = "") -> list[BlankForm]:
    """Move locked forms by the table; refuse the whole move if one form may not make it."""
    allowed, target = TRANSITIONS[move]
    for store_id in {f.store_id for f in forms}:
        _require(actor, MOVE_ACTION[move], store_id)
    refused = [f for f in forms if f.status not in allowed]
    if refused:
        raise ValidationError(
            _("%(serials)s cannot be %(move)s: %(status)s.") % {
                "serials": ", ".join(f.serial for f in refused[:10]) + ("…" if len(refused) > 10 else ""),
                "move": Move(move).label.lower(), "status": refused[0].get_status_display().lower()},
            code="bad_transition")
    now = timezone.now()
    groups: dict[tuple, list[BlankForm]] = defaultdict(list)
    movements = []
    for form in forms:
        before = (form.status, form.holder_id)
        accountable = holder if move == Move.ISSUE else form.holder
        form.status = target
        if move == Move.ISSUE:
            form.holder = holder
        if policy is not None:
            form.policy = policy
        if reason:
            form.reason = reason
        if move == Move.VOID:
            form.original_kept = True
        form.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        form.updated_at = now
        groups[before].append(form)
        movements.append(FormMovement(store_id=form.store_id, form=form, move=move, from_status=before[0],
                                      to_status=target, holder=accountable, actor=form.updated_by, at=now,
                                      reason=reason))
    BlankForm.objects.bulk_update(forms, ["status", "holder", "policy", "reason", "original_kept", "updated_by",
                                          "updated_at"])
    for (status, holder_id), group in groups.items():
        sample = group[0]
        log_updated(BlankForm, [(f.pk, f.store_id, f.serial) for f in group],
                    before={"status": status, "holder": holder_id},
                    after={"status": target, "holder": sample.holder_id, "policy": sample.policy_id,
                           "reason": reason}, actor=actor)
    FormMovement.objects.bulk_create(movements)
    return forms


def _check_holder(store, holder):
    if holder is None or not can(holder, "blankform.use", store.pk):
        raise ValidationError({"holder": _("Forms are issued to a person of the store who may use them.")},
                              code="holder")


@transaction.atomic
def issue_range(*, actor, store, kind: str, first_serial: str, last_serial: str = "", holder) -> list[BlankForm]:
    """Hand a run of forms (or one) from stock to a person, who then answers for them."""
    _check_holder(store, holder)
    forms = _range(store=store, kind=kind, first_serial=first_serial, last_serial=last_serial)
    return _apply(actor=actor, forms=forms, move=Move.ISSUE, holder=holder)


@transaction.atomic
def issue(*, actor, form: BlankForm, holder) -> BlankForm:
    _check_holder(form.store, holder)
    [locked] = _locked(BlankForm.objects.filter(pk=form.pk))
    return _apply(actor=actor, forms=[locked], move=Move.ISSUE, holder=holder)[0]


@transaction.atomic
def use(*, actor, form: BlankForm, policy) -> BlankForm:
    """The holder prints a policy on the form."""
    [locked] = _locked(BlankForm.objects.filter(pk=form.pk))
    if locked.status == S.USED:
        raise ValidationError(_("Serial %(serial)s is already used by policy %(policy)s.")
                              % {"serial": locked.serial, "policy": locked.policy}, code="used_twice")
    if locked.holder_id != getattr(actor, "pk", None):
        raise ValidationError(_("Serial %(serial)s is not held by you.") % {"serial": locked.serial},
                              code="not_holder")
    if policy.store_id != locked.store_id:
        raise ValidationError(_("The policy is of another store."), code="store")
    return _apply(actor=actor, forms=[locked], move=Move.USE, policy=policy)[0]


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")}, code="reason_required")
    return reason


@transaction.atomic
def void(*, actor, form: BlankForm, reason: str, original_kept: bool) -> BlankForm:
    """A spoilt form is voided; its original is kept to be handed back to the insurer."""
    reason = _reason(reason)
    if not original_kept:
        raise ValidationError({"original_kept": _("Keep the voided original: the insurer counts it back.")},
                              code="original_required")
    [locked] = _locked(BlankForm.objects.filter(pk=form.pk))
    return _apply(actor=actor, forms=[locked], move=Move.VOID, reason=reason)[0]


@transaction.atomic
def return_to_insurer(*, actor, form: BlankForm, reason: str = "") -> BlankForm:
    [locked] = _locked(BlankForm.objects.filter(pk=form.pk))
    return _apply(actor=actor, forms=[locked], move=Move.RETURN, reason=(reason or "").strip())[0]


@transaction.atomic
def return_range(*, actor, store, kind: str, first_serial: str, last_serial: str = "",
                 reason: str = "") -> list[BlankForm]:
    forms = _range(store=store, kind=kind, first_serial=first_serial, last_serial=last_serial)
    return _apply(actor=actor, forms=forms, move=Move.RETURN, reason=(reason or "").strip())


@transaction.atomic
def report_lost(*, actor, form: BlankForm, reason: str) -> BlankForm:
    reason = _reason(reason)
    [locked] = _locked(BlankForm.objects.filter(pk=form.pk))
    return _apply(actor=actor, forms=[locked], move=Move.LOSE, reason=reason)[0]


# ------------------------------------------------------------------ policies
def use_for_policy(*, actor, policy) -> BlankForm | SerialMismatch | None:
    """Mark the serial printed on ``policy`` used by its issuer.

    Called when policies are recorded (issued or imported); it never refuses the
    policy. A serial the register does not know, or one its issuer does not hold
    (in stock, another person's, already used), is recorded as a ``SerialMismatch``
    that the day count shows.
    """
    serial = (policy.blank_form_serial or "").strip().upper()
    if not serial:
        return None
    kind = KIND_FOR_LINE.get(policy.line)
    kinds = [kind] if kind else [FormKind.COMMERCIAL_POLICY, FormKind.COMPULSORY_POLICY]
    issuer = policy.issuer or (actor if getattr(actor, "is_authenticated", False) else None)
    with transaction.atomic():
        form = (BlankForm.objects.select_for_update()
                .filter(store_id=policy.store_id, kind__in=kinds, serial=serial).first())
        if form is None:
            reason = MismatchReason.NOT_REGISTERED
        elif form.status != S.ISSUED or issuer is None or form.holder_id != issuer.pk:
            reason = MismatchReason.NOT_HELD
        else:
            # The issuer's own use: the permission was checked when the policy was issued.
            return _apply(actor=None, forms=[form], move=Move.USE, policy=policy)[0]
        return SerialMismatch.objects.create(store_id=policy.store_id, policy=policy, serial=serial, reason=reason,
                                             issuer=issuer, day=policy.issued_on)
