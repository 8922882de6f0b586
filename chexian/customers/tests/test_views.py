"""Customer and vehicle pages, read as the permission model: allowed → 200/302,
no action in any store → 403, another store's record → 404 like a missing one."""

from __future__ import annotations

import csv
import io
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from chexian.core import demo_data
from chexian.core.choices import AuditAction
from chexian.core.models import AuditLog
from chexian.core.testing import make_customer, make_vehicle
from chexian.customers.models import Customer, Vehicle

pytestmark = pytest.mark.django_db

_rng = random.Random(2026)
_serial = iter(range(500_000, 600_000))


@pytest.fixture(autouse=True)
def _english(settings):
    # Assertions read the English messages; the site itself is Chinese first.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def a_customer(cast):
    return make_customer(cast.a_supervisor, cast.store_a, name="张三", mobile="13812345678")


@pytest.fixture
def a_vehicle(cast, a_customer):
    return make_vehicle(cast.a_supervisor, cast.store_a, owner=a_customer)


@pytest.fixture
def b_customer(cast):
    return make_customer(cast.b_supervisor, cast.store_b, name="李四", mobile="13987654321")


@pytest.fixture
def b_vehicle(cast, b_customer):
    return make_vehicle(cast.b_supervisor, cast.store_b, owner=b_customer)


def login(client, user):
    client.force_login(user)
    return client


def new_vin() -> str:
    return demo_data.vin(_rng, next(_serial))


def bad_check_digit(vin: str) -> str:
    wrong = "0" if vin[8] != "0" else "1"
    return vin[:8] + wrong + vin[9:]


def customer_post(store, **overrides):
    data = {
        "store": store.pk,
        "kind": "person",
        "name": "王五",
        "mobile": "13700001111",
        "id_number": demo_data.resident_id(_rng),
        "source": "walk_in",
        "consent_outreach": "on",
    }
    data.update(overrides)
    return data


def vehicle_post(owner, **overrides):
    data = {
        "owner": owner.pk,
        "plate": "粤A9K2M7",
        "vin": new_vin(),
        "brand": "广汽丰田",
        "series": "凯美瑞",
        "is_own_brand": "on",
        "energy_type": "fuel",
        "usage": "family",
        "seats": "5",
    }
    data.update(overrides)
    return data


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


