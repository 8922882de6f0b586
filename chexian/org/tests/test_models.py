import pytest
from django.core.exceptions import ValidationError

from chexian.core.testing import make_group, make_store
from chexian.org.choices import Role
from chexian.org.models import StaffRole, Store
from chexian.org.permissions import can, stores_for


def test_group_wide_roles_see_every_store_of_their_group(cast):
    other_group, other_region = make_group("G2")
    foreign = make_store(other_group, other_region, "X01")
    assert stores_for(cast.office, "customer.view") == {cast.store_a.pk, cast.store_b.pk}
    assert foreign.pk not in stores_for(cast.auditor, "customer.view")


def test_store_role_sees_only_its_store(cast):
    assert stores_for(cast.a_issuer, "customer.view") == {cast.store_a.pk}
    assert list(Store.objects.restrict(cast.a_issuer)) == [cast.store_a]


def test_auditor_is_read_only(cast):
    assert can(cast.auditor, "customer.view") and can(cast.auditor, "customer.export")
    assert not can(cast.auditor, "customer.change") and not can(cast.auditor, "customer.add")


def test_user_with_roles_in_two_stores_sees_both(cast):
    StaffRole.objects.create(user=cast.a_issuer, role=Role.ISSUER, group=cast.group, store=cast.store_b)
    cast.a_issuer._chexian_roles = None
    del cast.a_issuer._chexian_roles
    assert stores_for(cast.a_issuer, "vehicle.view") == {cast.store_a.pk, cast.store_b.pk}


def test_store_roles_need_a_store_and_group_roles_must_not_have_one(cast):
    with pytest.raises(ValidationError):
        StaffRole(user=cast.a_issuer, role=Role.SUPERVISOR, group=cast.group).full_clean()
    with pytest.raises(ValidationError):
        StaffRole(user=cast.a_issuer, role=Role.AUDITOR, group=cast.group, store=cast.store_a).full_clean()


def test_inactive_or_anonymous_users_see_nothing(cast):
    from django.contrib.auth.models import AnonymousUser

    assert stores_for(AnonymousUser(), "customer.view") == set()
    cast.a_issuer.is_active = False
    assert stores_for(cast.a_issuer, "customer.view") == set()
