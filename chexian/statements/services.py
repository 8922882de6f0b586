"""The life of a monthly commission statement: the one place that writes one.

``build`` draws up, after a month is over, one statement per store × insurer
from the policies issued in the month and the cancellations that took effect
in it. ``send`` marks it sent; ``record_confirmation`` takes the insurer's
figures line by line (typed on the confirmation page, or read from their file
by ``confirmation.read_confirmation``) and gives every line that differs its
reason; ``invoice`` records the invoice; ``apply_payment`` is called by the
remittance matching (``remittances.services``) under the statement's row lock;
``close`` ends it. Every move checks ``statement.manage`` in the statement's
store and leaves an audit entry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chexian.core.audit import audit_actor, log_created
from chexian.org.models import Store
from chexian.org.permissions import can, stores_for
from chexian.policies.models import Cancellation, Policy
from chexian.statements.choices import Difference, Entry, State
from chexian.statements.models import ZERO, Statement, StatementLine, add_months

CENT = Decimal("0.01")
_MONTH = re.compile(r"^\s*(\d{4})\s*[-/年.]?\s*(\d{1,2})\s*月?\s*$")


# ---------------------------------------------------------------- helpers
def parse_month(value) -> dt.date:
    """``2026-05``, ``2026/5``, ``202605`` or ``2026年5月`` → the month's first day."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    match = _MONTH.match(str(value or ""))
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and 2000 <= year <= 2999:
            return dt.date(year, month, 1)
    raise ValidationError(_("Write the month as YYYY-MM, e.g. 2026-05: %(value)s is not a month.")
                          % {"value": value}, code="month")


def _require(actor, store_id: int):
    if not can(actor, "statement.manage", store_id):
        raise PermissionDenied(_("Your role may not manage commission statements in this store."))


def _in_state(statement: Statement, *states: str, doing: str):
    if statement.state not in states:
        raise ValidationError(
            _("Statement %(number)s is %(state)s: it cannot be %(doing)s now (only when %(allowed)s).")
            % {"number": statement.number, "state": statement.get_state_display(), "doing": doing,
               "allowed": _(" or ").join(str(State(s).label) for s in states)},
            code="state")


def _lock(statement: Statement | int) -> Statement:
    pk = statement if isinstance(statement, int) else statement.pk
    return Statement.objects.select_for_update().select_related("store", "insurer").get(pk=pk)


def _save(statement: Statement, actor, fields: list[str]):
    with audit_actor(actor):
        statement.save(update_fields=[*fields, "updated_at"])


def statement_number(store: Store, insurer, month: dt.date) -> str:
    return f"{store.code}-SX{month:%Y%m}-{insurer.code}"


# ---------------------------------------------------------------- building
@dataclass
class BuildResult:
    month: dt.date
    created: list[Statement] = field(default_factory=list)
    rebuilt: list[Statement] = field(default_factory=list)
    kept: list[Statement] = field(default_factory=list)
    removed: int = 0

    @property
    def lines(self) -> int:
        return sum(s.line_count for s in self.created + self.rebuilt)


def _issued_line(row: dict) -> StatementLine:
    return StatementLine(policy_id=row["pk"], entry=Entry.ISSUED, policy_number=row["number"], line=row["line"],
                         day=row["issued_on"], premium=row["premium"], base=row["commission_base_amount"],
                         rate=row["commission_rate"], commission=row["commission_amount"])


def _cancelled_line(row: dict) -> StatementLine:
    return StatementLine(policy_id=row["policy_id"], entry=Entry.CANCELLED, policy_number=row["policy__number"],
                         line=row["policy__line"], day=row["effective_date"], premium=-row["refund_amount"],
                         base=None, rate=row["policy__commission_rate"], commission=-row["commission_clawback"])


