"""Monthly commission statements: building, every difference reason, the life cycle to
payment by remittance, the three-month aging flag, bad input refused with nothing lost."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chexian.remittances import services as remittance_services
from chexian.remittances.choices import Purpose
from chexian.statements import selectors, services
from chexian.statements.choices import Difference, Entry, State
from chexian.statements.models import Statement, StatementLine
from chexian.statements.tests.factories import AFTER_OCTOBER, OCTOBER, built, october_business, their_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def month(cast):
    return october_business(cast)


def test_a_statement_lists_every_policy_of_the_month_per_insurer_with_cancellations(cast, month):
    result = services.build(actor=month.finance, month="2026-10", today=AFTER_OCTOBER)
    assert sorted(s.insurer.code for s in result.created) == ["CPIC", "PICC"]
    picc = next(s for s in result.created if s.insurer.code == "PICC")
    assert picc.number == "A01-SX202610-PICC" and picc.state == State.DRAFT and picc.month == OCTOBER
    issued = [p for name, p in month.policies.items() if name not in ("cpic", "september")]
    rows = {(line.policy_number, line.entry): line for line in picc.lines.all()}
    assert set(rows) == {(p.number, Entry.ISSUED) for p in issued} | {(month.policies["september"].number,
                                                                        Entry.CANCELLED)}
    for policy in issued:
        line = rows[(policy.number, Entry.ISSUED)]
        assert (line.premium, line.base, line.rate, line.commission) == (
            policy.premium, policy.commission_base_amount, policy.commission_rate, policy.commission_amount)
    refund = rows[(month.policies["september"].number, Entry.CANCELLED)]
    assert refund.premium == D("-1590.00") and refund.commission == -month.cancelled.commission_clawback
    assert picc.line_count == 6
    assert picc.commission == sum(p.commission_amount for p in issued) - month.cancelled.commission_clawback
    assert picc.premium == sum(p.premium for p in issued) - D("1590.00")


def test_a_month_that_is_not_over_is_refused_and_a_bad_month_named(cast, month):
    with pytest.raises(ValidationError, match="2026-11 is not over"):
        services.build(actor=month.finance, month="2026-11", today=dt.date(2026, 11, 30))
    with pytest.raises(ValidationError, match="YYYY-MM"):
        services.build(actor=month.finance, month="2026-13", today=AFTER_OCTOBER)
    assert services.parse_month("2026年5月") == dt.date(2026, 5, 1) == services.parse_month("202605")
    assert not Statement.objects.exists()


def test_building_again_rebuilds_drafts_and_never_touches_a_sent_statement(cast, month):
    first = built(cast, month)
    again = services.build(actor=month.finance, month=OCTOBER, today=AFTER_OCTOBER)
    assert [s.pk for s in again.rebuilt if s.insurer.code == "PICC"] == [first.pk]
    assert StatementLine.objects.filter(statement=first).count() == 6
    services.send(actor=month.finance, statement=first)
    third = services.build(actor=month.finance, month=OCTOBER, today=AFTER_OCTOBER)
    assert first.pk in [s.pk for s in third.kept]
    assert Statement.objects.get(pk=first.pk).state == State.SENT


def test_only_managers_of_the_store_build_and_move_statements(cast, month):
    with pytest.raises(PermissionDenied):
        services.build(actor=cast.a_issuer, month=OCTOBER, today=AFTER_OCTOBER)
    statement = built(cast, month)
    with pytest.raises(PermissionDenied):
        services.send(actor=cast.b_supervisor, statement=statement)
    # Store B's supervisor builds only store B's (nothing there).
    assert services.build(actor=cast.b_supervisor, month=OCTOBER, today=AFTER_OCTOBER).created == []


def test_every_difference_reason_is_found_line_by_line(cast, month):
    statement = built(cast, month)
    services.send(actor=month.finance, statement=statement)
    p = month.policies
    answer = their_lines(statement, **{
        p["ctpl2"].number: {"premium": D("900.00")},                  # premium differs
        p["com1"].number: {"rate": D("16.00"), "commission": D("480.00")},  # rate differs
        p["ctpl3"].number: {"commission": p["ctpl3"].commission_amount + D("0.01")},  # commission only
        p["com2"].number: None,                                        # not on their list
    })
    answer.append(services.TheirLine("PX-UNKNOWN-1", D("1000.00"), D("4.00"), D("37.74")))    # not in Chexian
    answer.append(services.TheirLine(p["cpic"].number, D("3180.00"), D("18.00"), D("540.00")))  # another insurer's
    statement = services.record_confirmation(actor=month.finance, statement=statement, lines=answer)
    reasons = {(line.policy_number, line.entry): line.difference for line in statement.lines.all()}
    assert reasons == {
        (p["ctpl1"].number, Entry.ISSUED): "",
        (p["ctpl2"].number, Entry.ISSUED): Difference.PREMIUM,
        (p["ctpl3"].number, Entry.ISSUED): Difference.COMMISSION,
        (p["com1"].number, Entry.ISSUED): Difference.RATE,
        (p["com2"].number, Entry.ISSUED): Difference.NOT_ON_THEIRS,
        (p["september"].number, Entry.CANCELLED): "",
        ("PX-UNKNOWN-1", Entry.ISSUED): Difference.MISSING_ON_OURS,
        (p["cpic"].number, Entry.ISSUED): Difference.MISSING_ON_OURS,
    }
    notes = dict(statement.lines.filter(difference=Difference.MISSING_ON_OURS).values_list("policy_number", "note"))
    assert notes["PX-UNKNOWN-1"] == "Not in Chexian: no policy with this number in this store."
    assert notes[p["cpic"].number].startswith("In Chexian with another insurer")
    assert statement.state == State.CONFIRMED and statement.difference_count == 6
    assert statement.insurer_commission == sum(line.commission for line in answer)
    summary = {row["difference"]: (row["lines"], row["gap"]) for row in selectors.differences(statement)}
    assert summary[Difference.NOT_ON_THEIRS] == (1, -p["com2"].commission_amount)
    assert summary[Difference.COMMISSION] == (1, D("0.01"))
    assert summary[Difference.MISSING_ON_OURS] == (2, D("577.74"))


def test_an_insurer_listing_a_policy_twice_is_refused_and_nothing_changes(cast, month):
    statement = built(cast, month)
    services.send(actor=month.finance, statement=statement)
    answer = their_lines(statement)
    answer.append(services.TheirLine(answer[0].policy_number, answer[0].premium, answer[0].rate,
                                     answer[0].commission, row=9))
    with pytest.raises(ValidationError, match="listed twice"):
        services.record_confirmation(actor=month.finance, statement=statement, lines=answer)
    statement.refresh_from_db()
    assert statement.state == State.SENT and not statement.lines.filter(their_commission__isnull=False).exists()


def test_the_life_cycle_runs_to_payment_by_remittance_and_close(cast, month):
    statement = built(cast, month)
    with pytest.raises(ValidationError, match="only when Sent to the insurer or Confirmed"):
        services.confirm_as_ours(actor=month.finance, statement=statement)
    services.send(actor=month.finance, statement=statement)
    statement = services.confirm_as_ours(actor=month.finance, statement=statement)
    assert statement.state == State.CONFIRMED and statement.insurer_commission == statement.commission
    assert statement.difference_count == 0
    statement = services.invoice(actor=month.finance, statement=statement, invoice_no="fp2026110001",
                                 invoiced_on=dt.date(2026, 11, 5))
    due = statement.due_amount
    # A first part of the money, matched by hand; the rest automatically, by the statement number.
    remittance = remittance_services.record_remittance(
        actor=month.finance, store=cast.store_a, insurer=statement.insurer,
        data={"purpose": Purpose.COMMISSIONS, "received_on": dt.date(2026, 11, 20), "total_amount": due},
        lines=[{"policy_number": "", "note": "手续费 first part", "amount": D("100.00")},
               {"policy_number": "", "note": f"手续费 {statement.number}", "amount": due - D("100.00")}])
    first, second = remittance.lines.order_by("line_no")
    remittance_services.match_statement(actor=month.finance, line=first, statement=statement)
    statement.refresh_from_db()
    assert statement.state == State.INVOICED and statement.paid_amount == D("100.00")
    counts = remittance_services.auto_match(actor=month.finance, remittance=remittance)
    assert counts["matched"] == 1 and counts["unmatched"] == 0
    statement.refresh_from_db()
    assert statement.state == State.PAID and statement.paid_amount == due and statement.paid_on == dt.date(2026, 11, 20)
    # Undoing a match puts it back to invoiced; matching again pays it.
    allocation = second.allocations.get()
    remittance_services.unmatch(actor=month.finance, allocation=allocation, reason="wrong statement")
    statement.refresh_from_db()
    assert statement.state == State.INVOICED and statement.outstanding == due - D("100.00")
    remittance_services.match_statement(actor=month.finance, line=second, statement=statement)
    statement = services.close(actor=month.finance, statement=Statement.objects.get(pk=statement.pk))
    assert statement.state == State.CLOSED


def test_a_statement_is_never_paid_twice_nor_before_it_is_invoiced(cast, month):
    statement = built(cast, month)
    services.send(actor=month.finance, statement=statement)
    services.confirm_as_ours(actor=month.finance, statement=statement)
    remittance = remittance_services.record_remittance(
        actor=month.finance, store=cast.store_a, insurer=statement.insurer,
        data={"purpose": Purpose.COMMISSIONS, "received_on": dt.date(2026, 11, 20), "total_amount": D("99999.00")},
        lines=[{"policy_number": "", "amount": D("99999.00")}])
    line = remittance.lines.get()
    with pytest.raises(ValidationError, match="once it is invoiced"):
        remittance_services.match_statement(actor=month.finance, line=line, statement=statement)
    statement = services.invoice(actor=month.finance, statement=statement, invoice_no="FP1",
                                 invoiced_on=dt.date(2026, 11, 5))
    with pytest.raises(ValidationError, match="more than is due"):
        remittance_services.match_statement(actor=month.finance, line=line, statement=statement,
                                            amount=statement.due_amount + D("0.01"))
    remittance_services.match_statement(actor=month.finance, line=line, statement=statement)
    with pytest.raises(ValidationError, match="nothing outstanding"):
        remittance_services.match_statement(actor=month.finance, line=line, statement=statement)


def test_the_same_invoice_number_is_refused_on_a_second_statement(cast, month):
    picc, cpic = built(cast, month), built(cast, month, "CPIC")
    for statement in (picc, cpic):
        services.send(actor=month.finance, statement=statement)
        services.confirm_as_ours(actor=month.finance, statement=statement)
    services.invoice(actor=month.finance, statement=picc, invoice_no="FP7", invoiced_on=dt.date(2026, 11, 5))
    with pytest.raises(ValidationError, match="already on statement A01-SX202610-PICC"):
        services.invoice(actor=month.finance, statement=cpic, invoice_no="fp7", invoiced_on=dt.date(2026, 11, 5))


@pytest.mark.parametrize(("today", "flagged"), [
    (dt.date(2026, 10, 31), False),  # July + three months: not yet more than three months
    (dt.date(2026, 11, 1), True),    # from 1 November, July's commission is aged
])
def test_commission_unpaid_more_than_three_months_after_its_month_is_flagged(cast, month, today, flagged):
    july = month.policies["ctpl1"]
    StatementLine.objects.all().delete()
    statement = Statement.objects.create(
        store=cast.store_a, insurer=july.insurer, month=dt.date(2026, 7, 1), number="A01-SX202607-PICC",
        commission=D("123.45"), built_at=dt.datetime(2026, 8, 1, tzinfo=dt.UTC), built_by=month.finance)
    assert statement.flag_from == dt.date(2026, 11, 1)
    assert (statement in selectors.aged(month.finance, today)) is flagged
    summary = selectors.aging_summary(cast.a_supervisor, today)
    assert summary == ({"count": 1, "owed": D("123.45")} if flagged else {"count": 0, "owed": D("0.00")})
    assert selectors.aging_summary(cast.b_supervisor, today)["count"] == 0
    # Paid, it is no longer flagged.
    Statement.objects.filter(pk=statement.pk).update(state=State.PAID, paid_amount=D("123.45"))
    assert selectors.aging_summary(cast.a_supervisor, today)["count"] == 0
