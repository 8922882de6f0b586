"""A service order's rules, each refused with its message and nothing saved, and
what saving one does: the audit entry and the vehicle's last visit date."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chexian.aftersales.models import ServiceOrder
from chexian.aftersales.tests.conftest import days_ago
from chexian.core.choices import AuditAction
from chexian.core.models import AuditLog
from chexian.core.testing import make_service_order

pytestmark = pytest.mark.django_db


def refused(actor, vehicle, **overrides) -> dict:
    with pytest.raises(ValidationError) as exc:
        make_service_order(actor, vehicle, **overrides)
    assert ServiceOrder.objects.count() == 0
    return {field: [e.code for e in errors] for field, errors in exc.value.error_dict.items()}


def test_an_order_settled_before_it_was_opened_is_refused(cast, a_car):
    codes = refused(cast.a_supervisor, a_car, opened_on=days_ago(3), closed_on=days_ago(5))
    assert codes == {"closed_on": ["closed_before_opened"]}


def test_an_order_opened_in_the_future_is_refused(cast, a_car):
    assert refused(cast.a_supervisor, a_car, opened_on=days_ago(-1)) == {"opened_on": ["opened_in_future"]}


def test_labour_and_parts_above_the_amount_are_refused(cast, a_car):
    codes = refused(cast.a_supervisor, a_car, amount=Decimal("500.00"), labour_amount=Decimal("200.00"),
                    parts_amount=Decimal("300.01"))
    assert codes == {"amount": ["parts_exceed_amount"]}
    # One of the two is enough to check against the amount.
    assert refused(cast.a_supervisor, a_car, amount=Decimal("100.00"), parts_amount=Decimal("100.50")) == {
        "amount": ["parts_exceed_amount"]}


def test_negative_amounts_are_refused(cast, a_car):
    codes = refused(cast.a_supervisor, a_car, amount=Decimal("-1.00"), labour_amount=Decimal("-5.00"))
    assert codes == {"amount": ["min_value"], "labour_amount": ["min_value"]}


def test_a_vehicle_of_another_store_is_refused(cast, a_car, b_car):
    codes = refused(cast.a_supervisor, b_car, store=cast.store_a)
    assert codes == {"vehicle": ["vehicle_other_store"], "customer": ["customer_other_store"]}


def test_the_number_is_unique_within_a_store_only(cast, a_car, b_car):
    make_service_order(cast.a_supervisor, a_car, number="wx 100")
    with pytest.raises(ValidationError) as exc:
        make_service_order(cast.a_supervisor, a_car, number="WX100")
    assert "This store already has a service order with this number." in exc.value.messages
    other = make_service_order(cast.b_supervisor, b_car, number="WX100")
    assert other.number == "WX100" and ServiceOrder.objects.count() == 2


def test_entering_an_order_needs_service_add_in_its_store(cast, a_car, b_car):
    with pytest.raises(PermissionDenied):
        make_service_order(cast.a_issuer, a_car)  # the desk reads service orders, it does not record them
    with pytest.raises(PermissionDenied):
        make_service_order(cast.a_supervisor, b_car)
    assert ServiceOrder.objects.count() == 0


def test_a_saved_order_is_audited_and_belongs_to_the_owner_of_the_day(cast, a_car):
    order = make_service_order(cast.a_supervisor, a_car, advisor="  李娜 ")
    assert order.customer == a_car.owner and order.advisor == "李娜" and order.source == "manual"
    entry = AuditLog.objects.get(action=AuditAction.CREATE, object_id=str(order.pk),
                                 content_type__model="serviceorder")
    assert entry.actor == cast.a_supervisor and entry.store_id == cast.store_a.pk
    assert entry.after["amount"] == "680.00"


def test_the_last_visit_date_moves_up_and_never_down(cast, a_car):
    make_service_order(cast.a_supervisor, a_car, opened_on=days_ago(30))
    a_car.refresh_from_db()
    assert a_car.last_visit_date == days_ago(30)
    make_service_order(cast.a_supervisor, a_car, opened_on=days_ago(5))
    make_service_order(cast.a_supervisor, a_car, opened_on=days_ago(60))  # an older order entered late
    a_car.refresh_from_db()
    assert a_car.last_visit_date == days_ago(5)