def build(*, actor, month, stores=None, today: dt.date | None = None) -> BuildResult:
    """Draw up the month's statements for the stores the actor manages (or those of
    ``stores`` among them). Refused for a month that is not over. A draft is built
    again from the books (idempotent); a statement already sent is kept as it is and
    reported, never changed behind the insurer's back."""
    month = parse_month(month)
    today = today or timezone.localdate()
    if add_months(month, 1) > today:
        raise ValidationError(
            _("%(month)s is not over: a month's statement is built from the first day of the next month "
              "(%(from)s).") % {"month": f"{month:%Y-%m}", "from": add_months(month, 1)}, code="month_not_over")
    allowed = stores_for(actor, "statement.manage")
    chosen = Store.objects.all() if allowed is None else Store.objects.filter(pk__in=allowed)
    if stores is not None:
        wanted = [s.pk if isinstance(s, Store) else s for s in stores]
        if allowed is not None and not set(wanted) <= set(allowed):
            raise PermissionDenied(_("Your role may not manage commission statements in this store."))
        chosen = chosen.filter(pk__in=wanted)
    store_ids = list(chosen.values_list("pk", flat=True))
    if not store_ids:
        raise PermissionDenied(_("Your role may not manage commission statements in any store."))
    until = add_months(month, 1) - dt.timedelta(days=1)
    groups: dict[tuple[int, int], list[StatementLine]] = defaultdict(list)
    issued = (Policy.objects.filter(store_id__in=store_ids, issued_on__gte=month, issued_on__lte=until)
              .values("pk", "store_id", "insurer_id", "number", "line", "issued_on", "premium",
                      "commission_base_amount", "commission_rate", "commission_amount")
              .order_by("issued_on", "number"))
    for row in issued.iterator(chunk_size=2000):
        groups[(row["store_id"], row["insurer_id"])].append(_issued_line(row))
    cancelled = (Cancellation.objects.filter(policy__store_id__in=store_ids, effective_date__gte=month,
                                             effective_date__lte=until)
                 .values("policy_id", "policy__store_id", "policy__insurer_id", "policy__number", "policy__line",
                         "policy__commission_rate", "effective_date", "refund_amount", "commission_clawback")
                 .order_by("effective_date", "policy__number"))
    for row in cancelled.iterator(chunk_size=2000):
        groups[(row["policy__store_id"], row["policy__insurer_id"])].append(_cancelled_line(row))
    with transaction.atomic():
        return _write(actor, month, store_ids, groups)


def _write(actor, month, store_ids, groups) -> BuildResult:
    from chexian.insurers.models import Insurer

    result = BuildResult(month=month)
    existing = {(s.store_id, s.insurer_id): s for s in Statement.objects.select_for_update()
                .filter(store_id__in=store_ids, month=month)}
    stores = Store.objects.in_bulk(store_ids)
    insurers = Insurer.objects.in_bulk({key[1] for key in groups})
    now = timezone.now()
    # Drafts of store × insurer pairs that no longer have any business this month go.
    for key, statement in existing.items():
        if key not in groups and statement.state == State.DRAFT:
            with audit_actor(actor):
                statement.delete()
            result.removed += 1
    for (store_id, insurer_id), lines in sorted(groups.items()):
        statement = existing.get((store_id, insurer_id))
        if statement is not None and statement.state != State.DRAFT:
            result.kept.append(statement)
            continue
        totals = _totals(lines)
        if statement is None:
            statement = Statement(store=stores[store_id], insurer=insurers[insurer_id], month=month,
                                  number=statement_number(stores[store_id], insurers[insurer_id], month),
                                  built_at=now, built_by=actor, **totals)
            with audit_actor(actor):
                statement.save()
            result.created.append(statement)
        else:
            with audit_actor(actor):
                statement.lines.all().delete()
            for name, value in totals.items():
                setattr(statement, name, value)
            statement.built_at, statement.built_by = now, actor
            _save(statement, actor, [*totals, "built_at", "built_by"])
            result.rebuilt.append(statement)
        for line in lines:
            line.statement = statement
        log_created(StatementLine.objects.bulk_create(lines, batch_size=1000), actor=actor)
    return result


def _totals(lines: list[StatementLine]) -> dict:
    return {
        "line_count": len(lines),
        "premium": sum((line.premium or ZERO for line in lines), ZERO),
        "base": sum((line.base or ZERO for line in lines), ZERO),
        "commission": sum((line.commission or ZERO for line in lines), ZERO),
    }


# ---------------------------------------------------------------- sending
@transaction.atomic
def send(*, actor, statement: Statement) -> Statement:
    """Draft → sent: the list goes to the insurer (printed or as the Excel export)."""
    statement = _lock(statement)
    _require(actor, statement.store_id)
    _in_state(statement, State.DRAFT, doing=_("sent"))
    statement.state, statement.sent_at = State.SENT, timezone.now()
    _save(statement, actor, ["state", "sent_at"])
    return statement


