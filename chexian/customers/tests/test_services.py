import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from chexian.core import crypto
from chexian.core.choices import AuditAction
from chexian.core.models import AuditLog
from chexian.core.testing import customer_data, make_customer, make_vehicle, vehicle_data
from chexian.customers import services
from chexian.customers.access import shown_mobile
from chexian.customers.choices import CustomerKind, EnergyType, OwnershipReason
from chexian.customers.models import Customer, Vehicle, VehicleOwnership
from chexian.customers.selectors import search_customers, search_vehicles
from chexian.org.models import Store

ID = "11010519491231002X"


def raw_column(customer, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM customers_customer WHERE id = %s", [customer.pk])  # noqa: S608
        return cursor.fetchone()[0]


# ------------------------------------------------------------------ encryption and masking
def test_identity_number_is_encrypted_at_rest(cast):
    customer = make_customer(cast.a_issuer, cast.store_a, id_number=ID)
    stored = raw_column(customer, "id_number_encrypted")
    assert ID not in stored and "19491231" not in stored
    assert crypto.decrypt(stored) == ID
    assert raw_column(customer, "id_number_masked") == "110105********002X"
    assert raw_column(customer, "id_number_hash") == crypto.blind_index(ID)
    # No column of the row holds the clear number.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM customers_customer WHERE id = %s", [customer.pk])
        assert all(ID not in str(value) for value in cursor.fetchone())


def test_identity_number_never_in_the_audit_log(cast):
    customer = make_customer(cast.a_issuer, cast.store_a, id_number=ID)
    entry = AuditLog.objects.for_object(customer).get(action=AuditAction.CREATE)
    assert ID not in str(entry.after) and entry.after["id_number_masked"] == "110105********002X"


def test_duplicate_identity_number_in_the_same_store_is_refused(cast):
    make_customer(cast.a_issuer, cast.store_a, id_number=ID)
    with pytest.raises(ValidationError) as exc:
        make_customer(cast.a_issuer, cast.store_a, id_number=ID)
    assert "id_number" in exc.value.message_dict
    make_customer(cast.b_issuer, cast.store_b, id_number=ID)  # another store keeps its own archive


def test_invalid_identity_number_saves_nothing(cast):
    with pytest.raises(ValidationError) as exc:
        make_customer(cast.a_issuer, cast.store_a, id_number="110105194912310021")
    assert "check digit" in exc.value.message_dict["id_number"][0]
    assert not Customer.objects.exists()


def test_company_needs_uscc_not_resident_id(cast):
    with pytest.raises(ValidationError) as exc:
        make_customer(cast.a_issuer, cast.store_a, kind=CustomerKind.COMPANY, id_number=ID)
    assert "id_number" in exc.value.message_dict
    company = make_customer(
        cast.a_issuer, cast.store_a, kind=CustomerKind.COMPANY, id_number="", uscc="91350100m000100y43"
    )
    assert company.uscc == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("user", "full"),
    [("a_supervisor", True), ("a_issuer", True), ("office", True), ("a_dept", False), ("a_sales", False)],
)
def test_mobile_is_masked_for_roles_that_do_not_need_it(cast, user, full):
    customer = make_customer(cast.a_issuer, cast.store_a, mobile="13812345678")
    assert shown_mobile(getattr(cast, user), customer) == ("13812345678" if full else "138****5678")


def test_sales_consultant_sees_full_contact_of_own_customers_only(cast):
    own = make_customer(cast.a_issuer, cast.store_a, mobile="13812345678", owner_staff=cast.a_sales)
    assert shown_mobile(cast.a_sales, own) == "13812345678"
    assert services.unmask_id_number(actor=cast.a_sales, customer=own)


@pytest.mark.parametrize(
    ("user", "allowed"),
    [("a_supervisor", True), ("a_issuer", True), ("auditor", True), ("office", True),
     ("a_dept", False), ("a_sales", False), ("b_issuer", False)],
)
def test_unmask_is_allowed_per_role_and_audited(cast, user, allowed):
    customer = make_customer(cast.a_issuer, cast.store_a, id_number=ID)
    actor = getattr(cast, user)
    if allowed:
        assert services.unmask_id_number(actor=actor, customer=customer, reason="policy") == ID
        entry = AuditLog.objects.get(action=AuditAction.UNMASK)
        assert (entry.actor, entry.object_id, entry.store_id) == (actor, str(customer.pk), cast.store_a.pk)
    else:
        with pytest.raises(PermissionDenied):
            services.unmask_id_number(actor=actor, customer=customer)
        assert not AuditLog.objects.filter(action=AuditAction.UNMASK).exists()