# ---------------------------------------------------------------- access basics
def test_pages_need_login(client):
    response = client.get(reverse("customers:customer_list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("who", ["a_supervisor", "a_issuer", "a_sales", "a_dept", "office", "auditor"])
def test_lists_open_for_every_role_that_views(client, cast, a_vehicle, who):
    login(client, getattr(cast, who))
    assert client.get(reverse("customers:customer_list")).status_code == 200
    assert client.get(reverse("customers:vehicle_list")).status_code == 200


def test_user_without_any_role_gets_403(client, cast, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x-long-password")
    login(client, nobody)
    assert client.get(reverse("customers:customer_list")).status_code == 403
    assert client.get(reverse("customers:vehicle_list")).status_code == 403


# ---------------------------------------------------------------- customer list and search
def test_customer_list_of_store_b_never_shows_store_a(client, cast, a_customer, b_customer):
    login(client, cast.b_issuer)
    response = client.get(reverse("customers:customer_list"))
    assert b_customer.name in response.text
    assert a_customer.name not in response.text
    assert 'class="table responsive"' in response.text
    assert 'data-label="Name"' in response.text


def test_customer_search_by_plate_stays_in_own_store(client, cast, a_vehicle, b_customer):
    plate = a_vehicle.plate
    login(client, cast.b_issuer)
    response = client.get(reverse("customers:customer_list"), {"q": plate})
    assert a_vehicle.owner.name not in response.text
    login(client, cast.a_issuer)
    response = client.get(reverse("customers:customer_list"), {"q": plate})
    assert a_vehicle.owner.name in response.text
    assert b_customer.name not in response.text


def test_customer_search_by_mobile_tail(client, cast, a_customer):
    other = make_customer(cast.a_supervisor, cast.store_a, name="赵六", mobile="13600009999")
    login(client, cast.a_issuer)
    response = client.get(reverse("customers:customer_list"), {"q": "5678"})
    assert a_customer.name in response.text
    assert other.name not in response.text


def test_customer_filters_offer_only_own_stores_and_staff(client, cast, a_customer):
    login(client, cast.a_issuer)
    response = client.get(reverse("customers:customer_list"))
    form = response.context["filter"].form
    assert list(form.fields["store"].queryset) == [cast.store_a]
    staff = set(form.fields["owner_staff"].queryset)
    assert cast.a_supervisor in staff
    assert cast.b_issuer not in staff and cast.b_supervisor not in staff


def test_customer_filter_by_another_stores_id_is_refused(client, cast, b_customer):
    login(client, cast.a_issuer)
    response = client.get(reverse("customers:customer_list"), {"store": cast.store_b.pk})
    assert response.status_code == 200
    assert b_customer.name not in response.text
    assert response.context["filter"].errors


def test_customer_filter_by_kind_and_consent(client, cast, a_customer):
    quiet = make_customer(cast.a_supervisor, cast.store_a, name="钱七", consent_outreach=False)
    login(client, cast.a_issuer)
    response = client.get(reverse("customers:customer_list"), {"consent": "false", "kind": "person"})
    assert quiet.name in response.text
    assert a_customer.name not in response.text


def test_customer_list_pages_by_the_page_size_setting(client, cast, settings):
    settings.CHEXIAN_PAGE_SIZE = 2
    names = [make_customer(cast.a_supervisor, cast.store_a).name for _ in range(3)]
    login(client, cast.a_issuer)
    first = client.get(reverse("customers:customer_list"))
    assert len(first.context["object_list"]) == 2
    assert "page=2" in first.text
    second = client.get(reverse("customers:customer_list"), {"page": 2})
    assert len(second.context["object_list"]) == 1
    assert names[0] in second.text  # newest first


def test_merged_customers_leave_the_list(client, cast, a_customer):
    duplicate = make_customer(cast.a_supervisor, cast.store_a, name="张三(重复)")
    login(client, cast.a_supervisor)
    client.post(reverse("customers:customer_merge", args=[a_customer.pk]), {"duplicates": [duplicate.pk]})
    response = client.get(reverse("customers:customer_list"))
    assert a_customer.name in response.text
    assert duplicate.name not in response.text
    detail = client.get(reverse("customers:customer_detail", args=[duplicate.pk]))
    assert detail.status_code == 200  # the tombstone still resolves, pointing at the survivor
    assert reverse("customers:customer_detail", args=[a_customer.pk]) in detail.text
    assert 'id="edit-customer"' not in detail.text


def test_department_staff_sees_masked_mobiles(client, cast, a_customer):
    login(client, cast.a_dept)
    response = client.get(reverse("customers:customer_list"))
    assert "138****5678" in response.text
    assert "13812345678" not in response.text
    login(client, cast.a_issuer)
    assert "13812345678" in client.get(reverse("customers:customer_list")).text


def test_customer_list_query_count_is_pinned(client, cast, django_assert_max_num_queries):
    for _ in range(12):
        owner = make_customer(cast.a_supervisor, cast.store_a)
        make_vehicle(cast.a_supervisor, cast.store_a, owner=owner)
        make_vehicle(cast.a_supervisor, cast.store_a, owner=owner)
    login(client, cast.a_supervisor)
    # session, user, roles, count, page, vehicles (prefetch), store and staff choices.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("customers:customer_list"))
    assert len(response.context["object_list"]) == 12


def test_group_office_list_query_count_does_not_grow_with_rows(client, cast, django_assert_max_num_queries):
    for store in (cast.store_a, cast.store_b):
        for _ in range(8):
            make_vehicle(cast.a_supervisor, store, owner=make_customer(cast.a_supervisor, store))
    login(client, cast.office)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("customers:customer_list"))
    assert len(response.context["object_list"]) == 16


# ---------------------------------------------------------------- customer detail and unmask
def test_customer_detail_shows_properties_vehicles_and_history(client, cast, a_vehicle):
    customer = a_vehicle.owner
    login(client, cast.a_supervisor)
    response = client.get(reverse("customers:customer_detail", args=[customer.pk]))
    assert response.status_code == 200
    assert customer.id_number_masked in response.text
    assert customer.id_number not in response.text
    assert a_vehicle.plate in response.text
    assert 'id="unmask-button"' in response.text
    assert response.context["audit_entries"] is not None
    assert "Created" in response.text  # the audit entry of the creation


def test_customer_detail_hides_history_without_audit_view(client, cast, a_customer):
    login(client, cast.a_issuer)
    response = client.get(reverse("customers:customer_detail", args=[a_customer.pk]))
    assert response.status_code == 200
    assert response.context["audit_entries"] is None


def test_department_staff_sees_no_unmask_button_and_masked_mobile(client, cast, a_customer):
    login(client, cast.a_dept)
    response = client.get(reverse("customers:customer_detail", args=[a_customer.pk]))
    assert response.status_code == 200
    assert 'id="unmask-button"' not in response.text
    assert "13812345678" not in response.text


@pytest.mark.parametrize("name", ["customer_detail", "customer_edit"])
def test_another_stores_customer_is_404_like_a_missing_one(client, cast, a_customer, name):
    login(client, cast.b_supervisor)
    assert client.get(reverse(f"customers:{name}", args=[a_customer.pk])).status_code == 404
    assert client.get(reverse(f"customers:{name}", args=[999_999])).status_code == 404


def test_unmask_returns_the_number_and_writes_an_audit_entry(client, cast, a_customer):
    login(client, cast.a_issuer)
    response = client.post(reverse("customers:customer_unmask", args=[a_customer.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert a_customer.id_number in response.text
    entry = AuditLog.objects.get(action=AuditAction.UNMASK)
    assert entry.actor == cast.a_issuer
    assert entry.object_id == str(a_customer.pk)


def test_unmask_is_403_for_department_staff_and_logs_nothing(client, cast, a_customer):
    login(client, cast.a_dept)
    response = client.post(reverse("customers:customer_unmask", args=[a_customer.pk]))
    assert response.status_code == 403
    assert not AuditLog.objects.filter(action=AuditAction.UNMASK).exists()


def test_unmask_of_another_stores_customer_is_404(client, cast, a_customer):
    login(client, cast.b_issuer)
    response = client.post(reverse("customers:customer_unmask", args=[a_customer.pk]))
    assert response.status_code == 404
    assert not AuditLog.objects.filter(action=AuditAction.UNMASK).exists()


def test_unmask_needs_post(client, cast, a_customer):
    login(client, cast.a_issuer)
    assert client.get(reverse("customers:customer_unmask", args=[a_customer.pk])).status_code == 405


def test_sales_consultant_unmasks_only_own_customers(client, cast, a_customer):
    own = make_customer(cast.a_supervisor, cast.store_a, owner_staff=cast.a_sales)
    login(client, cast.a_sales)
    assert client.post(reverse("customers:customer_unmask", args=[own.pk])).status_code == 200
    assert client.post(reverse("customers:customer_unmask", args=[a_customer.pk])).status_code == 403


# ---------------------------------------------------------------- customer create and edit
def test_supervisor_creates_a_customer(client, cast):
    login(client, cast.a_supervisor)
    assert client.get(reverse("customers:customer_create")).status_code == 200
    data = customer_post(cast.store_a)
    response = client.post(reverse("customers:customer_create"), data)
    assert response.status_code == 302
    customer = Customer.objects.get(name="王五")
    assert response["Location"] == reverse("customers:customer_detail", args=[customer.pk])
    assert customer.store == cast.store_a
    assert customer.id_number == data["id_number"]
    assert customer.id_number_masked != data["id_number"]
    assert customer.consent_at is not None


def test_sales_consultant_creates_a_customer(client, cast):
    login(client, cast.a_sales)
    response = client.post(reverse("customers:customer_create"), customer_post(cast.store_a, name="孙八"))
    assert response.status_code == 302
    assert Customer.objects.filter(name="孙八").exists()


def test_department_staff_gets_403_on_create(client, cast):
    login(client, cast.a_dept)
    assert client.get(reverse("customers:customer_create")).status_code == 403
    assert client.post(reverse("customers:customer_create"), customer_post(cast.store_a)).status_code == 403
    assert not Customer.objects.exists()


def test_invalid_id_number_shows_the_rule_and_creates_nothing(client, cast):
    login(client, cast.a_supervisor)
    good = demo_data.resident_id(_rng)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = client.post(reverse("customers:customer_create"), customer_post(cast.store_a, id_number=bad))
    assert response.status_code == 200
    assert "check digit (ISO 7064 MOD 11-2) does not match" in response.text
    assert response.context["form"].errors["id_number"]
    assert not Customer.objects.exists()


def test_invalid_mobile_shows_the_rule_and_creates_nothing(client, cast):
    login(client, cast.a_supervisor)
    response = client.post(reverse("customers:customer_create"), customer_post(cast.store_a, mobile="12345"))
    assert response.status_code == 200
    assert "Mobile number must be 11 digits" in response.text
    assert not Customer.objects.exists()


def test_mobile_typed_with_country_code_and_dashes_is_accepted(client, cast):
    login(client, cast.a_supervisor)
    response = client.post(
        reverse("customers:customer_create"), customer_post(cast.store_a, mobile="+86 137-0000-1111")
    )
    assert response.status_code == 302
    assert Customer.objects.get().mobile == "13700001111"


def test_duplicate_id_number_in_the_store_is_refused(client, cast, a_customer):
    login(client, cast.a_supervisor)
    response = client.post(
        reverse("customers:customer_create"), customer_post(cast.store_a, id_number=a_customer.id_number)
    )
    assert response.status_code == 200
    assert "already exists in this store" in response.text
    assert Customer.objects.count() == 1


def test_create_in_another_store_is_refused(client, cast):
    login(client, cast.a_supervisor)
    response = client.post(reverse("customers:customer_create"), customer_post(cast.store_b))
    assert response.status_code == 200
    assert "store" in response.context["form"].errors
    assert not Customer.objects.exists()


def test_owner_staff_of_another_store_is_refused(client, cast):
    login(client, cast.office)  # sees both stores, may not add customers
    assert client.get(reverse("customers:customer_create")).status_code == 403
    login(client, cast.a_supervisor)
    response = client.post(
        reverse("customers:customer_create"), customer_post(cast.store_a, owner_staff=cast.b_issuer.pk)
    )
    assert response.status_code == 200
    assert "owner_staff" in response.context["form"].errors


def test_edit_with_blank_id_number_keeps_it(client, cast, a_customer):
    number = a_customer.id_number
    login(client, cast.a_issuer)
    url = reverse("customers:customer_edit", args=[a_customer.pk])
    assert client.get(url).status_code == 200
    data = customer_post(cast.store_a, name="张三丰", mobile="13812345678", id_number="")
    del data["store"]
    response = client.post(url, data)
    assert response.status_code == 302
    a_customer.refresh_from_db()
    assert a_customer.name == "张三丰"
    assert a_customer.id_number == number
    assert a_customer.store == cast.store_a


def test_edit_with_a_new_id_number_changes_it(client, cast, a_customer):
    login(client, cast.a_issuer)
    new_number = demo_data.resident_id(_rng)
    response = client.post(
        reverse("customers:customer_edit", args=[a_customer.pk]),
        customer_post(cast.store_a, name=a_customer.name, id_number=new_number),
    )
    assert response.status_code == 302
    a_customer.refresh_from_db()
    assert a_customer.id_number == new_number


def test_invalid_edit_saves_nothing(client, cast, a_customer):
    login(client, cast.a_issuer)
    response = client.post(
        reverse("customers:customer_edit", args=[a_customer.pk]),
        customer_post(cast.store_a, name="改名", mobile="999"),
    )
    assert response.status_code == 200
    a_customer.refresh_from_db()
    assert a_customer.name == "张三"


def test_department_staff_and_others_sales_customers_cannot_edit(client, cast, a_customer):
    login(client, cast.a_dept)
    assert client.get(reverse("customers:customer_edit", args=[a_customer.pk])).status_code == 403
    login(client, cast.a_sales)  # not the owner of this customer
    assert client.get(reverse("customers:customer_edit", args=[a_customer.pk])).status_code == 403


# ---------------------------------------------------------------- merge
def test_supervisor_merges_a_duplicate(client, cast, a_vehicle):
    target = a_vehicle.owner
    duplicate = make_customer(cast.a_supervisor, cast.store_a, name=target.name, mobile="13700002222")
    dup_vehicle = make_vehicle(cast.a_supervisor, cast.store_a, owner=duplicate)
    login(client, cast.a_supervisor)
    url = reverse("customers:customer_merge", args=[target.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert f'value="{duplicate.pk}"' in response.text  # same name: offered as a likely duplicate
    response = client.post(url, {"duplicates": [duplicate.pk], "reason": "same person"})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    dup_vehicle.refresh_from_db()
    assert duplicate.merged_into == target
    assert dup_vehicle.owner == target
    assert AuditLog.objects.filter(action=AuditAction.MERGE, object_id=str(target.pk)).exists()


def test_merge_search_finds_duplicates_of_the_same_store_only(client, cast, a_customer, b_customer):
    other = make_customer(cast.a_supervisor, cast.store_a, name="张小三", mobile="13700003333")
    login(client, cast.a_supervisor)
    url = reverse("customers:customer_merge", args=[a_customer.pk])
    response = client.get(url, {"q": "3333"})
    assert f'value="{other.pk}"' in response.text
    response = client.get(url, {"q": b_customer.name})
    assert f'value="{b_customer.pk}"' not in response.text


def test_merging_another_stores_customer_is_refused(client, cast, a_customer, b_customer):
    login(client, cast.a_supervisor)
    response = client.post(
        reverse("customers:customer_merge", args=[a_customer.pk]), {"duplicates": [b_customer.pk]}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["duplicates"]
    b_customer.refresh_from_db()
    assert b_customer.merged_into is None


def test_merge_needs_the_merge_permission(client, cast, a_customer, b_customer):
    login(client, cast.a_issuer)
    assert client.get(reverse("customers:customer_merge", args=[a_customer.pk])).status_code == 403
    login(client, cast.b_supervisor)
    assert client.get(reverse("customers:customer_merge", args=[a_customer.pk])).status_code == 404


# ---------------------------------------------------------------- vehicles
def test_vehicle_list_and_search_stay_in_own_store(client, cast, a_vehicle, b_vehicle):
    login(client, cast.b_issuer)
    response = client.get(reverse("customers:vehicle_list"))
    assert b_vehicle.vin in response.text
    assert a_vehicle.vin not in response.text
    response = client.get(reverse("customers:vehicle_list"), {"q": a_vehicle.vin[-6:]})
    assert a_vehicle.vin not in response.text
    login(client, cast.a_issuer)
    response = client.get(reverse("customers:vehicle_list"), {"q": a_vehicle.plate})
    assert a_vehicle.vin in response.text
    assert a_vehicle.owner.name in response.text


def test_vehicle_filters(client, cast, a_customer):
    fuel = make_vehicle(cast.a_supervisor, cast.store_a, owner=a_customer)
    ev = make_vehicle(
        cast.a_supervisor, cast.store_a, owner=a_customer, plate=demo_data.plate(77, new_energy=True),
        energy_type="bev", brand="比亚迪", is_own_brand=False,
    )
    login(client, cast.a_issuer)
    url = reverse("customers:vehicle_list")
    text = client.get(url, {"new_energy": "true"}).text
    assert ev.vin in text and fuel.vin not in text
    text = client.get(url, {"own_brand": "true"}).text
    assert fuel.vin in text and ev.vin not in text
    text = client.get(url, {"brand": "比亚"}).text
    assert ev.vin in text and fuel.vin not in text
    text = client.get(url, {"energy_type": "fuel", "usage": "family"}).text
    assert fuel.vin in text and ev.vin not in text


def test_vehicle_detail_shows_archive_owner_and_history(client, cast, a_vehicle):
    login(client, cast.a_supervisor)
    response = client.get(reverse("customers:vehicle_detail", args=[a_vehicle.pk]))
    assert response.status_code == 200
    assert a_vehicle.archive_no in response.text
    assert a_vehicle.owner.name in response.text
    assert len(response.context["ownerships"]) == 1
    assert response.context["audit_entries"] is not None


@pytest.mark.parametrize("name", ["vehicle_detail", "vehicle_edit", "vehicle_transfer"])
def test_another_stores_vehicle_is_404(client, cast, a_vehicle, name):
    login(client, cast.b_supervisor)
    assert client.get(reverse(f"customers:{name}", args=[a_vehicle.pk])).status_code == 404
    assert client.get(reverse(f"customers:{name}", args=[999_999])).status_code == 404


def test_issuer_adds_a_vehicle(client, cast, a_customer):
    login(client, cast.a_issuer)
    url = reverse("customers:vehicle_create")
    response = client.get(url, {"owner": a_customer.pk})
    assert response.status_code == 200
    assert f'<option value="{a_customer.pk}" selected>' in response.text
    data = vehicle_post(a_customer)
    response = client.post(url, data)
    assert response.status_code == 302
    vehicle = Vehicle.objects.get(vin=data["vin"])
    assert vehicle.store == cast.store_a
    assert vehicle.archive_no.startswith("A01-")
    assert vehicle.ownerships.get().customer == a_customer


def test_vehicle_form_renders_only_the_chosen_owner(client, cast, a_customer):
    others = [make_customer(cast.a_supervisor, cast.store_a) for _ in range(3)]
    login(client, cast.a_issuer)
    response = client.get(reverse("customers:vehicle_create"))
    for other in [a_customer, *others]:
        assert f'value="{other.pk}"' not in response.text
    assert 'hx-get="/customers/choices/?action=vehicle.add"' in response.text


def test_department_staff_gets_403_on_vehicle_create(client, cast, a_customer):
    login(client, cast.a_dept)
    assert client.get(reverse("customers:vehicle_create")).status_code == 403


def test_invalid_vin_shows_the_check_digit_rule_and_creates_nothing(client, cast, a_customer):
    login(client, cast.a_issuer)
    data = vehicle_post(a_customer, vin=bad_check_digit(new_vin()))
    response = client.post(reverse("customers:vehicle_create"), data)
    assert response.status_code == 200
    assert "the check digit in position 9 does not match" in response.text
    assert f'<option value="{a_customer.pk}" selected>' in response.text  # the owner stays chosen
    assert not Vehicle.objects.exists()


def test_invalid_plate_shows_the_rule_and_creates_nothing(client, cast, a_customer):
    login(client, cast.a_issuer)
    response = client.post(reverse("customers:vehicle_create"), vehicle_post(a_customer, plate="AB12345"))
    assert response.status_code == 200
    assert "must start with a province abbreviation" in response.text
    assert not Vehicle.objects.exists()


def test_green_plate_on_a_fuel_car_is_refused(client, cast, a_customer):
    login(client, cast.a_issuer)
    data = vehicle_post(a_customer, plate=demo_data.plate(5, new_energy=True), energy_type="fuel")
    response = client.post(reverse("customers:vehicle_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["energy_type"]
    assert not Vehicle.objects.exists()


def test_duplicate_vin_in_the_store_is_refused_without_a_half_save(client, cast, a_vehicle):
    login(client, cast.a_issuer)
    data = vehicle_post(a_vehicle.owner, vin=a_vehicle.vin, plate="")
    response = client.post(reverse("customers:vehicle_create"), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Vehicle.objects.count() == 1
    cast.store_a.refresh_from_db()
    assert cast.store_a.next_archive_seq == 2  # no archive number was used up


def test_owner_from_another_store_is_not_a_valid_choice(client, cast, a_customer, b_customer):
    login(client, cast.a_issuer)
    response = client.post(reverse("customers:vehicle_create"), vehicle_post(b_customer))
    assert response.status_code == 200
    assert response.context["form"].errors["owner"]
    assert not Vehicle.objects.exists()
    response = client.get(reverse("customers:vehicle_create"), {"owner": b_customer.pk})
    assert f'value="{b_customer.pk}"' not in response.text


def test_issuer_edits_a_vehicle(client, cast, a_vehicle):
    login(client, cast.a_issuer)
    url = reverse("customers:vehicle_edit", args=[a_vehicle.pk])
    assert client.get(url).status_code == 200
    data = vehicle_post(a_vehicle.owner, vin=a_vehicle.vin, plate=a_vehicle.plate, mileage="12000")
    del data["owner"]
    response = client.post(url, data)
    assert response.status_code == 302
    a_vehicle.refresh_from_db()
    assert a_vehicle.mileage == 12000


def test_vehicle_edit_is_403_for_department_staff(client, cast, a_vehicle):
    login(client, cast.a_dept)
    assert client.get(reverse("customers:vehicle_edit", args=[a_vehicle.pk])).status_code == 403


def test_vehicle_transfer(client, cast, a_vehicle):
    buyer = make_customer(cast.a_supervisor, cast.store_a, name="周九")
    login(client, cast.a_issuer)
    url = reverse("customers:vehicle_transfer", args=[a_vehicle.pk])
    assert client.get(url).status_code == 200
    today = timezone.localdate().isoformat()
    response = client.post(url, {"new_owner": buyer.pk, "date": today, "note": "二手车过户"})
    assert response.status_code == 302
    a_vehicle.refresh_from_db()
    assert a_vehicle.owner == buyer
    assert a_vehicle.ownerships.count() == 2
    assert AuditLog.objects.filter(action=AuditAction.TRANSFER, object_id=str(a_vehicle.pk)).exists()


def test_transfer_to_another_stores_customer_is_refused(client, cast, a_vehicle, b_customer):
    login(client, cast.a_issuer)
    response = client.post(
        reverse("customers:vehicle_transfer", args=[a_vehicle.pk]),
        {"new_owner": b_customer.pk, "date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_owner"]
    a_vehicle.refresh_from_db()
    assert a_vehicle.owner.store == cast.store_a


def test_transfer_before_the_current_owners_start_is_refused(client, cast, a_vehicle):
    buyer = make_customer(cast.a_supervisor, cast.store_a)
    login(client, cast.a_issuer)
    response = client.post(
        reverse("customers:vehicle_transfer", args=[a_vehicle.pk]), {"new_owner": buyer.pk, "date": "2001-01-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date"]


def test_transfer_needs_the_transfer_permission(client, cast, a_vehicle):
    login(client, cast.a_sales)
    assert client.get(reverse("customers:vehicle_transfer", args=[a_vehicle.pk])).status_code == 403


def test_customer_choices_search_own_stores_only(client, cast, a_customer, b_customer):
    login(client, cast.a_issuer)
    url = reverse("customers:customer_choices")
    response = client.get(url, {"q": "张"})
    assert f'value="{a_customer.pk}"' in response.text
    response = client.get(url, {"q": "李"})
    assert f'value="{b_customer.pk}"' not in response.text
    response = client.get(url, {"q": "张", "exclude": a_customer.pk})
    assert f'value="{a_customer.pk}"' not in response.text


# ---------------------------------------------------------------- exports
def test_customer_export_masks_and_defuses_formulas(client, cast, a_customer):
    evil = make_customer(cast.a_supervisor, cast.store_a, name='=HYPERLINK("http://evil.example","点我")')
    login(client, cast.a_supervisor)
    response = client.get(reverse("customers:customer_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert len(rows) == 3  # header + two customers
    text = response.content.decode("utf-8")
    assert a_customer.id_number not in text
    assert a_customer.id_number_masked in text
    assert "'=HYPERLINK(" in text
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert evil.name in [cell.lstrip("'") for cell in cells]
    entry = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert entry.actor == cast.a_supervisor
    assert entry.after["rows"] == 2


def test_customer_export_of_store_b_never_contains_store_a(client, cast, a_customer, b_customer):
    login(client, cast.b_supervisor)
    text = client.get(reverse("customers:customer_export")).content.decode("utf-8")
    assert b_customer.name in text
    assert a_customer.name not in text


def test_customer_export_follows_the_filters(client, cast, a_customer):
    other = make_customer(cast.a_supervisor, cast.store_a, name="吴十", consent_outreach=False)
    login(client, cast.a_supervisor)
    response = client.get(reverse("customers:customer_export"), {"consent": "false"})
    text = response.content.decode("utf-8")
    assert other.name in text and a_customer.name not in text
    assert AuditLog.objects.get(action=AuditAction.EXPORT).after["filters"] == {"consent": "false"}


def test_export_is_403_without_the_export_permission(client, cast, a_customer):
    login(client, cast.a_issuer)
    assert client.get(reverse("customers:customer_export")).status_code == 403
    assert client.get(reverse("customers:vehicle_export")).status_code == 403
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()


def test_vehicle_export(client, cast, a_vehicle, b_vehicle):
    login(client, cast.a_supervisor)
    response = client.get(reverse("customers:vehicle_export"), {"q": a_vehicle.plate})
    assert response.status_code == 200
    rows = read_csv(response)
    assert len(rows) == 2
    text = response.content.decode("utf-8")
    assert a_vehicle.vin in text and a_vehicle.archive_no in text
    assert b_vehicle.vin not in text
    assert AuditLog.objects.get(action=AuditAction.EXPORT).after["rows"] == 1


def test_auditor_export_masks_nothing_it_may_not_see_and_spans_the_group(client, cast, a_customer, b_customer):
    login(client, cast.auditor)
    text = client.get(reverse("customers:customer_export"), {"reason": "audit"}).content.decode("utf-8")
    assert a_customer.name in text and b_customer.name in text
    assert a_customer.id_number not in text and b_customer.id_number not in text


def test_a_group_export_is_logged_in_each_stores_audit_log(client, cast, a_customer, b_customer):
    login(client, cast.auditor)
    client.get(reverse("customers:customer_export"), {"reason": "annual audit"})
    entries = AuditLog.objects.filter(action=AuditAction.EXPORT)
    assert {e.store_id: e.after["rows"] for e in entries} == {cast.store_a.pk: 1, cast.store_b.pk: 1}
    assert all(e.reason == "annual audit" and e.actor == cast.auditor for e in entries)
    # Store B's supervisor sees that store B's data was exported, not store A's entry.
    seen = AuditLog.objects.restrict(cast.b_supervisor).filter(action=AuditAction.EXPORT)
    assert [e.store_id for e in seen] == [cast.store_b.pk]


def test_auditor_must_give_a_reason_to_export(client, cast, a_customer):
    login(client, cast.auditor)
    response = client.get(reverse("customers:customer_export"), {"consent": "true"})
    assert response.status_code == 302 and response["Location"].endswith("?consent=true")
    assert not AuditLog.objects.filter(action=AuditAction.EXPORT).exists()
    response = client.get(reverse("customers:vehicle_export"), {"reason": "  "})
    assert response.status_code == 302
    list_page = client.get(reverse("customers:customer_list")).content.decode()
    assert 'name="reason"' in list_page and "required" in list_page