@transaction.atomic
def recall(*, actor, statement: Statement) -> Statement:
    """Sent → draft, to build it again (a policy recorded late) before the insurer answers."""
    statement = _lock(statement)
    _require(actor, statement.store_id)
    _in_state(statement, State.SENT, doing=_("taken back to draft"))
    statement.state, statement.sent_at = State.DRAFT, None
    _save(statement, actor, ["state", "sent_at"])
    return statement


# ---------------------------------------------------------------- the insurer's figures
@dataclass
class TheirLine:
    """One line of the insurer's answer; ``row`` is the file's row number (0: typed on the page)."""

    policy_number: str
    premium: Decimal | None
    rate: Decimal | None
    commission: Decimal
    row: int = 0

    @property
    def key(self) -> tuple[str, str]:
        negative = self.commission < 0 or (self.premium is not None and self.premium < 0)
        return self.policy_number.strip().upper(), Entry.CANCELLED if negative else Entry.ISSUED


def difference_of(line: StatementLine) -> str:
    """The reason a line's two sides differ, the first that applies; "" when they agree."""
    if line.commission is None:
        return Difference.MISSING_ON_OURS
    if line.their_commission is None:
        return Difference.NOT_ON_THEIRS
    if line.their_premium is not None and line.premium is not None and line.their_premium != line.premium:
        return Difference.PREMIUM
    if line.their_rate is not None and line.rate is not None and line.their_rate != line.rate:
        return Difference.RATE
    if line.their_commission != line.commission:
        return Difference.COMMISSION
    return ""


def _where_else(statement: Statement, numbers: list[str]) -> dict[str, str]:
    """For policy numbers the statement does not list: where Chexian has them, in words."""
    found = {}
    for number, issued_on, insurer_id in (Policy.objects.filter(store_id=statement.store_id, number__in=numbers)
                                          .values_list("number", "issued_on", "insurer_id")):
        if insurer_id != statement.insurer_id:
            found[number.upper()] = _("In Chexian with another insurer (issued %(day)s).") % {"day": issued_on}
        else:
            found[number.upper()] = _("In Chexian, issued %(day)s: on the statement of %(month)s.") % {
                "day": issued_on, "month": f"{issued_on:%Y-%m}"}
    return found


def check_confirmable(actor, statement: Statement) -> None:
    """Whether the actor may record the insurer's answer on this statement now (before a file is read)."""
    _require(actor, statement.store_id)
    _in_state(statement, State.SENT, State.CONFIRMED, doing=_("confirmed"))


@transaction.atomic
def record_confirmation(*, actor, statement: Statement, lines: list[TheirLine], file_name: str = "") -> Statement:
    """The insurer's figures, line by line: each of their lines is put beside ours by
    policy number (and entry: negative amounts are a cancellation), and every line
    that differs gets its reason. A policy number we do not list is added as
    *missing on ours*, with where Chexian has it, if anywhere. Recording again
    (a corrected file) replaces the insurer's side. The statement becomes confirmed,
    with the insurer's total as the amount owed."""
    statement = _lock(statement)
    check_confirmable(actor, statement)
    seen: dict[tuple[str, str], TheirLine] = {}
    for their in lines:
        if not their.policy_number.strip():
            raise ValidationError(_("Row %(row)s: the policy number is empty.") % {"row": their.row}, code="required")
        if their.key in seen:
            raise ValidationError(
                _("Policy %(number)s is listed twice by the insurer (rows %(first)s and %(second)s).")
                % {"number": their.policy_number, "first": seen[their.key].row, "second": their.row},
                code="duplicate")
        seen[their.key] = their
    with audit_actor(actor):
        statement.lines.filter(commission__isnull=True).delete()
    ours = {(line.policy_number.upper(), line.entry): line for line in statement.lines.all()}
    changed = []
    for key, line in ours.items():
        their = seen.pop(key, None)
        line.their_premium = their.premium if their else None
        line.their_rate = their.rate if their else None
        line.their_commission = their.commission if their else None
        line.difference = difference_of(line)
        changed.append(line)
    StatementLine.objects.bulk_update(changed, ["their_premium", "their_rate", "their_commission", "difference"],
                                      batch_size=1000)
    where = _where_else(statement, [their.policy_number for their in seen.values()])
    added = [
        StatementLine(statement=statement, policy_number=their.policy_number.strip(), entry=key[1],
                      their_premium=their.premium, their_rate=their.rate, their_commission=their.commission,
                      difference=Difference.MISSING_ON_OURS,
                      note=where.get(key[0], _("Not in Chexian: no policy with this number in this store.")))
        for key, their in seen.items()
    ]
    log_created(StatementLine.objects.bulk_create(added), actor=actor)
    all_lines = changed + added
    statement.insurer_commission = sum((line.their_commission or ZERO for line in all_lines), ZERO)
    statement.difference_count = sum(1 for line in all_lines if line.difference)
    statement.state, statement.confirmed_at = State.CONFIRMED, timezone.now()
    statement.confirmation_file = (file_name or "")[:200]
    _save(statement, actor, ["insurer_commission", "difference_count", "state", "confirmed_at",
                             "confirmation_file"])
    return statement