# ------------------------------------------------------------------ vehicles
def test_vehicle_gets_archive_number_and_first_ownership(cast):
    v1 = make_vehicle(cast.a_issuer, cast.store_a)
    v2 = make_vehicle(cast.a_issuer, cast.store_a)
    assert (v1.archive_no, v2.archive_no) == ("A01-0000001", "A01-0000002")
    assert v1.ownerships.get().reason == OwnershipReason.PURCHASE
    assert v1.vin_tail == v1.vin[-6:] and v1.plate_key == v1.plate[1:]


def test_duplicate_vin_in_the_same_store_is_refused(cast):
    vehicle = make_vehicle(cast.a_issuer, cast.store_a)
    with pytest.raises(ValidationError) as exc:
        make_vehicle(cast.a_issuer, cast.store_a, vin=vehicle.vin)
    assert "VIN" in str(exc.value)
    assert Vehicle.objects.count() == 1 and VehicleOwnership.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("vin", "LSVAM4188C2184847", "position 9"), ("plate", "粤B1234O", "GA 36"), ("plate", "B12345", "province")],
)
def test_invalid_vehicle_saves_nothing_and_names_the_rule(cast, field, value, message):
    owner = make_customer(cast.a_issuer, cast.store_a)
    seq_before = Store.objects.get(pk=cast.store_a.pk).next_archive_seq
    with pytest.raises(ValidationError) as exc:
        services.save_vehicle(actor=cast.a_issuer, data=vehicle_data(cast.store_a, owner, **{field: value}))
    assert message in exc.value.message_dict[field][0]
    assert not Vehicle.objects.exists() and not VehicleOwnership.objects.exists()
    assert Store.objects.get(pk=cast.store_a.pk).next_archive_seq == seq_before


def test_green_plate_requires_a_new_energy_type(cast):
    owner = make_customer(cast.a_issuer, cast.store_a)
    with pytest.raises(ValidationError) as exc:
        services.save_vehicle(actor=cast.a_issuer, data=vehicle_data(cast.store_a, owner, plate="粤BD12345"))
    assert "energy_type" in exc.value.message_dict
    vehicle = services.save_vehicle(
        actor=cast.a_issuer,
        data=vehicle_data(cast.store_a, owner, plate="粤BD12345", energy_type=EnergyType.BEV),
    )
    assert vehicle.is_new_energy


def test_vehicle_owner_must_be_a_customer_of_the_same_store(cast):
    owner_b = make_customer(cast.b_issuer, cast.store_b)
    with pytest.raises(ValidationError):
        services.save_vehicle(actor=cast.a_issuer, data=vehicle_data(cast.store_a, owner_b))


def test_transfer_keeps_the_ownership_history(cast):
    vehicle = make_vehicle(cast.a_issuer, cast.store_a, purchase_date=dt.date(2023, 3, 1))
    first_owner = vehicle.owner
    buyer = make_customer(cast.a_issuer, cast.store_a)
    services.transfer_vehicle(actor=cast.a_issuer, vehicle=vehicle, new_owner=buyer, date=dt.date(2026, 5, 1))
    vehicle.refresh_from_db()
    assert vehicle.owner == buyer
    history = list(vehicle.ownerships.order_by("start_date", "id").values_list("customer", "end_date", "reason"))
    assert history[0][:2] == (first_owner.pk, dt.date(2026, 5, 1))
    assert history[1] == (buyer.pk, None, OwnershipReason.TRANSFER)
    assert AuditLog.objects.filter(action=AuditAction.TRANSFER, object_id=str(vehicle.pk)).exists()


def test_transfer_before_the_current_ownership_began_is_refused(cast):
    vehicle = make_vehicle(cast.a_issuer, cast.store_a, purchase_date=dt.date(2026, 6, 1))
    with pytest.raises(ValidationError) as exc:
        services.transfer_vehicle(
            actor=cast.a_issuer, vehicle=vehicle, new_owner=make_customer(cast.a_issuer, cast.store_a),
            date=dt.date(2026, 5, 1),
        )
    assert "date" in exc.value.message_dict
    assert vehicle.ownerships.count() == 1


