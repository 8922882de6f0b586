"""The demo data obeys the policy rules: ``chexian demo`` writes in bulk, so these
tests check what ``issue_policy`` would have enforced, with the services' own
functions, on a small demo (2 stores × 50 vehicles × 3 years)."""

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.db import transaction

from chexian.catalog.choices import ClauseFamily
from chexian.customers.choices import EnergyType
from chexian.insurers.choices import ContractStatus
from chexian.insurers.models import AgencyContract, AgencyLicence, ContractEvent
from chexian.insurers.services import contract_in_force, partner_limit
from chexian.org.choices import Role
from chexian.org.models import Store
from chexian.policies import services
from chexian.policies.choices import BusinessType, PolicyLine, PolicyStatus
from chexian.policies.models import Policy, PolicyCoverage

TODAY = dt.date(2026, 6, 15)
YEARS = 3


def run_demo(seed=2026, years=YEARS):
    call_command("demo", stores=2, vehicles_per_store=50, years=years, seed=seed, today=TODAY, quiet_logins=True)


@pytest.fixture
def demo(db):
    run_demo()
    return Policy.objects.select_related("vehicle", "contract", "insurer", "store").order_by("pk")


def test_the_demo_covers_every_kind_of_policy(demo):
    kinds = Counter((p.line, p.business_type) for p in demo)
    for line in (PolicyLine.CTPL, PolicyLine.COMMERCIAL):
        for business_type in BusinessType:
            assert kinds[(line, business_type)] > 0, (line, business_type)
    assert (
        kinds[(PolicyLine.NON_MOTOR, BusinessType.NEW_CAR)] + kinds[(PolicyLine.NON_MOTOR, BusinessType.TRANSFER_IN)]
        > 0
    )
    assert any(p.clause_family == ClauseFamily.NEV_2021 for p in demo)
    start = TODAY.replace(year=TODAY.year - YEARS)
    assert all(start <= p.issued_on <= TODAY for p in demo)
    assert {p.status for p in demo} == {PolicyStatus.EXPIRED, PolicyStatus.IN_FORCE}
    for p in demo:
        assert p.status == (PolicyStatus.EXPIRED if p.end_date < TODAY else PolicyStatus.IN_FORCE)


def test_each_store_has_two_or_three_active_partners_within_its_limit(demo):
    for store in Store.objects.all():
        contracts = AgencyContract.objects.filter(store=store)
        assert 2 <= contracts.filter(status=ContractStatus.ACTIVE).count() <= 3
        assert contracts.count() <= partner_limit(store, TODAY)[0]  # 3 only where the premium allows it
        assert AgencyLicence.objects.filter(store=store).count() == 1
        for contract in contracts:
            events = list(contract.events.order_by("at"))
            assert [(e.from_status, e.to_status) for e in events] == [
                ("", ContractStatus.PROPOSED),
                (ContractStatus.PROPOSED, ContractStatus.APPROVED),
                (ContractStatus.APPROVED, ContractStatus.ACTIVE),
            ]
            assert events[0].actor == contract.proposed_by
            assert events[0].actor.staff_roles.get().role == Role.SUPERVISOR
            assert events[0].actor.staff_roles.get().store == store
            assert {e.actor.staff_roles.get().role for e in events[1:]} == {Role.GROUP_OFFICE}
            assert contract.decided_by == contract.legal_reviewed_by == events[1].actor
            assert events[2].at.date() < contract.valid_from
            assert Decimal("0") < contract.rate_ctpl <= Decimal("4")
            assert Decimal("10") <= contract.rate_commercial <= Decimal("25")
            assert contract.rate_nev_commercial < contract.rate_commercial
            assert Decimal("20") <= contract.rate_non_motor <= Decimal("30")
    assert ContractEvent.objects.count() == 3 * AgencyContract.objects.count()


def test_commission_comes_from_the_active_contract_in_force(demo):
    for p in demo:
        contract = p.contract
        assert contract.status == ContractStatus.ACTIVE
        assert (contract.store_id, contract.insurer_id) == (p.store_id, p.insurer_id)
        assert contract.valid_from <= p.issued_on <= contract.valid_until
        assert contract_in_force(p.store, p.insurer, p.issued_on) == contract
        expected = services.commission_for(contract, p.line, p.clause_family, p.premium, p.premium_without_vat)
        assert (p.commission_rate, p.commission_base_amount, p.commission_amount) == expected