def confirm_as_ours(*, actor, statement: Statement) -> Statement:
    """The insurer agrees with every line as we listed it."""
    lines = [TheirLine(line.policy_number, line.premium, line.rate, line.commission)
             for line in statement.lines.filter(commission__isnull=False)]
    return record_confirmation(actor=actor, statement=statement, lines=lines)


# ---------------------------------------------------------------- invoice, payment, close
@transaction.atomic
def invoice(*, actor, statement: Statement, invoice_no: str, invoiced_on: dt.date) -> Statement:
    """Confirmed → invoiced: the store's VAT invoice for the confirmed commission."""
    statement = _lock(statement)
    _require(actor, statement.store_id)
    _in_state(statement, State.CONFIRMED, doing=_("invoiced"))
    # Upper case, as every number here: SQLite's LIKE is case-sensitive in this project (settings), so no iexact.
    invoice_no = (invoice_no or "").strip().upper()
    if not invoice_no:
        raise ValidationError({"invoice_no": [ValidationError(_("Give the invoice number."), code="required")]})
    other = (Statement.objects.filter(store_id=statement.store_id, invoice_no=invoice_no)
             .exclude(pk=statement.pk).first())
    if other is not None:
        raise ValidationError({"invoice_no": [ValidationError(
            _("Invoice %(invoice)s is already on statement %(number)s.") % {"invoice": invoice_no,
                                                                             "number": other.number},
            code="invoice_twice")]})
    if invoiced_on < statement.month:
        raise ValidationError({"invoiced_on": [ValidationError(
            _("The invoice cannot be dated before the statement month."), code="invoiced_on")]})
    statement.state, statement.invoice_no, statement.invoiced_on = State.INVOICED, invoice_no, invoiced_on
    _save(statement, actor, ["state", "invoice_no", "invoiced_on"])
    return statement


def apply_payment(*, actor, statement_id: int, amount: Decimal, on: dt.date) -> Statement:
    """Add ``amount`` of a commission remittance to a statement (negative to take it back).

    Called by the remittance matching inside its transaction, after it locked the
    remittance line: the statement row is locked here, so two matchings cannot pay
    it twice. An invoiced statement paid in full becomes paid."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("apply_payment runs inside the matching's transaction")
    statement = _lock(statement_id)
    if statement.state not in (State.INVOICED, State.PAID):
        raise ValidationError(
            _("Statement %(number)s is %(state)s: commission is matched to a statement once it is invoiced.")
            % {"number": statement.number, "state": statement.get_state_display()}, code="state")
    paid = statement.paid_amount + amount
    if paid > statement.due_amount:
        raise ValidationError(
            _("Statement %(number)s would be paid ¥%(paid)s of ¥%(due)s due: it is never paid twice.")
            % {"number": statement.number, "paid": paid, "due": statement.due_amount}, code="more_than_due")
    if paid < ZERO:
        raise ValidationError(_("The payment of statement %(number)s cannot be taken back.")
                              % {"number": statement.number}, code="negative")
    statement.paid_amount = paid
    if paid == statement.due_amount:
        statement.state, statement.paid_on = State.PAID, on
    else:
        statement.state, statement.paid_on = State.INVOICED, None
    _save(statement, actor, ["paid_amount", "state", "paid_on"])
    return statement


@transaction.atomic
def close(*, actor, statement: Statement, note: str = "") -> Statement:
    """Paid → closed: both sides signed, the money is in, nothing is left to chase."""
    statement = _lock(statement)
    _require(actor, statement.store_id)
    _in_state(statement, State.PAID, doing=_("closed"))
    statement.state, statement.closed_at = State.CLOSED, timezone.now()
    statement.note = (note or statement.note)[:300]
    _save(statement, actor, ["state", "closed_at", "note"])
    return statement
