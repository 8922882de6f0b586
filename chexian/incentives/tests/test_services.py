"""Gifts and rebates: recorded at cost and pending, decided only by a supervisor of the
policy's store with a reason, redeemed only when approved and never beyond the grant."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chexian.core.models import AuditLog
from chexian.incentives import services
from chexian.incentives.choices import IncentiveKind, IncentiveStatus
from chexian.incentives.models import Incentive, IncentiveLine, Redemption
from chexian.incentives.tests.factories import (
    approve,
    catalogue,
    gift_package,
    policy_of,
    rebate,
    reject,
    store_contract,
)

pytestmark = pytest.mark.django_db


def test_gift_package_is_recorded_at_cost_pending_and_flagged(cast, policy, items):
    package = gift_package(cast.a_issuer, policy, [(items["wash"], 10), (items["maintenance"], 2),
                                                   (items["wash"], 2)])
    # 12 washes × 35.00 + 2 maintenance × 280.00
    assert package.cost_at_grant == package.cost == Decimal("980.00")
    assert package.status == IncentiveStatus.PENDING and package.flagged
    assert sorted(package.lines.values_list("item__name", "quantity", "unit_cost")) == [
        ("小保养", 2, Decimal("280.00")), ("精洗", 12, Decimal("35.00"))]
    assert AuditLog.objects.filter(action="create", object_id=str(package.pk), actor=cast.a_issuer).exists()


def test_a_later_change_of_unit_cost_leaves_granted_packages_alone(cast, policy, items):
    package = gift_package(cast.a_issuer, policy, [(items["wash"], 10)])
    services.save_gift_item(actor=cast.a_supervisor, data={"unit_cost": Decimal("50.00")}, instance=items["wash"])
    assert IncentiveLine.objects.get(incentive=package).unit_cost == Decimal("35.00")
    assert Incentive.objects.get(pk=package.pk).cost_at_grant == Decimal("350.00")


def test_rebate_needs_its_amount_how_it_was_paid_and_a_reason(cast, policy):
    with pytest.raises(ValidationError) as exc:
        services.record_incentive(actor=cast.a_issuer, policy=policy, kind=IncentiveKind.REBATE, reason="",
                                  rebate_amount=None, rebate_method="")
    assert set(exc.value.message_dict) == {"rebate_amount", "rebate_method", "reason"}
    assert rebate(cast.a_issuer, policy, "300.00").cost == Decimal("300.00")


def test_gift_package_needs_items_of_the_policys_store(cast, policy, items):
    with pytest.raises(ValidationError, match="at least one item"):
        gift_package(cast.a_issuer, policy, [])
    store_contract(cast, cast.store_b)
    other = catalogue(cast.b_supervisor, cast.store_b)
    with pytest.raises(ValidationError, match="not an active gift item of the policy's store"):
        gift_package(cast.a_issuer, policy, [(other["wash"], 1)])
    assert not Incentive.objects.exists()


def test_only_the_policys_store_desk_records_one(cast, policy, items):
    for outsider in (cast.b_issuer, cast.a_dept, cast.a_sales, cast.auditor):
        with pytest.raises(PermissionDenied):
            gift_package(outsider, policy, [(items["wash"], 1)])
    with pytest.raises(PermissionDenied):  # the catalogue is the supervisor's
        catalogue(cast.a_issuer, cast.store_a)


def test_approval_needs_the_supervisor_of_the_store_and_a_reason(cast, policy, items):
    package = gift_package(cast.a_issuer, policy, [(items["wash"], 10)])
    for outsider in (cast.a_issuer, cast.a_dept, cast.b_supervisor, cast.office):
        with pytest.raises(PermissionDenied):
            approve(outsider, package)
    with pytest.raises(ValidationError, match="without a reason is refused") as exc:
        approve(cast.a_supervisor, package, reason="   ")
    assert exc.value.error_dict["reason"][0].code == "reason_required"
    assert Incentive.objects.get(pk=package.pk).status == IncentiveStatus.PENDING
    approved = approve(cast.a_supervisor, package, reason="十年老客户")
    assert (approved.status, approved.decided_by, approved.decision_reason) == (
        IncentiveStatus.APPROVED, cast.a_supervisor, "十年老客户")
    assert not approved.flagged and approved.decided_at is not None
    with pytest.raises(ValidationError, match="a decision is final"):
        reject(cast.a_manager, approved)


def test_redemption_is_refused_on_a_pending_or_rejected_package_naming_the_rule(cast, policy, items):
    pending = gift_package(cast.a_issuer, policy, [(items["wash"], 10)])
    line = pending.lines.get()
    with pytest.raises(ValidationError, match="pending approval"):
        services.redeem(actor=cast.a_dept, line=line, quantity=1)
    reject(cast.a_supervisor, pending)
    with pytest.raises(ValidationError, match="rejected by the supervisor"):
        services.redeem(actor=cast.a_dept, line=line, quantity=1)
    assert not Redemption.objects.exists()


def test_redemptions_record_the_real_cost_and_never_exceed_the_grant(cast, policy, items):
    package = approve(cast.a_supervisor, gift_package(cast.a_issuer, policy, [(items["wash"], 10),
                                                                             (items["maintenance"], 2)]))
    wash = package.lines.get(item=items["wash"])
    first = services.redeem(actor=cast.a_dept, line=wash, quantity=3)
    assert first.unit_cost == Decimal("35.00") and first.real_cost == Decimal("105.00")  # the granted cost
    services.redeem(actor=cast.a_dept, line=wash, quantity=6, unit_cost=Decimal("30.00"), note="会员价")
    with pytest.raises(ValidationError, match="Only 1 of the 10 精洗 granted are left to redeem; 2 asked"):
        services.redeem(actor=cast.a_dept, line=wash, quantity=2)
    with pytest.raises(PermissionDenied):
        services.redeem(actor=cast.a_sales, line=wash, quantity=1)
    with pytest.raises(PermissionDenied):
        services.redeem(actor=cast.b_issuer, line=wash, quantity=1)
    package.refresh_from_db()
    wash.refresh_from_db()
    assert wash.redeemed_quantity == 9 and wash.left == 1
    # Real cost so far: 3 × 35.00 + 6 × 30.00 = 285.00. Still owed at grant cost: 1 wash 35.00 + 2 × 280.00.
    assert (package.cost_at_grant, package.redeemed_cost, package.cost) == (
        Decimal("910.00"), Decimal("285.00"), Decimal("880.00"))


def test_policies_of_two_stores_keep_their_own_incentives(cast, policy, items):
    store_contract(cast, cast.store_b)
    b_policy = policy_of(cast.b_issuer, cast.store_b)
    rebate(cast.b_supervisor, b_policy, "88.00")
    gift_package(cast.a_issuer, policy, [(items["detailing"], 1)])
    assert list(Incentive.objects.restrict(cast.a_supervisor).values_list("cost", flat=True)) == [Decimal("150.00")]
    assert list(Incentive.objects.restrict(cast.b_issuer).values_list("cost", flat=True)) == [Decimal("88.00")]
    assert Incentive.objects.restrict(cast.office).count() == 2
