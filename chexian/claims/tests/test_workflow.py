"""The eleven-step claim workflow (SPEC §3.6, seed-002 §4.3): every step in order,
no step skipped, going back with a reason, the insurer's return, the payment and
the five-signature third-party payout."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from chexian.claims import selectors, services
from chexian.claims.choices import ORDER, ClaimType, DocumentKind, PayeeKind, PayoutStatus, Step, Tier, tier_of
from chexian.claims.models import ClaimTransition
from chexian.claims.testing import STEP_DATA, case_at_payment, open_case, walk_to
from chexian.leads.choices import LeadSource
from chexian.leads.models import Lead
from chexian.policies.tests.factories import make_policy

pytestmark = pytest.mark.django_db


def pay(case, amount, actor):
    with transaction.atomic():
        return services.apply_payment(actor=actor, case_id=case.pk, amount=Decimal(amount), on=timezone.localdate())


def test_a_case_walks_all_eleven_steps_in_order_and_each_is_recorded(cast, crew):
    case = open_case(crew.adjuster, cast.store_a)
    assert case.step == Step.REPORT and case.number.startswith("A01-LP")
    case = walk_to(case, Step.PAYMENT, crew.adjuster,
                   settlement={"settlement_amount": Decimal("12000.00"), "insurer_amount": Decimal("11500.00"),
                               "third_party_amount": Decimal("3000.00")})
    assert case.tier == Tier.LARGE and case.handover_batch is not None
    assert case.payment_due_on == case.handed_over_on + dt.timedelta(days=30)
    case = pay(case, "11500.00", crew.finance)
    assert case.step == Step.PAYOUT and case.paid_on == timezone.localdate()

    payout = services.request_payout(actor=crew.adjuster, case=case, data={
        "payee_kind": PayeeKind.THIRD_PARTY, "payee_name": "陈三者", "bank_name": "中国工商银行广州天河支行",
        "account_name": "陈 三者", "account_number": "6222 0212 3456 7890 128", "amount": Decimal("3000.00")})
    assert payout.account_masked.startswith("6222") and "3456" not in payout.account_masked
    for signer in (crew.adjuster, crew.aftersales, crew.cashier, crew.finance_manager, crew.manager):
        payout = services.sign_payout(actor=signer, payout=payout, role=_role_of(crew, signer))
    assert payout.status == PayoutStatus.APPROVED
    payout = services.confirm_payee(actor=crew.cashier, payout=payout, on=timezone.localdate())
    services.pay_payout(actor=crew.finance, payout=payout, on=timezone.localdate(), bank_reference="TX001")
    case.refresh_from_db()
    assert case.step == Step.CLOSED and case.closed_at is not None
    path = list(ClaimTransition.objects.filter(case=case).values_list("to_step", flat=True))
    assert path == ORDER  # report … payout, closed: nothing skipped, each step once


def _role_of(crew, user):
    from chexian.org.choices import Role

    return {crew.adjuster: Role.ADJUSTER, crew.aftersales: Role.AFTERSALES_MANAGER, crew.cashier: Role.CASHIER,
            crew.finance_manager: Role.FINANCE_MANAGER, crew.manager: Role.STORE_MANAGER}[user]


def test_a_case_without_third_party_money_closes_when_paid(cast, crew):
    case = case_at_payment(crew.adjuster, cast.store_a)
    case = pay(case, "6800.00", crew.finance)
    assert case.step == Step.CLOSED


@pytest.mark.parametrize("step, data, field", [
    (Step.REPORT, {"documents_received": [DocumentKind.ID_CARD]}, "documents_received"),
    (Step.ASSESSMENT, {"assessed_amount": Decimal("-1.00"), "assessed_on": dt.date(2026, 11, 20)}, "assessed_amount"),
    (Step.ASSESSMENT, {"assessed_on": dt.date(2026, 11, 20)}, "assessed_amount"),
    (Step.REPAIR, {"repair_order_no": "RO1"}, "quality_checked_by"),
    (Step.SETTLEMENT, {"settlement_amount": Decimal("100.00")}, "insurer_amount"),
    (Step.SETTLEMENT, {"settlement_amount": Decimal("100.00"), "insurer_amount": Decimal("500.00")},
     "insurer_amount"),
    (Step.SIGNING, {"signed_on": dt.date(2026, 11, 21)}, "invoice_no"),
])
def test_a_step_is_not_completed_without_its_data(cast, crew, step, data, field):
    case = walk_to(open_case(crew.adjuster, cast.store_a), step, crew.adjuster)
    with pytest.raises(ValidationError) as exc:
        services.advance_claim(actor=crew.adjuster, case=case, data=data)
    assert field in exc.value.message_dict
    case.refresh_from_db()
    assert case.step == step  # nothing moved


def test_the_assessment_needs_a_photo(cast, crew):
    case = walk_to(open_case(crew.adjuster, cast.store_a), Step.ASSESSMENT, crew.adjuster)
    with pytest.raises(ValidationError, match="photo"):
        services.advance_claim(actor=crew.adjuster, case=case, data=STEP_DATA[Step.ASSESSMENT])


def test_theft_needs_the_police_certificate_and_keys(cast, crew):
    case = open_case(crew.adjuster, cast.store_a, claim_type=ClaimType.THEFT, documents=False)
    with pytest.raises(ValidationError) as exc:
        services.advance_claim(actor=crew.adjuster, case=case, data={"documents_received": ["id_card"]})
    assert "公安报案证明" in str(exc.value) and "车钥匙" in str(exc.value)


@pytest.mark.parametrize("step", [Step.HANDOVER, Step.OLD_PARTS, Step.PAYMENT])
def test_steps_done_elsewhere_cannot_be_completed_by_hand(cast, crew, step):
    case = walk_to(open_case(crew.adjuster, cast.store_a), step, crew.adjuster)
    with pytest.raises(ValidationError):
        services.advance_claim(actor=crew.adjuster, case=case, data={})


def test_data_of_another_step_is_refused(cast, crew):
    case = open_case(crew.adjuster, cast.store_a)
    with pytest.raises(ValidationError, match="settlement_amount"):
        services.advance_claim(actor=crew.adjuster, case=case, data={"settlement_amount": Decimal("1")})


def test_only_filed_cases_are_handed_over(cast, crew):
    case = walk_to(open_case(crew.adjuster, cast.store_a), Step.SIGNING, crew.adjuster)
    with pytest.raises(ValidationError):
        services.hand_over(actor=crew.adjuster, store=cast.store_a, insurer=case.insurer, cases=[case],
                           handed_over_on=timezone.localdate(), received_by="赵")
    case.refresh_from_db()
    assert case.step == Step.SIGNING and case.handover_batch is None


def test_a_user_without_the_role_cannot_move_a_case(cast, crew):
    case = open_case(crew.adjuster, cast.store_a)
    for user in (cast.a_dept, crew.cashier, crew.b_adjuster):
        with pytest.raises(PermissionDenied):
            services.advance_claim(actor=user, case=case, data={})
    with pytest.raises(PermissionDenied):
        services.open_claim(actor=crew.b_adjuster, store=cast.store_a, data={"vehicle": case.vehicle})


def test_going_back_needs_a_reason_and_an_earlier_step(cast, crew):
    case = walk_to(open_case(crew.adjuster, cast.store_a), Step.SETTLEMENT, crew.adjuster)
    with pytest.raises(ValidationError, match="reason"):
        services.go_back(actor=crew.adjuster, case=case, to_step=Step.ASSESSMENT, reason=" ")
    with pytest.raises(ValidationError):
        services.go_back(actor=crew.adjuster, case=case, to_step=Step.SIGNING, reason="x")
    case = services.go_back(actor=crew.adjuster, case=case, to_step=Step.ASSESSMENT, reason="定损金额录错")
    assert case.step == Step.ASSESSMENT
    last = case.transitions.last()
    assert (last.backwards, last.reason) == (True, "定损金额录错")
    case = walk_to(case, Step.SETTLEMENT, crew.adjuster)  # forward again, step by step
    assert case.step == Step.SETTLEMENT


def test_after_the_handover_only_the_insurer_returns_a_case(cast, crew):
    case = case_at_payment(crew.adjuster, cast.store_a)
    with pytest.raises(ValidationError):
        services.go_back(actor=crew.adjuster, case=case, to_step=Step.FILING, reason="x")
    old_parts = case.old_parts
    case = services.return_by_insurer(actor=crew.adjuster, case=case, reason="缺少事故认定书")
    assert (case.step, case.returned_count, case.handover_batch, case.tier) == (Step.FILING, 1, None, "")
    assert list(selectors.returned(crew.adjuster)) == [case]
    case = walk_to(case, Step.HANDOVER, crew.adjuster)  # filed again
    services.hand_over(actor=crew.adjuster, store=case.store, insurer=case.insurer, cases=[case],
                       handed_over_on=timezone.localdate(), received_by="赵收案")
    case.refresh_from_db()
    # The old parts went with the first handover: the case waits for the money straight away.
    assert (case.step, case.old_parts, case.handover_items.count()) == (Step.PAYMENT, old_parts, 2)


def test_filing_tiers_follow_the_seed_boundaries():
    assert tier_of(Decimal("4999.99")) == Tier.SMALL
    assert tier_of(Decimal("5000.00")) == Tier.MEDIUM
    assert tier_of(Decimal("10000.00")) == Tier.MEDIUM
    assert tier_of(Decimal("10000.01")) == Tier.LARGE


def test_a_case_is_never_paid_twice(cast, crew):
    case = case_at_payment(crew.adjuster, cast.store_a)
    pay(case, "5000.00", crew.finance)
    with pytest.raises(ValidationError, match="never paid twice"):
        pay(case, "1800.01", crew.finance)
    case = pay(case, "1800.00", crew.finance)
    assert case.paid_amount == Decimal("6800.00") and case.step == Step.CLOSED


def test_an_unpaid_case_past_its_promised_day_is_overdue_with_its_age(cast, crew):
    today = timezone.localdate()
    old = walk_to(open_case(crew.adjuster, cast.store_a), Step.PAYMENT, crew.adjuster,
                  handed_over_on=today - dt.timedelta(days=45))
    walk_to(open_case(crew.adjuster, cast.store_a), Step.PAYMENT, crew.adjuster)
    waiting, buckets = selectors.aging(crew.adjuster, today)
    assert [b["count"] for b in buckets] == [1, 1, 0, 0]
    assert [b["overdue"] for b in buckets] == [0, 1, 0, 0]
    overdue, _ = selectors.aging(crew.adjuster, today, overdue_only=True)
    assert list(overdue) == [old]
    assert list(selectors.aging(crew.b_adjuster, today)[0]) == []


def test_a_claim_for_a_car_insured_elsewhere_becomes_an_intention_customer(cast, crew):
    from chexian.leads.services import repair_retention

    case = open_case(crew.adjuster, cast.store_a)
    assert not case.insured_here
    lead = Lead.objects.get(source=LeadSource.CLAIM)
    assert lead.plate == case.vehicle.plate and case.number in lead.note
    today = timezone.localdate()
    retention = repair_retention(cast.a_supervisor, today.replace(day=1), today)
    assert (retention["claims"], retention["claims_insured_elsewhere"]) == (1, 1)
    assert repair_retention(cast.b_supervisor, today.replace(day=1), today)["claims"] == 0


def test_a_claim_on_our_policy_links_the_policy_and_makes_no_lead(cast, crew):
    today = timezone.localdate()
    from chexian.core.testing import make_vehicle

    car = make_vehicle(cast.a_issuer, cast.store_a, engine_no="E9")
    policy = make_policy(cast.a_issuer, car, start=today - dt.timedelta(days=100),
                         issued_on=today - dt.timedelta(days=101))
    case = open_case(crew.adjuster, cast.store_a, vehicle=car)
    assert case.policy == policy and case.insured_here
    assert not Lead.objects.filter(source=LeadSource.CLAIM).exists()


@pytest.fixture
def approved_path(cast, crew):
    case = case_at_payment(crew.adjuster, cast.store_a, settlement={
        "settlement_amount": Decimal("8000.00"), "insurer_amount": Decimal("8000.00"),
        "third_party_amount": Decimal("2000.00")})
    case = pay(case, "8000.00", crew.finance)
    payout = services.request_payout(actor=crew.adjuster, case=case, data={
        "payee_kind": PayeeKind.CUSTOMER, "payee_name": "张三", "bank_name": "招商银行", "account_name": "张三",
        "account_number": "6225880112345674", "amount": Decimal("2000.00")})
    return case, payout


def test_payout_signatures_out_of_order_or_twice_are_refused(cast, crew, approved_path):
    from chexian.org.choices import Role

    _, payout = approved_path
    with pytest.raises(ValidationError, match="Out of order"):
        services.sign_payout(actor=crew.cashier, payout=payout, role=Role.CASHIER)
    with pytest.raises(PermissionDenied):  # the role is right, the person does not hold it
        services.sign_payout(actor=crew.cashier, payout=payout, role=Role.ADJUSTER)
    services.sign_payout(actor=crew.adjuster, payout=payout, role=Role.ADJUSTER)
    with pytest.raises(ValidationError, match="already signed"):
        services.sign_payout(actor=crew.adjuster, payout=payout, role=Role.ADJUSTER)
    with pytest.raises(ValidationError, match="Out of order"):
        services.sign_payout(actor=crew.manager, payout=payout, role=Role.STORE_MANAGER)
    assert payout.signatures.count() == 1
    with pytest.raises(ValidationError):  # finance pays only after five signatures and the receipt
        services.pay_payout(actor=crew.finance, payout=payout, on=timezone.localdate(), bank_reference="X")


def test_one_person_holding_two_roles_signs_once(cast, crew, approved_path):
    from chexian.org.choices import Role
    from chexian.org.models import StaffRole

    _, payout = approved_path
    StaffRole.objects.create(user=crew.adjuster, role=Role.AFTERSALES_MANAGER, store=cast.store_a,
                             group=cast.group)
    crew.adjuster._chexian_roles = None
    services.sign_payout(actor=crew.adjuster, payout=payout, role=Role.ADJUSTER)
    with pytest.raises(ValidationError, match="five different people"):
        services.sign_payout(actor=crew.adjuster, payout=payout, role=Role.AFTERSALES_MANAGER)


@pytest.mark.parametrize("field, value, expected", [
    ("account_number", "6225880112345679", "account_number"),  # UnionPay card failing its Luhn digit
    ("account_number", "12-34", "account_number"),
    ("account_name", "李四", "account_name"),
    ("amount", Decimal("2000.01"), "amount"),
])
def test_a_payout_to_a_bad_account_or_for_too_much_is_refused(cast, crew, field, value, expected):
    case = case_at_payment(crew.adjuster, cast.store_a, settlement={
        "settlement_amount": Decimal("8000.00"), "insurer_amount": Decimal("8000.00"),
        "third_party_amount": Decimal("2000.00")})
    case = pay(case, "8000.00", crew.finance)
    data = {"payee_kind": PayeeKind.CUSTOMER, "payee_name": "张三", "bank_name": "招商银行", "account_name": "张三",
            "account_number": "6225880112345674", "amount": Decimal("2000.00"), field: value}
    with pytest.raises(ValidationError) as exc:
        services.request_payout(actor=crew.adjuster, case=case, data=data)
    assert expected in exc.value.message_dict
    assert not case.payouts.exists()


def test_an_issuer_receiving_the_car_opens_the_case_for_the_stores_adjuster(cast, crew):
    case = open_case(cast.a_issuer, cast.store_a)
    assert (case.created_by, case.adjuster) == (cast.a_issuer, crew.adjuster)
    with pytest.raises(PermissionDenied):  # the desk opens cases; it does not work them
        services.advance_claim(actor=cast.a_issuer, case=case, data={})


def test_a_claim_in_the_last_year_is_a_feature_of_the_renewal_score(cast, crew):
    from chexian.renewals import likelihood

    case = open_case(crew.adjuster, cast.store_a)
    claims = likelihood._claims([cast.store_a.pk])
    day = timezone.localtime(case.accident_at).date()
    assert likelihood.visits_before(claims.get(case.vehicle_id), day + dt.timedelta(days=30)) == 1
    assert likelihood.visits_before(claims.get(case.vehicle_id), day + dt.timedelta(days=400)) == 0
