import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chexian.core.testing import make_vehicle
from chexian.policies import services
from chexian.policies.choices import BusinessType, CancellationReason, EndorsementKind, PolicyLine, PolicyStatus
from chexian.policies.models import Policy
from chexian.policies.tests.factories import active_contract, make_policy, policy_input


@pytest.fixture
def desk(cast):
    """Store A with an active PICC contract and a car bought last year."""
    active_contract(cast, cast.store_a)
    vehicle = make_vehicle(cast.a_issuer, cast.store_a, purchase_date=dt.date(2025, 3, 1), engine_no="E1234567")
    return vehicle


def refused(actor, data):
    before = Policy.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.issue_policy(actor=actor, data=data)
    assert Policy.objects.count() == before
    return exc.value.message_dict


def test_commission_comes_from_the_contract_in_force(cast, desk):
    ctpl = make_policy(cast.a_issuer, desk)
    commercial = make_policy(cast.a_issuer, desk, line=PolicyLine.COMMERCIAL)
    assert (ctpl.commission_rate, ctpl.commission_amount) == (Decimal("4.00"), Decimal("32.26"))  # 806.60 × 4%
    assert commercial.commission_base_amount == Decimal("3000.00")  # base excludes VAT, as agreed
    assert commercial.commission_amount == Decimal("540.00")
    assert ctpl.contract.insurer.code == "PICC"


def test_commission_base_with_vat_when_the_contract_says_so(cast):
    active_contract(cast, cast.store_a, commission_base="with_vat")
    vehicle = make_vehicle(cast.a_issuer, cast.store_a, purchase_date=dt.date(2025, 3, 1))
    policy = make_policy(cast.a_issuer, vehicle, line=PolicyLine.COMMERCIAL)
    assert (policy.commission_base_amount, policy.commission_amount) == (Decimal("3180.00"), Decimal("572.40"))


def test_new_energy_commercial_uses_nev_clauses_and_rate(cast):
    active_contract(cast, cast.store_a)
    nev = make_vehicle(cast.a_issuer, cast.store_a, plate="粤BD12345", energy_type="bev",
                       purchase_date=dt.date(2025, 3, 1))
    policy = make_policy(cast.a_issuer, nev, line=PolicyLine.COMMERCIAL)
    assert policy.clause_family == "nev_2021" and policy.commission_rate == Decimal("15.00")


def test_coverage_of_the_wrong_clause_family_is_refused(cast):
    active_contract(cast, cast.store_a)
    nev = make_vehicle(cast.a_issuer, cast.store_a, plate="粤BD12345", energy_type="bev")
    fuel = make_vehicle(cast.a_issuer, cast.store_a)
    fuel_plan = policy_input(fuel, line=PolicyLine.COMMERCIAL).coverages
    errors = refused(cast.a_issuer, policy_input(nev, line=PolicyLine.COMMERCIAL, coverages=fuel_plan))
    assert "coverages" in errors


def test_third_party_limit_must_be_a_tier(cast, desk):
    data = policy_input(desk, line=PolicyLine.COMMERCIAL)
    data.coverages[1].limit = Decimal("1234567")
    assert "coverages" in refused(cast.a_issuer, data)


def test_no_policy_without_an_active_contract(cast, desk):
    errors = refused(cast.a_issuer, policy_input(desk, insurer_code="PINGAN"))
    assert "no active agency contract" in errors["insurer"][0]


def test_contract_outside_its_period_does_not_count(cast, desk):
    errors = refused(cast.a_issuer, policy_input(desk, issued_on=dt.date(2031, 1, 2), start=dt.date(2031, 1, 5)))
    assert "insurer" in errors


def test_overlapping_compulsory_policy_is_refused(cast, desk):
    first = make_policy(cast.a_issuer, desk, start=dt.date(2026, 3, 1))
    errors = refused(cast.a_issuer, policy_input(desk, start=dt.date(2026, 9, 1)))
    assert first.number in errors["start_date"][0]
    # The next period, starting the day after, is fine.
    assert make_policy(cast.a_issuer, desk, start=dt.date(2027, 3, 1))


def test_cancelled_compulsory_policy_no_longer_blocks_the_period(cast, desk):
    first = make_policy(cast.a_issuer, desk, start=dt.date(2026, 3, 1))
    services.cancel_policy(actor=cast.a_supervisor, policy=first, reason=CancellationReason.LAID_UP,
                           effective_date=dt.date(2026, 4, 1), refund_amount=Decimal("700.00"))
    assert make_policy(cast.a_issuer, desk, start=dt.date(2026, 9, 1))


