"""Recording insurer remittances and matching their money (SPEC §3.8).

``record_remittance`` (by hand) and ``import_remittance`` (the insurer's file)
save a remittance with its lines, all or nothing. Claim payments: ``auto_match``
allocates the lines whose report number and amount agree with a claim case;
``match`` does it by hand, partial payments included. Commission: ``auto_match``
pays the invoiced statement a line names (statement or invoice number) or the one
whose outstanding amount the remittance carries exactly; ``match_statement`` does
it by hand. ``unmatch`` reverses an allocation with a reason. Whatever a line has
not allocated stays on the unmatched list (``selectors.unmatched_lines``).

Nothing is paid twice: every allocation locks its line first, then
``claims.services.apply_payment`` (or ``statements.services.apply_payment``)
locks the case (or statement) and refuses to pay more than is due — in the same
transaction, always in that order (line, then target), so two matchings of the
same money or the same target queue up instead of both succeeding; the check
constraints hold it in the database too.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from chexian.claims.models import ClaimCase
from chexian.claims.services import apply_payment
from chexian.core.audit import audit_actor, log_created
from chexian.imports import cells
from chexian.org.models import Store
from chexian.org.permissions import can
from chexian.remittances.choices import Purpose, RemittanceSource
from chexian.remittances.importer import ImportRefused, Problem, check_size, parse_lines
from chexian.remittances.models import ZERO, Allocation, Remittance, RemittanceLine
from chexian.statements import services as statement_services
from chexian.statements.choices import State
from chexian.statements.models import Statement

LINE_FIELDS = ("report_no", "policy_number", "plate", "payee", "paid_on", "amount", "note")
REMITTANCE_FIELDS = ("purpose", "received_on", "reference", "total_amount", "note")
HASH_CHUNK = 1024 * 1024


def _require(actor, action: str, store_id: int, message: str):
    if not can(actor, action, store_id):
        raise PermissionDenied(message)


def _text(error: ValidationError) -> str:
    return str(error.message % error.params if error.params else error.message)


# ---------------------------------------------------------------- recording
def _next_number(store: Store, year: int) -> str:
    # The store row lock serialises numbering within the store (as for claim case numbers).
    Store.objects.select_for_update().filter(pk=store.pk).first()
    stem = f"{store.code}-HK{year}-"
    taken = Remittance.objects.filter(number__startswith=stem).count()
    return f"{stem}{taken + 1:05d}"


def _earlier(store, insurer, **lookup) -> Remittance | None:
    return Remittance.objects.filter(store=store, insurer=insurer, **lookup).order_by("pk").first()


def _same_file_error(earlier: Remittance) -> ValidationError:
    return ValidationError(
        _("This file was already imported for this store and insurer as remittance %(number)s (received on "
          "%(date)s, ¥%(total)s): nothing was imported again.")
        % {"number": earlier.number, "date": earlier.received_on.isoformat(), "total": earlier.total_amount},
        code="already_imported")


def _reference_taken_error(reference: str, earlier: Remittance) -> ValidationError:
    return ValidationError(_("Bank reference %(reference)s is already recorded as remittance %(number)s.")
                           % {"reference": reference, "number": earlier.number}, code="reference_taken")


def _build_lines(remittance: Remittance, lines: list[dict]) -> tuple[list[RemittanceLine], list[tuple]]:
    """The line rows, and every problem as (index, field, error)."""
    built, problems = [], []
    for index, data in enumerate(lines):
        unknown = set(data) - {*LINE_FIELDS, "source_row"}
        if unknown:
            problems.append((index, NON_FIELD_ERRORS, ValidationError(
                _("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}, code="unknown_field")))
            continue
        line = RemittanceLine(remittance=remittance, line_no=index + 1, **{
            name: (data.get(name) if name in ("amount", "paid_on", "source_row") else (data.get(name) or ""))
            for name in (*LINE_FIELDS, "source_row")})
        line.report_no = cells.identifier(line.report_no).upper()
        line.policy_number = cells.identifier(line.policy_number).upper()
        line.plate = cells.identifier(line.plate).upper()
        line.payee, line.note = cells.text(line.payee), cells.text(line.note)
        if remittance.purpose == Purpose.CLAIMS and not line.report_no:
            problems.append((index, "report_no", ValidationError(
                _("The report number is needed to match the payment to its claim case."), code="required")))
        try:
            line.full_clean(exclude=["remittance"], validate_unique=False)
        except ValidationError as exc:
            for name, errors in exc.error_dict.items():
                problems.extend((index, name, error) for error in errors)
        built.append(line)
    return built, problems


def _line_errors(problems) -> ValidationError:
    """Problems of hand-entered lines, each naming its line and field."""
    messages = []
    for index, name, error in problems:
        label = "" if name == NON_FIELD_ERRORS else capfirst(RemittanceLine._meta.get_field(name).verbose_name)
        text = _text(error)
        messages.append(ValidationError(
            (_("Line %(line)s · %(field)s: %(message)s") if label else _("Line %(line)s: %(message)s"))
            % {"line": index + 1, "field": label, "message": text}, code=error.code))
    return ValidationError({"lines": messages})


@transaction.atomic
def _create(*, actor, store, insurer, data: dict, lines: list[dict], source: str = RemittanceSource.MANUAL,
            file_name: str = "", file_sha256: str = "", line_problems=None) -> Remittance:
    _require(actor, "remittance.add", store.pk, _("Your role may not record remittances in this store."))
    unknown = set(data) - set(REMITTANCE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    remittance = Remittance(store=store, insurer=insurer, created_by=actor, source=source, file_name=file_name,
                            file_sha256=file_sha256, **data)
    remittance.reference = cells.identifier(remittance.reference or "")
    remittance.note = cells.text(remittance.note or "")
    if file_sha256 and (earlier := _earlier(store, insurer, file_sha256=file_sha256)):
        raise _same_file_error(earlier)
    errors: dict[str, list] = {}
    if remittance.reference and (earlier := _earlier(store, insurer, reference=remittance.reference)):
        errors["reference"] = [_reference_taken_error(remittance.reference, earlier)]
    if not lines:
        errors["lines"] = [ValidationError(_("A remittance lists at least one line."), code="required")]
    remittance.number = _next_number(store, timezone.localdate().year)
    try:
        remittance.full_clean(validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.error_dict.items():
            errors.setdefault(name, []).extend(messages)
    built, problems = _build_lines(remittance, lines)
    if problems:
        if line_problems is None:
            errors.setdefault("lines", []).extend(_line_errors(problems).error_dict["lines"])
        else:
            line_problems(problems)
    elif "total_amount" not in errors:
        total_error = Remittance.lines_total_error(remittance.total_amount, [line.amount for line in built])
        if total_error:
            errors.update(total_error.error_dict)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic(), audit_actor(actor):
            remittance.save()
            saved = RemittanceLine.objects.bulk_create(built)
    except IntegrityError:
        # Someone saved the same file or bank reference a moment ago: say which remittance it became.
        if file_sha256 and (earlier := _earlier(store, insurer, file_sha256=file_sha256)):
            raise _same_file_error(earlier) from None
        if remittance.reference and (earlier := _earlier(store, insurer, reference=remittance.reference)):
            raise ValidationError({"reference": [_reference_taken_error(remittance.reference, earlier)]}) from None
        raise
    log_created(saved, actor=actor)
    return remittance


def record_remittance(*, actor, store, insurer, data: dict, lines: list[dict]) -> Remittance:
    """A remittance entered by hand from the bank slip and the insurer's list.

    ``data``: purpose, received_on, reference, total_amount, note; ``lines``: one
    dict per line (report_no, policy_number, plate, payee, paid_on, amount, note).
    All or nothing: every problem is raised together, each naming its line and
    field; the lines must add up to the total."""
    return _create(actor=actor, store=store, insurer=insurer, data=data, lines=lines)


# ---------------------------------------------------------------- importing
def file_digest(file) -> str:
    """SHA-256 of an uploaded or opened binary file; the file is left at its start."""
    digest = hashlib.sha256()
    file.seek(0)
    while chunk := file.read(HASH_CHUNK):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def import_remittance(*, actor, store, insurer, file, name: str | None = None, purpose: str = Purpose.CLAIMS,
                      received_on=None, reference: str = "", note: str = "") -> Remittance:
    """The insurer's remittance list (.xlsx, .xls, .csv) as one remittance.

    All or nothing: ``importer.ImportRefused`` lists every problem by row number,
    column header and rule, and nothing is saved. Idempotent: the same file
    (by SHA-256) for the same store and insurer is refused, naming the remittance
    it became. ``received_on`` defaults to the latest payment date in the file.
    The file is read before the transaction opens (slow I/O stays out of it)."""
    _require(actor, "remittance.add", store.pk, _("Your role may not record remittances in this store."))
    name = PurePath(name or getattr(file, "name", "") or "").name
    check_size(getattr(file, "size", None))
    digest = file_digest(file)
    if earlier := _earlier(store, insurer, file_sha256=digest):
        raise _same_file_error(earlier)
    parsed = parse_lines(file, name, purpose=purpose)
    received_on = received_on or parsed.latest_date()
    if received_on is None:
        raise ImportRefused([Problem(None, "", "", _(
            "Give the day the money was received: the file has no payment date (支付日期/到账日期)."),
            "received_on_required")])

    def row_problems(problems):
        raise ImportRefused([
            Problem(parsed.lines[index]["source_row"], parsed.headers.get(name, ""),
                    cells.display(parsed.lines[index].get(name, "")) if name != NON_FIELD_ERRORS else "",
                    _text(error), error.code or "invalid")
            for index, name, error in problems])

    data = {"purpose": purpose, "received_on": received_on, "reference": reference, "note": note,
            "total_amount": parsed.total}
    return _create(actor=actor, store=store, insurer=insurer, data=data, lines=parsed.lines,
                   source=RemittanceSource.IMPORT, file_name=name, file_sha256=digest, line_problems=row_problems)


# ---------------------------------------------------------------- matching
def _lock_line(line_id: int) -> RemittanceLine:
    # Lock order everywhere: the line first, then the case (inside apply_payment).
    return (RemittanceLine.objects.select_for_update().select_related("remittance", "remittance__insurer")
            .get(pk=line_id))


def _require_match(actor, remittance: Remittance):
    _require(actor, "remittance.match", remittance.store_id,
             _("Your role may not match remittances in this store."))


def _require_purpose(remittance: Remittance, purpose: str):
    if remittance.purpose != purpose:
        raise ValidationError(
            _("Claim payments are matched to claim cases, commission to commission statements: this remittance is "
              "%(purpose)s.") % {"purpose": remittance.get_purpose_display()}, code="purpose")


def _allocate(actor, line: RemittanceLine, target, amount: Decimal, *, auto: bool) -> Allocation:
    """Pay ``target`` (a claim case or a commission statement) from the line: its own service
    locks it and refuses more than is due."""
    remittance = line.remittance
    if isinstance(target, ClaimCase):
        apply_payment(actor=actor, case_id=target.pk, amount=amount, on=remittance.received_on)
        allocation = Allocation(line=line, claim=target, amount=amount, auto=auto, by=actor, at=timezone.now())
    else:
        statement_services.apply_payment(actor=actor, statement_id=target.pk, amount=amount,
                                         on=remittance.received_on)
        allocation = Allocation(line=line, statement=target, amount=amount, auto=auto, by=actor, at=timezone.now())
    line.allocated_amount += amount
    with audit_actor(actor):
        allocation.save()
        line.save(update_fields=["allocated_amount"])
    return allocation


def _check_amount(line: RemittanceLine, amount: Decimal | None, outstanding: Decimal, *, target: str,
                  target_field: str) -> Decimal:
    """The amount to allocate: given, or as much as both the line and the target allow."""
    left = line.unallocated
    if left <= ZERO:
        raise ValidationError(_("Line %(line)s is fully matched already: it has no money left to allocate.")
                              % {"line": line.line_no}, code="line_matched")
    if amount is None:
        amount = min(left, outstanding)
        if amount <= ZERO:
            raise ValidationError({target_field: [ValidationError(
                _("%(target)s has nothing outstanding: it is paid in full or has no amount due yet.")
                % {"target": target}, code="case_paid")]})
    if amount <= ZERO:
        raise ValidationError({"amount": [ValidationError(_("The amount is more than zero."), code="min_value")]})
    if amount > left:
        raise ValidationError({"amount": [ValidationError(
            _("Only ¥%(left)s of line %(line)s is not yet allocated.") % {"left": left, "line": line.line_no},
            code="more_than_line")]})
    if amount > outstanding:
        raise ValidationError({"amount": [ValidationError(
            _("%(target)s has ¥%(outstanding)s outstanding: ¥%(amount)s would pay it more than is due.")
            % {"target": target, "outstanding": outstanding, "amount": amount}, code="more_than_due")]})
    return amount


@transaction.atomic
def match(*, actor, line: RemittanceLine, case: ClaimCase, amount: Decimal | None = None) -> Allocation:
    """Allocate money of a line to a claim case by hand.

    ``amount`` defaults to what both allow: the line's unallocated money or the
    case's outstanding amount, whichever is less. Partial payments are fine;
    what the line pays beyond the case stays unallocated, on the unmatched list.
    Refused: a case of another store or insurer, more than the line has left,
    more than the case is still due."""
    line = _lock_line(line.pk)
    remittance = line.remittance
    _require_match(actor, remittance)
    _require_purpose(remittance, Purpose.CLAIMS)
    case = ClaimCase.objects.get(pk=case.pk)
    if case.store_id != remittance.store_id:
        raise ValidationError({"case": [ValidationError(
            _("Case %(number)s belongs to another store: a remittance pays only its own store's cases.")
            % {"number": case.number}, code="case_other_store")]})
    if case.insurer_id != remittance.insurer_id:
        raise ValidationError({"case": [ValidationError(
            _("Case %(number)s is claimed from %(insurer)s, not from %(payer)s who sent this money.")
            % {"number": case.number, "insurer": case.insurer.short_name, "payer": remittance.insurer.short_name},
            code="case_other_insurer")]})
    amount = _check_amount(line, amount, case.outstanding, target=_("Case %(number)s") % {"number": case.number},
                           target_field="case")
    return _allocate(actor, line, case, amount, auto=False)


@transaction.atomic
def match_statement(*, actor, line: RemittanceLine, statement: Statement,
                    amount: Decimal | None = None) -> Allocation:
    """Allocate commission money of a line to a commission statement by hand (partial
    payments are fine). Refused: a statement of another store or insurer, one not yet
    invoiced, more than the line has left or the statement still owes."""
    line = _lock_line(line.pk)
    remittance = line.remittance
    _require_match(actor, remittance)
    _require_purpose(remittance, Purpose.COMMISSIONS)
    statement = Statement.objects.select_related("insurer").get(pk=statement.pk)
    if statement.store_id != remittance.store_id:
        raise ValidationError({"statement": [ValidationError(
            _("Statement %(number)s belongs to another store: a remittance pays only its own store's statements.")
            % {"number": statement.number}, code="statement_other_store")]})
    if statement.insurer_id != remittance.insurer_id:
        raise ValidationError({"statement": [ValidationError(
            _("Statement %(number)s is with %(insurer)s, not with %(payer)s who sent this money.")
            % {"number": statement.number, "insurer": statement.insurer.short_name,
               "payer": remittance.insurer.short_name}, code="statement_other_insurer")]})
    amount = _check_amount(line, amount, statement.outstanding,
                           target=_("Statement %(number)s") % {"number": statement.number}, target_field="statement")
    return _allocate(actor, line, statement, amount, auto=False)


def _auto_match_statements(actor, remittance: Remittance) -> dict:
    """Commission money: a line whose note or policy-number cell names an invoiced statement
    (its number or its invoice number) pays it, as far as both go; then, if what the
    remittance still carries equals what exactly one invoiced statement of the insurer
    still owes, those lines pay it. Nothing is split between statements or guessed."""
    lines = list(remittance.lines.select_for_update().unmatched().order_by("pk"))
    for line in lines:
        line.remittance = remittance
    open_statements = list(Statement.objects.filter(store_id=remittance.store_id, insurer_id=remittance.insurer_id,
                                                    state=State.INVOICED).order_by("month"))
    matched, amount = 0, ZERO

    def pay(line, statement, money) -> bool:
        nonlocal matched, amount
        try:
            with transaction.atomic():
                _allocate(actor, line, statement, money, auto=True)
        except ValidationError:
            line.allocated_amount = RemittanceLine.objects.values_list("allocated_amount", flat=True).get(pk=line.pk)
            return False
        statement.refresh_from_db(fields=["paid_amount", "state", "paid_on"])
        matched += 1
        amount += money
        return True

    for line in lines:
        text = f"{line.note} {line.policy_number}".upper()
        named = next((s for s in open_statements if s.number.upper() in text
                      or (s.invoice_no and s.invoice_no.upper() in text)), None)
        if named is not None and named.outstanding > ZERO:
            pay(line, named, min(line.unallocated, named.outstanding))
    left = [line for line in lines if line.unallocated > ZERO]
    carried = sum((line.unallocated for line in left), ZERO)
    owing = [s for s in open_statements if s.state == State.INVOICED and s.outstanding == carried]
    if carried > ZERO and len(owing) == 1:
        for line in left:
            if not pay(line, owing[0], line.unallocated):
                break
    return {"lines": remittance.lines.count(), "matched": matched, "amount": amount,
            "unmatched": remittance.lines.unmatched().count()}


@transaction.atomic
def auto_match(*, actor, remittance: Remittance) -> dict:
    """Match the lines whose report number and amount agree with a claim case.

    For each report number of the remittance, the case of the same store and
    insurer with that report number is paid when what the lines with that
    number still carry equals what the case still owes — all those lines in
    full; else when one line alone equals it, that line. Nothing is ever split
    or guessed: everything else is left for matching by hand.
    Returns counts: lines of the remittance, lines matched now, the amount
    matched now, and lines still holding unallocated money."""
    remittance = Remittance.objects.select_related("insurer").get(pk=remittance.pk)
    _require_match(actor, remittance)
    if remittance.purpose == Purpose.COMMISSIONS:
        return _auto_match_statements(actor, remittance)
    lines = list(remittance.lines.select_for_update().unmatched().exclude(report_no="").order_by("pk"))
    groups: dict[str, list[RemittanceLine]] = defaultdict(list)
    for line in lines:
        line.remittance = remittance
        groups[line.report_no.upper()].append(line)
    cases = {
        case.key: case for case in ClaimCase.objects.filter(store_id=remittance.store_id,
                                                            insurer_id=remittance.insurer_id)
        .annotate(key=Upper("report_no")).filter(key__in=list(groups))
    }
    matched, amount = 0, ZERO
    for key, group in groups.items():
        case = cases.get(key)
        if case is None or case.outstanding <= ZERO:
            continue
        if sum((line.unallocated for line in group), ZERO) == case.outstanding:
            chosen = group
        else:
            chosen = next(([line] for line in group if line.unallocated == case.outstanding), [])
        for line in chosen:
            money = line.unallocated
            try:
                with transaction.atomic():  # a case refused (withdrawn, paid meanwhile) leaves the line for a person
                    _allocate(actor, line, case, money, auto=True)
            except ValidationError:
                line.allocated_amount = (RemittanceLine.objects.values_list("allocated_amount", flat=True)
                                         .get(pk=line.pk))
                break
            matched += 1
            amount += money
    return {
        "lines": remittance.lines.count(),
        "matched": matched,
        "amount": amount,
        "unmatched": remittance.lines.unmatched().count(),
    }


@transaction.atomic
def unmatch(*, actor, allocation: Allocation, reason: str) -> Allocation:
    """Take an allocation back, with a reason: the money returns to the line and
    the case owes it again. Refused once the case has moved on to the payout or
    closed (``apply_payment`` decides)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [ValidationError(_("Say why the match is undone."), code="required")]})
    line_id = Allocation.objects.values_list("line_id", flat=True).get(pk=allocation.pk)
    line = _lock_line(line_id)
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    _require(actor, "remittance.match", line.remittance.store_id,
             _("Your role may not match remittances in this store."))
    if allocation.reversed_at is not None:
        raise ValidationError(_("This match was already undone."), code="already_unmatched")
    if allocation.claim_id:
        apply_payment(actor=actor, case_id=allocation.claim_id, amount=-allocation.amount,
                      on=line.remittance.received_on)
    else:
        statement_services.apply_payment(actor=actor, statement_id=allocation.statement_id,
                                         amount=-allocation.amount, on=line.remittance.received_on)
    allocation.line = line
    allocation.reversed_at = timezone.now()
    allocation.reversed_by = actor
    allocation.reversal_reason = reason[:300]
    line.allocated_amount -= allocation.amount
    with audit_actor(actor):
        allocation.save()
        line.save(update_fields=["allocated_amount"])
    return allocation