def test_transfer_to_another_stores_customer_is_refused(cast):
    vehicle = make_vehicle(cast.a_issuer, cast.store_a)
    with pytest.raises(ValidationError):
        services.transfer_vehicle(
            actor=cast.a_issuer, vehicle=vehicle, new_owner=make_customer(cast.b_issuer, cast.store_b),
            date=dt.date(2026, 5, 1),
        )
    assert vehicle.ownerships.count() == 1


def test_changing_owner_by_edit_is_refused(cast):
    vehicle = make_vehicle(cast.a_issuer, cast.store_a)
    other = make_customer(cast.a_issuer, cast.store_a)
    with pytest.raises(ValidationError):
        services.save_vehicle(actor=cast.a_issuer, vehicle=vehicle, data={"owner": other})


# ------------------------------------------------------------------ merge
def test_merge_keeps_every_linked_record(cast):
    keep = make_customer(cast.a_supervisor, cast.store_a, id_number="", mobile="")
    dup = make_customer(cast.a_supervisor, cast.store_a, name=keep.name, id_number=ID, mobile="13912345678")
    v_keep = make_vehicle(cast.a_supervisor, cast.store_a, owner=keep)
    v_dup1 = make_vehicle(cast.a_supervisor, cast.store_a, owner=dup)
    v_dup2 = make_vehicle(cast.a_supervisor, cast.store_a, owner=dup)
    ownerships_before = VehicleOwnership.objects.count()

    services.merge_customers(actor=cast.a_supervisor, target=keep, duplicates=[dup], reason="same person")

    keep.refresh_from_db()
    dup.refresh_from_db()
    assert set(keep.vehicles.values_list("pk", flat=True)) == {v_keep.pk, v_dup1.pk, v_dup2.pk}
    assert VehicleOwnership.objects.count() == ownerships_before
    assert set(VehicleOwnership.objects.values_list("customer", flat=True)) == {keep.pk}
    assert dup.merged_into == keep
    # The kept customer takes over what it lacked, including the identity number.
    assert keep.mobile == "13912345678" and keep.id_number == ID
    assert not Customer.objects.active().filter(pk=dup.pk).exists()
    entry = AuditLog.objects.get(action=AuditAction.MERGE)
    assert entry.after["merged_ids"] == [dup.pk] and entry.reason == "same person"


def test_merge_across_stores_is_refused_and_changes_nothing(cast):
    a = make_customer(cast.a_supervisor, cast.store_a)
    b = make_customer(cast.b_supervisor, cast.store_b)
    vehicle = make_vehicle(cast.b_supervisor, cast.store_b, owner=b)
    with pytest.raises(ValidationError):
        services.merge_customers(actor=cast.a_supervisor, target=a, duplicates=[b])
    vehicle.refresh_from_db()
    b.refresh_from_db()
    assert vehicle.owner == b and b.merged_into is None


def test_merged_customer_cannot_be_merged_again(cast):
    keep, dup = make_customer(cast.a_supervisor, cast.store_a), make_customer(cast.a_supervisor, cast.store_a)
    services.merge_customers(actor=cast.a_supervisor, target=keep, duplicates=[dup])
    other = make_customer(cast.a_supervisor, cast.store_a)
    with pytest.raises(ValidationError):
        services.merge_customers(actor=cast.a_supervisor, target=other, duplicates=[dup])


# ------------------------------------------------------------------ audit
def test_create_change_delete_are_audited_with_before_and_after(cast):
    customer = make_customer(cast.a_issuer, cast.store_a, name="张三")
    services.save_customer(actor=cast.a_supervisor, customer=customer, data={"name": "张三丰"})
    entries = AuditLog.objects.for_object(customer).order_by("id")
    create, update = entries
    assert (create.action, create.actor, create.after["name"]) == (AuditAction.CREATE, cast.a_issuer, "张三")
    assert (update.action, update.actor) == (AuditAction.UPDATE, cast.a_supervisor)
    assert update.changed_fields() == [("name", "张三", "张三丰")]
    pk = customer.pk
    customer.delete()
    deleted = AuditLog.objects.get(action=AuditAction.DELETE, object_id=str(pk))
    assert deleted.before["name"] == "张三丰" and deleted.after is None


