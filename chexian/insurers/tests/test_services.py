"""The partner-insurer workflows (SPEC §3.10): the approval flow with its history,
the partner limit and its settings, the contract in force, and who may do what."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from chexian.core.choices import AuditAction
from chexian.core.models import AuditLog
from chexian.insurers import services
from chexian.insurers.choices import ContractStatus
from chexian.insurers.models import AgencyContract, AgencyLicence, ContractEvent, Insurer
from chexian.insurers.tests.factories import (
    activate,
    active_contract,
    insurer,
    months_ago,
    place_premium,
    propose,
)
from chexian.policies.choices import CancellationReason, PolicyLine
from chexian.policies.services import cancel_policy

pytestmark = pytest.mark.django_db
S = ContractStatus


def history(contract):
    return list(contract.events.values_list("from_status", "to_status", "actor__username", "reason"))


# ------------------------------------------------------------------ the seeded insurers
def test_the_insurers_of_the_domain_are_seeded_with_codes_and_names():
    codes = set(Insurer.objects.values_list("code", flat=True))
    assert {
        "PICC", "PINGAN", "CPIC", "CHINALIFE", "CIC", "DADI", "SUNSHINE", "TAIPING", "TIANAN", "HUAAN", "YONGAN",
        "YINGDA", "ZIJIN", "GUOREN", "YATAI", "AXATP", "ZHONGAN",
    } <= codes
    picc = Insurer.objects.get(code="PICC")
    assert (picc.short_name, picc.name) == ("人保财险", "中国人民财产保险股份有限公司")
    assert str(Insurer.objects.get(code="AXATP")) == "安盛天平"


def test_the_seed_migration_is_reversible():
    from django.apps import apps

    migration = importlib.import_module("chexian.insurers.migrations.0002_seed_insurers")
    migration.unseed(apps, None)
    assert not Insurer.objects.exists()
    Insurer.objects.create(code="PICC", name="人保", short_name="人保")  # entered by hand: kept as it is
    migration.seed(apps, None)
    assert Insurer.objects.count() == 17
    assert Insurer.objects.get(code="PICC").short_name == "人保"


# ------------------------------------------------------------------ the approval flow
def test_full_flow_proposed_approved_active_with_a_history_row_per_move(cast):
    contract = propose(cast, cast.store_a, "PICC")
    assert contract.status == S.PROPOSED and contract.proposed_by == cast.a_supervisor

    contract = services.approve_contract(actor=cast.office, contract=contract, reason="费率合理")
    assert contract.status == S.APPROVED
    assert (contract.decided_by, contract.decision_reason) == (cast.office, "费率合理")
    assert contract.decided_at is not None

    contract = services.record_legal_review(actor=cast.office, contract=contract, opinion="合同条款合规")
    contract.refresh_from_db()
    assert contract.status == S.ACTIVE
    assert (contract.legal_reviewed_by, contract.legal_opinion) == (cast.office, "合同条款合规")
    assert history(contract) == [
        ("", S.PROPOSED, "a-supervisor", ""),
        (S.PROPOSED, S.APPROVED, "office", "费率合理"),
        (S.APPROVED, S.ACTIVE, "office", "合同条款合规"),
    ]


def test_every_move_is_in_the_audit_log_with_its_actor(cast):
    contract = active_contract(cast, cast.store_a, "PICC")
    entries = AuditLog.objects.for_object(contract)
    created = entries.get(action=AuditAction.CREATE)
    assert created.actor == cast.a_supervisor and created.store == cast.store_a
    changes = [(e.actor, e.before["status"], e.after["status"]) for e in entries.filter(action=AuditAction.UPDATE)]
    assert sorted(changes, key=lambda c: c[2]) == [
        (cast.office, S.APPROVED, S.ACTIVE),
        (cast.office, S.PROPOSED, S.APPROVED),
    ]


def test_rejecting_needs_a_reason(cast):
    contract = propose(cast, cast.store_a, "PICC")
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as exc:
            services.reject_contract(actor=cast.office, contract=contract, reason=blank)
        assert exc.value.error_dict["reason"][0].code == "required"
    contract.refresh_from_db()
    assert contract.status == S.PROPOSED and contract.events.count() == 1

    contract = services.reject_contract(actor=cast.office, contract=contract, reason="手续费率低于集团标准")
    assert contract.status == S.REJECTED and contract.decision_reason == "手续费率低于集团标准"
    assert history(contract)[-1] == (S.PROPOSED, S.REJECTED, "office", "手续费率低于集团标准")


def test_legal_review_needs_an_opinion(cast):
    contract = propose(cast, cast.store_a, "PICC")
    services.approve_contract(actor=cast.office, contract=contract)
    with pytest.raises(ValidationError) as exc:
        services.record_legal_review(actor=cast.office, contract=contract, opinion=" ")
    assert "opinion" in exc.value.message_dict
    contract.refresh_from_db()
    assert contract.status == S.APPROVED


def test_an_approved_contract_can_still_be_rejected_at_the_legal_review(cast):
    contract = propose(cast, cast.store_a, "PICC")
    services.approve_contract(actor=cast.office, contract=contract)
    contract = services.reject_contract(actor=cast.office, contract=contract, reason="条款违反报行合一")
    assert contract.status == S.REJECTED


@pytest.mark.parametrize(
    ("setup", "move", "current", "requested"),
    [
        ("proposed", "legal_review", S.PROPOSED, S.ACTIVE),
        ("active", "approve", S.ACTIVE, S.APPROVED),
        ("proposed", "terminate", S.PROPOSED, S.TERMINATED),
        ("rejected", "approve", S.REJECTED, S.APPROVED),
        ("terminated", "legal_review", S.TERMINATED, S.ACTIVE),
        ("active", "reject", S.ACTIVE, S.REJECTED),
    ],
)
def test_illegal_transitions_are_refused_naming_both_statuses(cast, setup, move, current, requested):
    contract = propose(cast, cast.store_a, "PICC")
    if setup in ("active", "terminated"):
        activate(cast, contract)
    if setup == "rejected":
        services.reject_contract(actor=cast.office, contract=contract, reason="不合作")
    if setup == "terminated":
        services.terminate_contract(actor=cast.office, contract=contract, reason="合作到期")
    events_before = contract.events.count()
    calls = {
        "approve": lambda: services.approve_contract(actor=cast.office, contract=contract),
        "reject": lambda: services.reject_contract(actor=cast.office, contract=contract, reason="x"),
        "legal_review": lambda: services.record_legal_review(actor=cast.office, contract=contract, opinion="x"),
        "terminate": lambda: services.terminate_contract(actor=cast.office, contract=contract, reason="x"),
    }
    with pytest.raises(services.ContractTransitionError) as exc:
        calls[move]()
    assert isinstance(exc.value, ValidationError)
    assert exc.value.code == "contract_transition"
    assert (exc.value.current, exc.value.requested) == (current, requested)
    message = exc.value.messages[0]
    assert f"({current.value})" in message and f"({requested.value})" in message
    assert str(current.label) in message and str(requested.label) in message
    contract.refresh_from_db()
    assert contract.status == current
    assert contract.events.count() == events_before


def test_the_transition_message_names_the_allowed_moves():
    error = services.ContractTransitionError(S.PROPOSED, S.ACTIVE)
    assert error.messages == [
        "A contract that is “Proposed by the store” (proposed) cannot become “Active” (active); from "
        "“Proposed by the store” (proposed) it can only become “Approved by the group, awaiting legal review” "
        "(approved), “Rejected” (rejected)."
    ]
    assert "is final" in services.ContractTransitionError(S.REJECTED, S.ACTIVE).messages[0]


def test_terminating_needs_a_reason_and_ends_the_contract_in_force(cast):
    contract = active_contract(cast, cast.store_a, "PICC")
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        services.terminate_contract(actor=cast.office, contract=contract, reason="")
    services.terminate_contract(actor=cast.office, contract=contract, reason="保险公司退出本地市场")
    assert services.contract_in_force(cast.store_a, insurer("PICC"), today) is None
    assert history(contract)[-1] == (S.ACTIVE, S.TERMINATED, "office", "保险公司退出本地市场")


# ------------------------------------------------------------------ who may do what
@pytest.mark.parametrize("who", ["a_supervisor", "a_manager"])
def test_the_store_proposes(cast, who):
    contract = propose(cast, cast.store_a, "PICC", actor=getattr(cast, who))
    assert contract.status == S.PROPOSED


@pytest.mark.parametrize("who", ["office", "auditor", "a_issuer", "a_sales", "b_supervisor"])
def test_others_cannot_propose_for_store_a(cast, who):
    with pytest.raises(PermissionDenied):
        propose(cast, cast.store_a, "PICC", actor=getattr(cast, who))
    assert not AgencyContract.objects.exists()


@pytest.mark.parametrize("who", ["a_supervisor", "a_manager", "a_issuer", "auditor", "b_supervisor"])
def test_only_the_group_office_decides(cast, who):
    contract = propose(cast, cast.store_a, "PICC")
    actor = getattr(cast, who)
    with pytest.raises(PermissionDenied):
        services.approve_contract(actor=actor, contract=contract)
    with pytest.raises(PermissionDenied):
        services.reject_contract(actor=actor, contract=contract, reason="x")
    services.approve_contract(actor=cast.office, contract=contract)
    with pytest.raises(PermissionDenied):
        services.record_legal_review(actor=actor, contract=contract, opinion="x")
    contract.refresh_from_db()
    assert contract.status == S.APPROVED and contract.events.count() == 2


def test_the_office_of_another_group_cannot_decide(cast):
    from chexian.core.testing import make_group, make_store, make_user
    from chexian.org.choices import Role

    group, region = make_group("G2")
    make_store(group, region, "C01")
    other_office = make_user("office-2", Role.GROUP_OFFICE, group=group)
    contract = propose(cast, cast.store_a, "PICC")
    with pytest.raises(PermissionDenied):
        services.approve_contract(actor=other_office, contract=contract)


def test_allowed_moves_follow_the_table_and_the_role(cast):
    contract = propose(cast, cast.store_a, "PICC")
    assert services.allowed_moves(cast.office, contract) == [S.APPROVED, S.REJECTED]
    assert services.allowed_moves(cast.a_supervisor, contract) == []
    activate(cast, contract)
    contract.refresh_from_db()
    assert services.allowed_moves(cast.office, contract) == [S.TERMINATED]


# ------------------------------------------------------------------ what a proposal must be
def test_rates_and_period_are_checked_and_nothing_is_saved(cast):
    with pytest.raises(ValidationError) as exc:
        propose(cast, cast.store_a, "PICC", rate_commercial=Decimal("120"))
    assert "rate_commercial" in exc.value.message_dict
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        propose(cast, cast.store_a, "PICC", valid_from=today, valid_until=today - dt.timedelta(days=1))
    assert "valid_until" in exc.value.message_dict
    assert not AgencyContract.objects.exists() and not ContractEvent.objects.exists()


def test_an_insurer_no_longer_offered_cannot_be_proposed(cast):
    Insurer.objects.filter(code="YONGAN").update(is_active=False)
    with pytest.raises(ValidationError) as exc:
        propose(cast, cast.store_a, "YONGAN")
    assert exc.value.error_dict["insurer"][0].code == "insurer_inactive"


def test_an_overlapping_contract_with_the_same_insurer_is_refused(cast):
    first = active_contract(cast, cast.store_a, "PICC")
    with pytest.raises(ValidationError) as exc:
        propose(cast, cast.store_a, "PICC", valid_from=first.valid_until - dt.timedelta(days=10),
                valid_until=first.valid_until + dt.timedelta(days=300))
    assert exc.value.error_list[0].code == "contract_overlap"
    assert "replacing it" in exc.value.messages[0]
    # The next period, after this one ends, is a plain renewal.
    nxt = propose(cast, cast.store_a, "PICC", valid_from=first.valid_until + dt.timedelta(days=1),
                  valid_until=first.valid_until + dt.timedelta(days=366))
    assert nxt.status == S.PROPOSED


def test_a_replacement_takes_over_when_it_becomes_active(cast):
    old = active_contract(cast, cast.store_a, "PICC")
    new = propose(cast, cast.store_a, "PICC", replaces=old, rate_commercial=Decimal("20.00"))
    today = timezone.localdate()
    assert services.contract_in_force(cast.store_a, insurer("PICC"), today) == old
    activate(cast, new)
    old.refresh_from_db()
    assert old.status == S.TERMINATED
    assert history(old)[-1][:3] == (S.ACTIVE, S.TERMINATED, "office")
    assert services.contract_in_force(cast.store_a, insurer("PICC"), today) == new


def test_only_an_active_contract_of_the_same_store_can_be_replaced(cast):
    b_contract = active_contract(cast, cast.store_b, "PICC")
    with pytest.raises(ValidationError) as exc:
        propose(cast, cast.store_a, "PINGAN", replaces=b_contract)
    assert exc.value.error_dict["replaces"][0].code == "replaces_store"
    pending = propose(cast, cast.store_a, "CPIC")
    with pytest.raises(ValidationError) as exc:
        propose(cast, cast.store_a, "PINGAN", replaces=pending)
    assert exc.value.error_dict["replaces"][0].code == "replaces_status"


# ------------------------------------------------------------------ the partner limit
def test_third_partner_is_refused_at_low_premium_with_the_rule_and_the_figures(cast):
    active_contract(cast, cast.store_a, "PICC")
    propose(cast, cast.store_a, "PINGAN")  # a proposal occupies a place too
    today = timezone.localdate()
    place_premium(cast, cast.store_a, "PICC", Decimal("1536900.00"), months_ago(today, 2))
    with pytest.raises(ValidationError) as exc:
        propose(cast, cast.store_a, "CPIC")
    assert exc.value.code == "partner_limit"
    assert exc.value.messages[0].startswith(
        "A store may have at most 2 partner insurers; 3 only when its monthly premium (compulsory + commercial, "
        "average of the last three months) reaches ¥800,000 — this store's is ¥512,300.00."
    )
    assert "人保财险、平安产险" in exc.value.messages[0]
    assert not AgencyContract.objects.filter(insurer__code="CPIC").exists()


def test_third_partner_is_allowed_when_the_trailing_premium_reaches_the_threshold(cast):
    active_contract(cast, cast.store_a, "PICC")
    active_contract(cast, cast.store_a, "PINGAN")
    today = timezone.localdate()
    for months in (1, 2, 3):
        place_premium(cast, cast.store_a, "PICC", Decimal("800000.00"), months_ago(today, months))
    assert services.store_monthly_premium(cast.store_a, today) == Decimal("800000.00")
    third = propose(cast, cast.store_a, "CPIC")
    activate(cast, third)
    # … but never a fourth.
    with pytest.raises(ValidationError) as exc:
        propose(cast, cast.store_a, "CHINALIFE")
    assert exc.value.code == "partner_limit"


def test_the_limit_is_checked_again_at_approval(cast, settings):
    active_contract(cast, cast.store_a, "PICC")
    second = propose(cast, cast.store_a, "PINGAN")
    settings.CHEXIAN_PARTNER_LIMIT = 1
    settings.CHEXIAN_PARTNER_LIMIT_HIGH = 1
    with pytest.raises(ValidationError) as exc:
        services.approve_contract(actor=cast.office, contract=second)
    assert exc.value.code == "partner_limit"
    assert "at most 1 partner insurers" in exc.value.messages[0]
    second.refresh_from_db()
    assert second.status == S.PROPOSED and second.events.count() == 1


def test_the_limits_and_the_threshold_are_settings(cast, settings):
    settings.CHEXIAN_PARTNER_LIMIT = 1
    settings.CHEXIAN_PARTNER_LIMIT_HIGH = 2
    settings.CHEXIAN_PARTNER_PREMIUM_THRESHOLD = 1000
    active_contract(cast, cast.store_a, "PICC")
    with pytest.raises(ValidationError) as exc:
        propose(cast, cast.store_a, "PINGAN")
    assert "at most 1 partner insurers; 2 only when" in exc.value.messages[0]
    assert "reaches ¥1,000 — this store's is ¥0.00" in exc.value.messages[0]
    place_premium(cast, cast.store_a, "PICC", Decimal("3000.00"), months_ago(timezone.localdate(), 1))
    assert propose(cast, cast.store_a, "PINGAN").status == S.PROPOSED


def test_replacing_a_partner_does_not_count_against_the_limit(cast):
    picc = active_contract(cast, cast.store_a, "PICC")
    active_contract(cast, cast.store_a, "PINGAN")
    switch = propose(cast, cast.store_a, "CPIC", replaces=picc)
    activate(cast, switch)
    partners = set(
        AgencyContract.objects.filter(store=cast.store_a, status=S.ACTIVE).values_list("insurer__code", flat=True)
    )
    assert partners == {"PINGAN", "CPIC"}


def test_rejected_and_terminated_contracts_free_their_place(cast):
    picc = active_contract(cast, cast.store_a, "PICC")
    pingan = propose(cast, cast.store_a, "PINGAN")
    services.reject_contract(actor=cast.office, contract=pingan, reason="不合作")
    services.terminate_contract(actor=cast.office, contract=picc, reason="合作结束")
    propose(cast, cast.store_a, "CPIC")
    assert propose(cast, cast.store_a, "CHINALIFE").status == S.PROPOSED


def test_each_store_has_its_own_partners(cast):
    active_contract(cast, cast.store_a, "PICC")
    active_contract(cast, cast.store_a, "PINGAN")
    for code in ("CPIC", "CHINALIFE"):
        assert propose(cast, cast.store_b, code).status == S.PROPOSED


# ------------------------------------------------------------------ the premium figure
def test_store_monthly_premium_counts_three_full_months_of_motor_premium(cast):
    active_contract(cast, cast.store_a, "PICC", valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2035, 12, 31))
    active_contract(cast, cast.store_b, "PICC", valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2035, 12, 31))
    today = dt.date(2026, 3, 10)  # counts December 2025, January and February 2026
    counted = [
        place_premium(cast, cast.store_a, "PICC", Decimal("1000.00"), dt.date(2025, 12, 1)),
        place_premium(cast, cast.store_a, "PICC", Decimal("2000.00"), dt.date(2026, 2, 28)),
    ]
    place_premium(cast, cast.store_a, "PICC", Decimal("50000.00"), dt.date(2025, 11, 30))  # too early
    place_premium(cast, cast.store_a, "PICC", Decimal("50000.00"), dt.date(2026, 3, 1))  # this month
    place_premium(cast, cast.store_a, "PICC", Decimal("50000.00"), dt.date(2026, 1, 5), line=PolicyLine.NON_MOTOR)
    place_premium(cast, cast.store_b, "PICC", Decimal("50000.00"), dt.date(2026, 1, 5))  # another store
    cancelled = place_premium(cast, cast.store_a, "PICC", Decimal("50000.00"), dt.date(2026, 1, 5))
    cancel_policy(
        actor=cast.a_supervisor, policy=cancelled, reason=CancellationReason.DEREGISTERED,
        effective_date=dt.date(2026, 1, 20), refund_amount=Decimal("40000.00"),
    )
    assert sum(p.premium for p in counted) == Decimal("3000.00")
    assert services.store_monthly_premium(cast.store_a, today) == Decimal("1000.00")
    assert services.premium_months(dt.date(2026, 1, 31)) == (dt.date(2025, 10, 1), dt.date(2026, 1, 1))


def test_premium_average_is_decimal_rounded_to_the_fen(cast):
    active_contract(cast, cast.store_a, "PICC", valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2035, 12, 31))
    place_premium(cast, cast.store_a, "PICC", Decimal("100.00"), dt.date(2026, 5, 2))
    premium = services.store_monthly_premium(cast.store_a, dt.date(2026, 6, 1))
    assert isinstance(premium, Decimal) and premium == Decimal("33.33")


# ------------------------------------------------------------------ the contract in force
def test_contract_in_force_honours_status_and_period(cast):
    picc = insurer("PICC")
    start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    contract = propose(cast, cast.store_a, "PICC", valid_from=start, valid_until=end)
    assert services.contract_in_force(cast.store_a, picc, dt.date(2026, 6, 1)) is None  # proposed
    services.approve_contract(actor=cast.office, contract=contract)
    assert services.contract_in_force(cast.store_a, picc, dt.date(2026, 6, 1)) is None  # approved
    services.record_legal_review(actor=cast.office, contract=contract, opinion="合规")
    assert services.contract_in_force(cast.store_a, picc, start) == contract
    assert services.contract_in_force(cast.store_a, picc, end) == contract
    assert services.contract_in_force(cast.store_a.pk, picc.pk, dt.date(2026, 6, 1)) == contract
    assert services.contract_in_force(cast.store_a, picc, start - dt.timedelta(days=1)) is None
    assert services.contract_in_force(cast.store_a, picc, end + dt.timedelta(days=1)) is None
    assert services.contract_in_force(cast.store_b, picc, dt.date(2026, 6, 1)) is None
    assert services.contract_in_force(cast.store_a, insurer("PINGAN"), dt.date(2026, 6, 1)) is None
    services.terminate_contract(actor=cast.office, contract=contract, reason="合作结束")
    assert services.contract_in_force(cast.store_a, picc, dt.date(2026, 6, 1)) is None


def test_contract_in_force_after_a_renewal_is_the_new_period(cast):
    first = active_contract(cast, cast.store_a, "PICC", valid_from=dt.date(2025, 1, 1),
                            valid_until=dt.date(2025, 12, 31))
    second = active_contract(cast, cast.store_a, "PICC", valid_from=dt.date(2026, 1, 1),
                             valid_until=dt.date(2026, 12, 31))
    assert services.contract_in_force(cast.store_a, insurer("PICC"), dt.date(2025, 12, 31)) == first
    assert services.contract_in_force(cast.store_a, insurer("PICC"), dt.date(2026, 1, 1)) == second


# ------------------------------------------------------------------ agency licence
def test_the_store_registers_its_agency_licence(cast):
    licence = services.save_licence(
        actor=cast.a_supervisor,
        data={"store": cast.store_a, "licence_no": "粤保监兼代字001", "valid_from": dt.date(2024, 1, 1),
              "registered_staff": "张三\n李四"},
    )
    assert AuditLog.objects.for_object(licence).get(action=AuditAction.CREATE).actor == cast.a_supervisor
    licence = services.save_licence(actor=cast.a_manager, data={"valid_until": dt.date(2027, 1, 1)}, licence=licence)
    assert licence.valid_until == dt.date(2027, 1, 1)


def test_licence_rules(cast):
    with pytest.raises(PermissionDenied):
        services.save_licence(
            actor=cast.b_supervisor,
            data={"store": cast.store_a, "licence_no": "X", "valid_from": dt.date(2024, 1, 1)},
        )
    with pytest.raises(ValidationError) as exc:
        services.save_licence(
            actor=cast.a_supervisor,
            data={"store": cast.store_a, "licence_no": "X", "valid_from": dt.date(2024, 1, 1),
                  "valid_until": dt.date(2023, 1, 1)},
        )
    assert "valid_until" in exc.value.message_dict
    assert not AgencyLicence.objects.exists()