def test_money_has_fen_and_the_vat_split(demo):
    for p in demo:
        for amount in (p.premium, p.premium_without_vat, p.vat, p.vehicle_tax, p.commission_amount):
            assert amount == amount.quantize(Decimal("0.01")) and amount >= 0
        assert p.premium_without_vat == (p.premium / Decimal("1.06")).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert p.premium_without_vat + p.vat == p.premium
        if p.line == PolicyLine.CTPL:
            base = 950 if p.vehicle.seats < 6 else 1100
            if p.vehicle.usage == "enterprise":
                base = 1000 if p.vehicle.seats < 6 else 1130
            assert p.premium / base in {Decimal("0.7"), Decimal("0.8"), Decimal("0.9"), Decimal("1"), Decimal("1.1")}
            if p.vehicle.energy_type == EnergyType.BEV:
                assert p.vehicle_tax == 0
        else:
            assert p.vehicle_tax == 0
    sums = defaultdict(Decimal)
    for policy_id, premium in PolicyCoverage.objects.values_list("policy_id", "premium"):
        sums[policy_id] += premium
    assert all(sums[p.pk] == p.premium for p in demo)


def test_periods_and_no_overlapping_ctpl(demo):
    ctpl = defaultdict(list)
    for p in demo:
        assert p.end_date == services.one_year_end(p.start_date)
        assert p.issued_on <= p.start_date
        if p.line == PolicyLine.CTPL and p.status != PolicyStatus.CANCELLED:
            ctpl[p.vehicle_id].append((p.start_date, p.end_date))
    for periods in ctpl.values():
        periods.sort()
        for (_s1, end), (start, _e2) in zip(periods, periods[1:], strict=False):
            assert start > end


def test_business_types_follow_the_vehicles_history(demo):
    for p in demo:
        history = Policy.objects.filter(vehicle=p.vehicle).exclude(status=PolicyStatus.CANCELLED)
        # The service's own derivation, against everything recorded, gives the stored type.
        assert services.derive_business_type(p.vehicle, p.line, p.start_date, exclude_pk=p.pk) == p.business_type
        if p.business_type == BusinessType.NEW_CAR:
            assert not history.filter(start_date__lt=p.start_date).exists()
            assert p.start_date - dt.timedelta(days=60) <= p.vehicle.purchase_date <= p.start_date
            assert p.vehicle.sold_here
        elif p.business_type == BusinessType.RENEWAL:
            assert history.filter(
                store=p.store,
                line=p.line,
                start_date__lt=p.start_date,
                end_date__gte=p.start_date - dt.timedelta(days=365),
            ).exists()


def test_clause_families_and_coverages(demo):
    for p in demo:
        assert p.clause_family == services.clause_family_for(p.vehicle, p.line)
        if p.line == PolicyLine.COMMERCIAL and p.vehicle.is_new_energy:
            assert p.clause_family == ClauseFamily.NEV_2021
    for item in PolicyCoverage.objects.select_related("coverage", "policy"):
        assert item.coverage.family == item.policy.clause_family
        assert item.coverage.validate_limit(item.limit) == item.limit
        if item.coverage.requires_id:
            assert item.policy.coverages.filter(coverage_id=item.coverage.requires_id).exists()
    commercial = Policy.objects.filter(line=PolicyLine.COMMERCIAL)
    assert not commercial.exclude(coverages__coverage__code__in=["third_party", "nev_third_party"]).exists()


def _fingerprint() -> str:
    rows = Policy.objects.order_by("insurer__code", "number").values_list(
        "insurer__code",
        "number",
        "store__code",
        "vehicle__vin",
        "line",
        "clause_family",
        "start_date",
        "end_date",
        "issued_on",
        "premium",
        "premium_without_vat",
        "vat",
        "vehicle_tax",
        "commission_rate",
        "commission_amount",
        "business_type",
        "status",
        "issuer__username",
        "contract__rate_commercial",
    )
    coverages = PolicyCoverage.objects.order_by("policy__insurer__code", "policy__number", "coverage__code")
    digest = hashlib.sha256(repr(list(rows)).encode())
    digest.update(repr(list(coverages.values_list("policy__number", "coverage__code", "limit", "premium"))).encode())
    return digest.hexdigest()


def _run_and_roll_back(seed) -> str:
    """Run the demo in a savepoint, fingerprint it and undo it: the next run starts
    from the same empty database (natural keys only, so PostgreSQL sequences that a
    rollback does not rewind change nothing)."""
    with transaction.atomic():
        run_demo(seed=seed)
        fingerprint = _fingerprint()
        transaction.set_rollback(True)
    assert not Policy.objects.exists()
    return fingerprint


@pytest.mark.django_db
def test_the_demo_is_deterministic():
    first = _run_and_roll_back(2026)
    assert _run_and_roll_back(2026) == first
    assert _run_and_roll_back(7) != first


@pytest.mark.django_db
def test_years_sets_the_length_of_the_history():
    run_demo(years=1)
    first_issue = Policy.objects.order_by("issued_on").values_list("issued_on", flat=True).first()
    assert first_issue >= TODAY.replace(year=TODAY.year - 1)