def test_saving_without_changes_writes_no_entry(cast):
    customer = make_customer(cast.a_issuer, cast.store_a)
    count = AuditLog.objects.count()
    fresh = Customer.objects.get(pk=customer.pk)
    fresh.save()
    assert AuditLog.objects.count() == count


def test_audit_log_is_scoped_to_the_users_stores(cast):
    make_customer(cast.a_supervisor, cast.store_a)
    make_customer(cast.b_supervisor, cast.store_b)
    assert set(AuditLog.objects.restrict(cast.b_supervisor).values_list("store", flat=True)) == {cast.store_b.pk}
    assert AuditLog.objects.restrict(cast.auditor).filter(store=cast.store_a).exists()
    assert not AuditLog.objects.restrict(cast.a_issuer).exists()  # issuers do not read the audit log


# ------------------------------------------------------------------ search and isolation
def test_the_four_searches_find_the_vehicle(cast):
    owner = make_customer(cast.a_issuer, cast.store_a, name="欧阳明", mobile="13800001234")
    vehicle = make_vehicle(cast.a_issuer, cast.store_a, owner=owner, plate="粤B1A2B3")
    for term in ["粤B1A2B3", "B1A2B3", vehicle.vin[-6:], vehicle.vin[-8:], vehicle.vin, "欧阳", "1234", "13800001234"]:
        assert list(search_vehicles(cast.a_issuer, term)) == [vehicle], term
        assert list(search_customers(cast.a_issuer, term)) == [owner], term


def test_search_never_crosses_stores(cast):
    owner = make_customer(cast.a_issuer, cast.store_a, name="欧阳明", mobile="13800001234")
    vehicle = make_vehicle(cast.a_issuer, cast.store_a, owner=owner, plate="粤B1A2B3")
    for term in ["粤B1A2B3", vehicle.vin[-6:], "欧阳", "1234"]:
        assert not search_vehicles(cast.b_issuer, term).exists()
        assert not search_customers(cast.b_issuer, term).exists()
        assert search_vehicles(cast.office, term).exists()  # the group office sees every store


def test_restrict_scopes_each_role(cast):
    make_vehicle(cast.a_issuer, cast.store_a)
    make_vehicle(cast.b_issuer, cast.store_b)
    assert Vehicle.objects.restrict(cast.a_dept).count() == 1
    assert Vehicle.objects.restrict(cast.b_issuer).get().store == cast.store_b
    assert Vehicle.objects.restrict(cast.office).count() == Vehicle.objects.restrict(cast.auditor).count() == 2
    assert not Vehicle.objects.restrict(cast.auditor, "change").exists()  # auditors are read-only
    assert not Customer.objects.restrict(cast.a_dept, "add").exists()


def test_customer_of_another_store_is_a_404_like_a_missing_one(cast):
    from django.http import Http404

    customer = make_customer(cast.a_issuer, cast.store_a)
    qs = Customer.objects.restrict(cast.b_issuer)
    with pytest.raises(Http404) as other_store:
        qs.get_or_404(pk=customer.pk)
    with pytest.raises(Http404) as missing:
        qs.get_or_404(pk=customer.pk + 1000)
    assert str(other_store.value) == str(missing.value)


def test_customer_data_helper_builds_valid_customers(cast):
    data = customer_data(cast.store_a)
    assert services.save_customer(actor=cast.a_issuer, data=data).pk


def test_full_identity_number_finds_the_customer_through_its_hash(cast):
    customer = make_customer(cast.a_issuer, cast.store_a, id_number=ID)
    assert list(search_customers(cast.a_issuer, ID.lower())) == [customer]
    assert not search_customers(cast.b_issuer, ID).exists()


def test_duplicate_uscc_in_the_same_store_is_refused(cast):
    make_customer(cast.a_issuer, cast.store_a, kind=CustomerKind.COMPANY, id_number="", uscc="91350100M000100Y43")
    with pytest.raises(ValidationError) as exc:
        make_customer(cast.a_issuer, cast.store_a, kind=CustomerKind.COMPANY, id_number="", uscc="91350100M000100Y43")
    assert "uscc" in exc.value.message_dict


def test_a_plate_term_is_not_also_searched_as_a_name():
    from chexian.customers.selectors import customer_query

    # A plate never matches a name prefix: OR-ing one in would defeat the plate index.
    assert customer_query("粤B1A2B3") is None
    assert customer_query("欧阳") is not None
