"""Recording remittances and matching their money to claim cases: automatically where
report number and amount agree, by hand otherwise (partial payments, over-payment),
never paying a line's money or a case twice, and undoing a match with a reason."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chexian.claims.choices import Step
from chexian.core.models import AuditLog
from chexian.insurers.models import Insurer
from chexian.remittances import selectors, services
from chexian.remittances.choices import Purpose, RemittanceSource
from chexian.remittances.models import Allocation, Remittance, RemittanceLine
from chexian.remittances.tests.factories import a_case, remit

pytestmark = pytest.mark.django_db
D = Decimal


def line_of(remittance, number=1) -> RemittanceLine:
    return remittance.lines.get(line_no=number)


def fresh(obj):
    obj.refresh_from_db()
    return obj


# ---------------------------------------------------------------- recording
def test_a_remittance_entered_by_hand_is_saved_with_its_lines_and_audited(cast, crew, picc):
    remittance = remit(crew.finance, cast.store_a, picc, ("RDAA1", "1200.00"), ("RDAA2", "800.50"),
                       reference="BANK-001")
    assert remittance.number.startswith("A01-HK") and remittance.source == RemittanceSource.MANUAL
    assert remittance.total_amount == D("2000.50") and remittance.purpose == Purpose.CLAIMS
    assert list(remittance.lines.values_list("line_no", "report_no", "amount", "allocated_amount")) == [
        (1, "RDAA1", D("1200.00"), D("0")), (2, "RDAA2", D("800.50"), D("0"))]
    assert AuditLog.objects.for_object(remittance).filter(action="create").exists()
    assert AuditLog.objects.filter(object_repr__startswith=remittance.number, store=cast.store_a).count() == 3


def test_lines_that_do_not_add_up_or_are_bad_are_refused_by_line_and_field_and_nothing_is_saved(
        cast, crew, picc):
    with pytest.raises(ValidationError) as exc:
        services.record_remittance(actor=crew.finance, store=cast.store_a, insurer=picc,
                                   data={"received_on": dt.date(2026, 12, 1), "total_amount": D("100.00")},
                                   lines=[{"report_no": "RDAA1", "amount": D("60.00")},
                                          {"report_no": "RDAA2", "amount": D("40.00")},
                                          {"report_no": "", "amount": D("-5.00")}])
    errors = exc.value.message_dict["lines"]
    assert any(e.startswith("Line 3 · Amount:") for e in errors), errors
    assert any(e.startswith("Line 3 · Report number (报案号):") for e in errors), errors
    assert not Remittance.objects.exists() and not RemittanceLine.objects.exists()

    with pytest.raises(ValidationError) as exc:
        remit(crew.finance, cast.store_a, picc, ("RDAA1", "60.00"), total_amount=D("100.00"))
    assert "add up to ¥60.00 but the total is ¥100.00" in exc.value.message_dict["total_amount"][0]
    assert not Remittance.objects.exists()


def test_only_roles_that_match_money_record_remittances(cast, crew, picc):
    with pytest.raises(PermissionDenied):
        remit(cast.a_supervisor, cast.store_a, picc, ("RDAA1", "100.00"))
    with pytest.raises(PermissionDenied):
        remit(crew.finance, cast.store_b, picc, ("RDAA1", "100.00"))


def test_a_bank_reference_is_recorded_once_per_store_and_insurer(cast, crew, picc):
    first = remit(crew.finance, cast.store_a, picc, ("RDAA1", "100.00"), reference="BANK-9")
    with pytest.raises(ValidationError) as exc:
        remit(crew.finance, cast.store_a, picc, ("RDAA2", "100.00"), reference="BANK-9")
    assert first.number in exc.value.message_dict["reference"][0]
    remit(crew.finance, cast.store_a, Insurer.objects.get(code="CPIC"), ("RDAA2", "100.00"), reference="BANK-9")


# ---------------------------------------------------------------- automatic matching
def test_a_line_whose_report_number_and_amount_agree_is_matched_and_the_case_closes(cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    other = a_case(crew.adjuster, cast.store_a, "3000.00")
    remittance = remit(crew.finance, cast.store_a, picc, (case.report_no.lower(), "5000.00"),
                       (other.report_no, "2999.00"), ("RDAA-NOBODY", "10.00"))

    counts = services.auto_match(actor=crew.finance, remittance=remittance)

    assert counts == {"lines": 3, "matched": 1, "amount": D("5000.00"), "unmatched": 2}
    allocation = Allocation.objects.get()
    assert (allocation.claim, allocation.amount, allocation.auto, allocation.by) == (
        case, D("5000.00"), True, crew.finance)
    case = fresh(case)
    assert (case.paid_amount, case.step, case.paid_on) == (D("5000.00"), Step.CLOSED, dt.date(2026, 12, 1))
    assert fresh(other).paid_amount == 0 and fresh(other).step == Step.PAYMENT
    assert line_of(remittance, 1).unallocated == 0
    assert [line.line_no for line in selectors.unmatched_lines(crew.finance)] == [2, 3]
    # Running it again changes nothing.
    assert services.auto_match(actor=crew.finance, remittance=remittance)["matched"] == 0


def test_auto_match_moves_a_case_that_owes_third_party_money_to_the_payout_step(cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "8000.00", third_party="2000.00")
    remittance = remit(crew.finance, cast.store_a, picc, (case.report_no, "8000.00"))
    services.auto_match(actor=crew.finance, remittance=remittance)
    assert fresh(case).step == Step.PAYOUT


def test_no_auto_match_when_the_amount_differs_from_what_the_case_owes(cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    remittance = remit(crew.finance, cast.store_a, picc, (case.report_no, "4999.99"))
    assert services.auto_match(actor=crew.finance, remittance=remittance)["matched"] == 0
    assert fresh(case).paid_amount == 0 and not Allocation.objects.exists()


def test_several_lines_of_one_report_number_that_add_up_to_the_case_are_matched_together(cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    remittance = remit(crew.finance, cast.store_a, picc, (case.report_no, "3000.00"), (case.report_no, "2000.00"))
    assert services.auto_match(actor=crew.finance, remittance=remittance)["matched"] == 2
    assert fresh(case).step == Step.CLOSED


def test_a_line_listed_twice_pays_the_case_once_and_the_duplicate_stays_unmatched(cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    remittance = remit(crew.finance, cast.store_a, picc, (case.report_no, "5000.00"), (case.report_no, "5000.00"))
    counts = services.auto_match(actor=crew.finance, remittance=remittance)
    assert (counts["matched"], counts["unmatched"]) == (1, 1)
    assert fresh(case).paid_amount == D("5000.00")


def test_a_case_of_another_store_with_the_same_report_number_is_not_matched_automatically(cast, crew, picc):
    case_b = a_case(crew.b_adjuster, cast.store_b, "5000.00")
    remittance = remit(crew.finance, cast.store_a, picc, (case_b.report_no, "5000.00"))
    assert services.auto_match(actor=crew.finance, remittance=remittance)["matched"] == 0
    assert fresh(case_b).paid_amount == 0


# ---------------------------------------------------------------- matching by hand
def test_a_partial_payment_by_hand_then_the_rest_closes_the_case(cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    first = remit(crew.finance, cast.store_a, picc, ("RDAA-ADVANCE", "2000.00"))
    services.match(actor=crew.finance, line=line_of(first), case=case)  # amount: all the line has
    case = fresh(case)
    assert (case.paid_amount, case.step, case.paid_on) == (D("2000.00"), Step.PAYMENT, None)

    second = remit(crew.finance, cast.store_a, picc, (case.report_no, "3000.00"), received_on=dt.date(2026, 12, 9))
    allocation = services.match(actor=crew.adjuster, line=line_of(second), case=case, amount=D("3000.00"))
    assert allocation.auto is False
    case = fresh(case)
    assert (case.paid_amount, case.step, case.paid_on) == (D("5000.00"), Step.CLOSED, dt.date(2026, 12, 9))


def test_an_over_payment_pays_what_is_due_and_leaves_the_rest_of_the_line_unmatched(cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    remittance = remit(crew.finance, cast.store_a, picc, (case.report_no, "5600.00"))
    assert services.auto_match(actor=crew.finance, remittance=remittance)["matched"] == 0
    allocation = services.match(actor=crew.finance, line=line_of(remittance), case=case)
    assert allocation.amount == D("5000.00") and fresh(case).step == Step.CLOSED
    [left] = selectors.unmatched_lines(crew.finance)
    assert (left.pk, left.unallocated) == (line_of(remittance).pk, D("600.00"))


def test_a_fully_matched_line_cannot_be_matched_again(cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    other = a_case(crew.adjuster, cast.store_a, "5000.00")
    remittance = remit(crew.finance, cast.store_a, picc, (case.report_no, "5000.00"))
    services.match(actor=crew.finance, line=line_of(remittance), case=case)
    with pytest.raises(ValidationError, match="fully matched already"):
        services.match(actor=crew.finance, line=line_of(remittance), case=other)
    assert fresh(other).paid_amount == 0 and Allocation.objects.count() == 1


def test_a_case_is_never_paid_twice(cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    remittance = remit(crew.finance, cast.store_a, picc, (case.report_no, "5000.00"), (case.report_no, "5000.00"))
    services.match(actor=crew.finance, line=line_of(remittance, 1), case=case)
    with pytest.raises(ValidationError, match="nothing outstanding"):
        services.match(actor=crew.finance, line=line_of(remittance, 2), case=case)
    with pytest.raises(ValidationError, match="more than is due|never paid twice"):
        services.match(actor=crew.finance, line=line_of(remittance, 2), case=case, amount=D("0.01"))
    assert fresh(case).paid_amount == D("5000.00") and line_of(remittance, 2).allocated_amount == 0


def test_more_than_the_line_has_left_or_nothing_is_refused(cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    remittance = remit(crew.finance, cast.store_a, picc, (case.report_no, "1000.00"))
    with pytest.raises(ValidationError) as exc:
        services.match(actor=crew.finance, line=line_of(remittance), case=case, amount=D("1000.01"))
    assert "Only ¥1000.00 of line 1" in exc.value.message_dict["amount"][0]
    with pytest.raises(ValidationError):
        services.match(actor=crew.finance, line=line_of(remittance), case=case, amount=D("0"))
    assert fresh(case).paid_amount == 0


def test_a_case_of_another_store_or_insurer_is_refused_with_the_reason(cast, crew, picc):
    case_b = a_case(crew.b_adjuster, cast.store_b, "5000.00")
    case_cpic = a_case(crew.adjuster, cast.store_a, "5000.00", insurer_code="CPIC")
    remittance = remit(crew.finance, cast.store_a, picc, ("RDAA-X", "5000.00"))
    with pytest.raises(ValidationError) as exc:
        services.match(actor=crew.finance, line=line_of(remittance), case=case_b)
    assert "belongs to another store" in exc.value.message_dict["case"][0]
    with pytest.raises(ValidationError) as exc:
        services.match(actor=crew.finance, line=line_of(remittance), case=case_cpic)
    assert "not from" in exc.value.message_dict["case"][0]
    with pytest.raises(PermissionDenied):
        services.match(actor=crew.b_adjuster, line=line_of(remittance), case=case_b)
    assert not Allocation.objects.exists()


def test_unmatching_with_a_reason_restores_the_line_and_the_case(cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    remittance = remit(crew.finance, cast.store_a, picc, (case.report_no, "2000.00"))
    allocation = services.match(actor=crew.finance, line=line_of(remittance), case=case)
    with pytest.raises(ValidationError):
        services.unmatch(actor=crew.finance, allocation=allocation, reason=" ")

    services.unmatch(actor=crew.finance, allocation=allocation, reason="保险公司说这笔是另一个案件的")

    allocation = fresh(allocation)
    assert allocation.reversed_by == crew.finance and allocation.reversal_reason.startswith("保险公司")
    assert line_of(remittance).allocated_amount == 0 and fresh(case).paid_amount == 0
    assert list(selectors.unmatched_lines(crew.finance)) == [line_of(remittance)]
    with pytest.raises(ValidationError, match="already undone"):
        services.unmatch(actor=crew.finance, allocation=allocation, reason="again")
    assert AuditLog.objects.for_object(allocation).filter(action="update").exists()
    # The money can now go to the right case.
    services.match(actor=crew.finance, line=line_of(remittance), case=case)
    assert fresh(case).paid_amount == D("2000.00")


def test_a_closed_case_keeps_its_payment(cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    remittance = remit(crew.finance, cast.store_a, picc, (case.report_no, "5000.00"))
    services.auto_match(actor=crew.finance, remittance=remittance)
    with pytest.raises(ValidationError, match="cannot be taken back"):
        services.unmatch(actor=crew.finance, allocation=Allocation.objects.get(), reason="错了")
    assert fresh(case).step == Step.CLOSED and line_of(remittance).allocated_amount == D("5000.00")


def test_commission_money_is_never_matched_to_a_claim_case(cast, crew, picc):
    case = a_case(crew.adjuster, cast.store_a, "5000.00")
    remittance = services.record_remittance(
        actor=crew.finance, store=cast.store_a, insurer=picc,
        data={"purpose": Purpose.COMMISSIONS, "received_on": dt.date(2026, 12, 1), "total_amount": D("900.00")},
        lines=[{"policy_number": "PDZA2026", "amount": D("900.00")}])
    # No statement is invoiced: the automatic matching finds nothing to pay.
    assert services.auto_match(actor=crew.finance, remittance=remittance)["matched"] == 0
    with pytest.raises(ValidationError, match="commission to commission statements"):
        services.match(actor=crew.finance, line=line_of(remittance), case=case)
    assert [line.pk for line in selectors.unmatched_lines(crew.finance)] == [line_of(remittance).pk]


def test_the_unmatched_list_is_scoped_to_the_users_stores_and_oldest_first(cast, crew, picc):
    late = remit(crew.finance, cast.store_a, picc, ("RDAA-LATE", "10.00"), received_on=dt.date(2026, 12, 5))
    early = remit(crew.finance, cast.store_a, picc, ("RDAA-EARLY", "10.00"), received_on=dt.date(2026, 11, 5))
    remit(crew.b_adjuster, cast.store_b, picc, ("RDAA-B", "10.00"))
    assert [line.remittance for line in selectors.unmatched_lines(crew.finance)] == [early, late]
    assert [line.report_no for line in selectors.unmatched_lines(crew.b_adjuster)] == ["RDAA-B"]
    assert len(selectors.unmatched_lines(cast.office)) == 3
    assert not selectors.unmatched_lines(cast.a_sales).exists()


def test_the_database_itself_refuses_a_line_allocating_more_than_it_carries(cast, crew, picc):
    from django.db import IntegrityError, transaction

    remittance = remit(crew.finance, cast.store_a, picc, ("RDAA1", "100.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        RemittanceLine.objects.filter(remittance=remittance).update(allocated_amount=D("100.01"))
    assert line_of(remittance).allocated_amount == 0