def test_compulsory_runs_one_year_unless_a_short_term_case_is_recorded(cast, desk):
    errors = refused(cast.a_issuer, policy_input(desk, end_date=dt.date(2026, 8, 31)))
    assert "Art 20" in errors["end_date"][0]
    short = make_policy(cast.a_issuer, desk, end_date=dt.date(2026, 8, 31), short_term_reason="near_scrapping")
    assert short.short_term_reason == "near_scrapping"


def test_start_after_end_is_refused(cast, desk):
    errors = refused(cast.a_issuer, policy_input(desk, line=PolicyLine.COMMERCIAL, end_date=dt.date(2026, 2, 1)))
    assert "end_date" in errors


@pytest.mark.parametrize(
    ("field", "value"),
    [("premium", Decimal("-1.00")), ("premium", Decimal("855.001")), ("vat", Decimal("1.00"))],
)
def test_bad_money_is_refused(cast, desk, field, value):
    errors = refused(cast.a_issuer, policy_input(desk, **{field: value}))
    assert field in errors or "vat" in errors


def test_vehicle_tax_only_on_compulsory(cast, desk):
    errors = refused(cast.a_issuer, policy_input(desk, line=PolicyLine.COMMERCIAL, vehicle_tax=Decimal("360.00")))
    assert "vehicle_tax" in errors


def test_business_type_is_derived_from_history(cast):
    active_contract(cast, cast.store_a)
    new_car = make_vehicle(cast.a_issuer, cast.store_a, purchase_date=dt.date(2026, 2, 20))
    first = make_policy(cast.a_issuer, new_car, start=dt.date(2026, 3, 1))
    second = make_policy(cast.a_issuer, new_car, start=dt.date(2027, 3, 1))
    old_car = make_vehicle(cast.a_issuer, cast.store_a, purchase_date=dt.date(2019, 5, 1))
    transfer = make_policy(cast.a_issuer, old_car, start=dt.date(2026, 3, 1))
    assert (first.business_type, second.business_type, transfer.business_type) == (
        BusinessType.NEW_CAR, BusinessType.RENEWAL, BusinessType.TRANSFER_IN,
    )


def test_documents_are_checked_per_business_type(cast):
    active_contract(cast, cast.store_a)
    new_car = make_vehicle(cast.a_issuer, cast.store_a, purchase_date=dt.date(2026, 2, 20))
    errors = refused(cast.a_issuer, policy_input(new_car, documents=["owner_id", "vehicle_licence"]))
    assert "documents" in errors


def test_new_car_without_plate_is_insured_by_vin_and_engine_number_then_endorsed(cast):
    active_contract(cast, cast.store_a)
    car = make_vehicle(cast.a_issuer, cast.store_a, plate="", engine_no="", purchase_date=dt.date(2026, 2, 20))
    assert "vehicle" in refused(cast.a_issuer, policy_input(car))
    car.engine_no = "EN998877"
    car.save()
    policy = make_policy(cast.a_issuer, car)
    endorsement = services.endorse_policy(
        actor=cast.a_issuer, policy=policy, kind=EndorsementKind.PLATE, effective_date=dt.date(2026, 3, 10),
        after={"plate": "粤B7K2M9"},
    )
    car.refresh_from_db()
    assert car.plate == "粤B7K2M9"
    assert endorsement.before == {"plate": ""} and endorsement.after == {"plate": "粤B7K2M9"}


def test_coverage_endorsement_keeps_history_and_recomputes_commission(cast, desk):
    policy = make_policy(cast.a_issuer, desk, line=PolicyLine.COMMERCIAL)
    items = policy_input(desk, line=PolicyLine.COMMERCIAL).coverages
    items[1].limit, items[1].premium = Decimal("2000000"), Decimal("1392.00")
    services.endorse_policy(actor=cast.a_issuer, policy=policy, kind=EndorsementKind.COVERAGE,
                            effective_date=dt.date(2026, 6, 1), after={"coverages": items},
                            premium_change=Decimal("212.00"))
    policy.refresh_from_db()
    assert policy.premium == Decimal("3392.00") and policy.premium_without_vat + policy.vat == policy.premium
    endorsement = policy.endorsements.get()
    assert endorsement.before["coverages"][1]["limit"] == "1000000.00"
    assert endorsement.after["coverages"][1]["limit"] == "2000000.00"


def test_compulsory_cancellation_only_for_the_lawful_reasons(cast, desk):
    policy = make_policy(cast.a_issuer, desk)
    with pytest.raises(ValidationError) as exc:
        services.cancel_policy(actor=cast.a_supervisor, policy=policy, reason=CancellationReason.POLICYHOLDER_REQUEST,
                               effective_date=dt.date(2026, 4, 1), refund_amount=Decimal("100.00"))
    assert "Art 16" in exc.value.message_dict["reason"][0]
    cancellation = services.cancel_policy(
        actor=cast.a_supervisor, policy=policy, reason=CancellationReason.DEREGISTERED,
        effective_date=dt.date(2026, 4, 1), refund_amount=Decimal("427.50"),
    )
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.CANCELLED
    assert cancellation.commission_clawback == Decimal("16.13")  # 32.26 × 427.50 / 855


def test_refund_cannot_exceed_the_premium(cast, desk):
    policy = make_policy(cast.a_issuer, desk, line=PolicyLine.COMMERCIAL)
    with pytest.raises(ValidationError):
        services.cancel_policy(actor=cast.a_supervisor, policy=policy, reason=CancellationReason.POLICYHOLDER_REQUEST,
                               effective_date=dt.date(2026, 4, 1), refund_amount=Decimal("9999.00"))


def test_non_motor_policy_has_its_own_line_and_commission(cast, desk):
    from chexian.catalog.models import Coverage
    from chexian.policies.services import CoverageInput

    accident = Coverage.objects.filter(family="non_motor").first()
    policy = make_policy(
        cast.a_issuer, desk, line=PolicyLine.NON_MOTOR, premium=Decimal("200.00"),
        premium_without_vat=Decimal("188.68"), vat=Decimal("11.32"), vehicle_tax=Decimal("0"),
        coverages=[CoverageInput(accident, Decimal("200.00"), limit=Decimal("100000"))],
    )
    assert policy.clause_family == "non_motor" and policy.commission_amount == Decimal("47.17")


def test_roles_without_the_right_cannot_issue(cast, desk):
    with pytest.raises(PermissionDenied):
        services.issue_policy(actor=cast.a_dept, data=policy_input(desk))
    with pytest.raises(PermissionDenied):
        services.issue_policy(actor=cast.b_issuer, data=policy_input(desk))


def test_policyholder_of_another_store_is_refused(cast, desk):
    from chexian.core.testing import make_customer

    stranger = make_customer(cast.b_issuer, cast.store_b)
    assert "policyholder" in refused(cast.a_issuer, policy_input(desk, policyholder=stranger))


def test_duplicate_policy_number_for_the_insurer_is_refused(cast, desk):
    policy = make_policy(cast.a_issuer, desk, line=PolicyLine.COMMERCIAL)
    errors = refused(cast.a_issuer, policy_input(desk, number=policy.number))
    assert errors


def test_coverage_rows_and_their_changes_are_in_the_audit_log(cast, desk):
    from django.contrib.contenttypes.models import ContentType

    from chexian.core.choices import AuditAction
    from chexian.core.models import AuditLog
    from chexian.policies.models import PolicyCoverage

    policy = make_policy(cast.a_issuer, desk, line=PolicyLine.COMMERCIAL)
    coverage_type = ContentType.objects.get_for_model(PolicyCoverage)
    created = AuditLog.objects.filter(content_type=coverage_type, action=AuditAction.CREATE)
    assert created.count() == 2
    entry = created.get(object_id=str(policy.coverages.get(coverage__code="third_party").pk))
    assert Decimal(entry.after["limit"]) == Decimal("1000000") and Decimal(entry.after["premium"]) == Decimal("1180")
    assert entry.actor == cast.a_issuer and entry.store_id == cast.store_a.pk

    items = policy_input(desk, line=PolicyLine.COMMERCIAL).coverages
    items[1].limit = Decimal("2000000")
    services.endorse_policy(actor=cast.a_issuer, policy=policy, kind=EndorsementKind.COVERAGE,
                            effective_date=dt.date(2026, 6, 1), after={"coverages": items})
    deleted = AuditLog.objects.filter(content_type=coverage_type, action=AuditAction.DELETE)
    assert deleted.count() == 2 and {e.actor for e in deleted} == {cast.a_issuer}
    assert created.count() == 4
    assert Decimal(created.order_by("-pk").first().after["limit"]) == Decimal("2000000")
