"""The REST API over customers and vehicles: same rules and permissions as the
pages (SPEC §5.2), store isolation (STYLE §4), errors that name field, rule and code."""

import datetime as dt
import random

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chexian.core import demo_data
from chexian.core.choices import AuditAction
from chexian.core.models import AuditLog
from chexian.core.testing import make_customer, make_vehicle
from chexian.customers.choices import EnergyType, OwnershipReason
from chexian.customers.models import Customer, Vehicle, VehicleOwnership
from chexian.org.choices import Role
from chexian.org.models import StaffRole

ID = "11010519491231002X"
USCC = "91350100M000100Y43"
VIN = demo_data.vin(random.Random(1), 424242)
BAD_VIN = VIN[:8] + ("0" if VIN[8] != "0" else "1") + VIN[9:]
_rng = random.Random(11)


def api(user=None):
    """A client authenticated by token, as integrations call the API."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def customer_payload(store, **overrides):
    data = {
        "store": store.pk,
        "name": "张三",
        "mobile": "13812345678",
        "id_number": ID,
        "consent_outreach": True,
    }
    data.update(overrides)
    return data


def vehicle_payload(store, owner, **overrides):
    data = {"store": store.pk, "owner": owner.pk, "vin": VIN, "plate": "粤B12345", "brand": "广汽丰田"}
    data.update(overrides)
    return data


@pytest.fixture
def a_customer(cast):
    return make_customer(cast.a_issuer, cast.store_a, name="李四", mobile="13900001234", id_number=ID)


@pytest.fixture
def a_vehicle(cast, a_customer):
    return make_vehicle(
        cast.a_issuer, cast.store_a, owner=a_customer, plate="粤A12345", purchase_date=dt.date(2024, 5, 1)
    )


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# ------------------------------------------------------------------ authentication
def test_token_and_session_authentication_work(cast, a_customer):
    assert api(cast.a_issuer).get("/api/customers/").status_code == 200
    client = APIClient()
    client.force_login(cast.a_issuer)
    assert client.get(f"/api/customers/{a_customer.pk}/").status_code == 200


def test_session_writes_need_the_csrf_token(cast):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(cast.a_issuer)
    response = client.post("/api/customers/", customer_payload(cast.store_a), format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert not Customer.objects.exists()


def test_anonymous_is_refused(cast, a_customer):
    assert api().get("/api/customers/").status_code == 401
    assert api().post("/api/customers/", customer_payload(cast.store_a), format="json").status_code == 401
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.get(f"/api/customers/{a_customer.pk}/").status_code == 401


# ------------------------------------------------------------------ read, per role
@pytest.mark.parametrize("user", ["a_manager", "a_supervisor", "a_issuer", "a_sales", "a_dept", "office", "auditor"])
def test_roles_of_the_store_list_and_retrieve(cast, a_vehicle, user):
    client = api(getattr(cast, user))
    assert a_vehicle.owner_id in ids(client.get("/api/customers/"))
    assert a_vehicle.pk in ids(client.get("/api/vehicles/"))
    assert client.get(f"/api/customers/{a_vehicle.owner_id}/").status_code == 200
    assert client.get(f"/api/vehicles/{a_vehicle.pk}/").json()["archive_no"] == a_vehicle.archive_no
    assert client.get("/api/vehicle-ownerships/", {"vehicle": a_vehicle.pk}).json()["count"] == 1


@pytest.mark.parametrize(("user", "shown"), [("a_issuer", "13900001234"), ("a_dept", "139****1234")])
def test_mobile_is_masked_for_roles_that_do_not_contact_customers(cast, a_customer, user, shown):
    client = api(getattr(cast, user))
    assert client.get(f"/api/customers/{a_customer.pk}/").json()["mobile"] == shown
    assert client.get("/api/customers/").json()["results"][0]["mobile"] == shown


def test_identity_number_is_only_ever_returned_masked(cast):
    client = api(cast.a_issuer)
    created = client.post("/api/customers/", customer_payload(cast.store_a), format="json")
    assert created.status_code == 201, created.content
    customer = Customer.objects.get()
    for response in (
        created,
        client.get(f"/api/customers/{customer.pk}/"),
        client.get("/api/customers/"),
        client.patch(f"/api/customers/{customer.pk}/", {"note": "VIP"}, format="json"),
    ):
        body = response.content.decode()
        assert ID not in body and "19491231" not in body
        assert customer.id_number_encrypted not in body and customer.id_number_hash not in body
        assert "id_number_encrypted" not in body and "id_number_hash" not in body
        assert '"id_number"' not in body
    assert created.json()["id_number_masked"] == "110105********002X"
    assert customer.id_number == ID


# ------------------------------------------------------------------ write, per role
def test_issuer_creates_and_changes_a_customer(cast):
    client = api(cast.a_issuer)
    response = client.post("/api/customers/", customer_payload(cast.store_a, mobile="+86 138-1234-5678"), format="json")
    assert response.status_code == 201, response.content
    customer = Customer.objects.get(pk=response.json()["id"])
    assert customer.store == cast.store_a and customer.mobile == "13812345678" and customer.consent_at
    assert AuditLog.objects.for_object(customer).get(action=AuditAction.CREATE).actor == cast.a_issuer

    response = client.patch(f"/api/customers/{customer.pk}/", {"name": "张三丰", "area": "南山区"}, format="json")
    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert (customer.name, customer.area) == ("张三丰", "南山区")
    assert AuditLog.objects.for_object(customer).filter(action=AuditAction.UPDATE, actor=cast.a_issuer).exists()

    full = {**customer_payload(cast.store_a), "name": "张三", "id_number": ID}
    assert client.put(f"/api/customers/{customer.pk}/", full, format="json").status_code == 200


def test_issuer_creates_and_changes_a_vehicle(cast, a_customer):
    client = api(cast.a_issuer)
    response = client.post(
        "/api/vehicles/", vehicle_payload(cast.store_a, a_customer, plate="粤b·12345"), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["archive_no"].startswith("A01-") and body["plate"] == "粤B12345" and body["vin_tail"] == VIN[-6:]
    assert body["owner_name"] == "李四"
    vehicle = Vehicle.objects.get(pk=body["id"])
    assert vehicle.ownerships.get().customer == a_customer

    response = client.patch(
        f"/api/vehicles/{vehicle.pk}/", {"mileage": 12000, "archive_no": "X-1", "vin_tail": "000000"}, format="json"
    )
    assert response.status_code == 200, response.content
    vehicle.refresh_from_db()
    assert vehicle.mileage == 12000 and vehicle.archive_no == body["archive_no"] and vehicle.vin_tail == VIN[-6:]


@pytest.mark.parametrize("user", ["a_dept", "office", "auditor"])
def test_roles_without_add_get_403_on_create(cast, a_customer, user):
    client = api(getattr(cast, user))
    response = client.post("/api/customers/", customer_payload(cast.store_a), format="json")
    assert response.status_code == 403
    response = client.post("/api/vehicles/", vehicle_payload(cast.store_a, a_customer), format="json")
    assert response.status_code == 403
    assert client.patch(f"/api/customers/{a_customer.pk}/", {"note": "x"}, format="json").status_code == 403
    assert Customer.objects.count() == 1 and not Vehicle.objects.exists()


def test_a_store_of_which_the_user_is_not_staff_is_refused_without_saying_more(cast):
    response = api(cast.b_issuer).post("/api/customers/", customer_payload(cast.store_a), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"store", "codes"}
    assert cast.store_a.name not in response.content.decode()
    assert not Customer.objects.exists()


def test_a_customer_cannot_move_to_another_store(cast, a_customer):
    client = api(cast.office)  # sees both stores but changes none: 403 before anything else
    assert (
        client.patch(f"/api/customers/{a_customer.pk}/", {"store": cast.store_b.pk}, format="json").status_code == 403
    )
    both = cast.a_issuer
    StaffRole.objects.create(user=both, role=Role.ISSUER, store=cast.store_b, group=cast.group)
    response = api(both).patch(f"/api/customers/{a_customer.pk}/", {"store": cast.store_b.pk}, format="json")
    assert response.status_code == 400 and response.json()["codes"]["store"] == ["store_immutable"]


# ------------------------------------------------------------------ store isolation
@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/api/customers/{customer}/", None),
        ("patch", "/api/customers/{customer}/", {"note": "x"}),
        ("put", "/api/customers/{customer}/", {"name": "x", "store": "{store_b}"}),
        ("post", "/api/customers/{customer}/unmask/", {}),
        ("post", "/api/customers/{customer}/merge/", {"duplicates": ["{b_customer}"]}),
        ("get", "/api/vehicles/{vehicle}/", None),
        ("patch", "/api/vehicles/{vehicle}/", {"mileage": 1}),
        ("post", "/api/vehicles/{vehicle}/transfer/", {"new_owner": "{b_customer}", "date": "2026-01-01"}),
        ("get", "/api/vehicle-ownerships/{ownership}/", None),
    ],
)
def test_store_b_gets_404_for_store_a_objects(cast, a_vehicle, method, url, data):
    b_customer = make_customer(cast.b_issuer, cast.store_b)
    values = {
        "customer": a_vehicle.owner_id,
        "vehicle": a_vehicle.pk,
        "ownership": a_vehicle.ownerships.get().pk,
        "b_customer": b_customer.pk,
        "store_b": cast.store_b.pk,
    }
    if data:
        data = {
            k: (
                [x.format(**values) for x in v]
                if isinstance(v, list)
                else v.format(**values)
                if isinstance(v, str)
                else v
            )
            for k, v in data.items()
        }
    # The supervisor holds every action in store B (the issuer all but merge, a 403 for lack of the role).
    for user in (cast.b_supervisor, cast.b_issuer) if "merge" not in url else (cast.b_supervisor,):
        response = getattr(api(user), method)(url.format(**values), data, format="json")
        assert response.status_code == 404, (user, response.content)
    assert not AuditLog.objects.filter(
        action__in=[AuditAction.UNMASK, AuditAction.TRANSFER, AuditAction.MERGE]
    ).exists()
    a_vehicle.refresh_from_db()
    assert a_vehicle.owner_id == values["customer"] and a_vehicle.mileage is None


def test_store_b_never_sees_store_a_in_lists_or_search(cast, a_vehicle):
    b_customer = make_customer(cast.b_issuer, cast.store_b, name="李五", mobile="13700001234")
    b_vehicle = make_vehicle(cast.b_issuer, cast.store_b, owner=b_customer, plate="粤A54321")
    client = api(cast.b_issuer)
    assert ids(client.get("/api/customers/")) == {b_customer.pk}
    assert ids(client.get("/api/vehicles/")) == {b_vehicle.pk}
    assert {row["vehicle"] for row in client.get("/api/vehicle-ownerships/").json()["results"]} == {b_vehicle.pk}
    for term in ("李", "李四", "1234", "13900001234", "粤A12345", "A12345", a_vehicle.vin[-6:], a_vehicle.vin):
        assert a_vehicle.owner_id not in ids(client.get("/api/customers/", {"q": term})), term
        assert a_vehicle.pk not in ids(client.get("/api/vehicles/", {"q": term})), term
    # Store A's issuer finds them by the same terms.
    a_client = api(cast.a_issuer)
    for term in ("李四", "1234", "粤A12345", "A12345", a_vehicle.vin[-6:]):
        assert ids(a_client.get("/api/customers/", {"q": term})) == {a_vehicle.owner_id}, term
        assert ids(a_client.get("/api/vehicles/", {"q": term})) == {a_vehicle.pk}, term


def test_filter_choices_are_limited_to_the_users_stores(cast, a_vehicle):
    client = api(cast.b_issuer)
    response = client.get("/api/customers/", {"store": cast.store_a.pk})
    assert response.status_code == 400 and "store" in response.json()
    response = client.get("/api/vehicles/", {"owner": a_vehicle.owner_id})
    assert response.status_code == 400 and "owner" in response.json()
    office = api(cast.office)
    assert ids(office.get("/api/customers/", {"store": cast.store_a.pk})) == {a_vehicle.owner_id}
    assert ids(office.get("/api/vehicles/", {"store": cast.store_b.pk})) == set()


def test_vehicle_filters(cast, a_vehicle):
    ev = make_vehicle(
        cast.a_issuer, cast.store_a, owner=a_vehicle.owner, energy_type=EnergyType.BEV, is_own_brand=False
    )
    client = api(cast.a_supervisor)
    assert ids(client.get("/api/vehicles/", {"energy_type": "bev"})) == {ev.pk}
    assert ids(client.get("/api/vehicles/", {"new_energy": "true"})) == {ev.pk}
    assert ids(client.get("/api/vehicles/", {"own_brand": "true"})) == {a_vehicle.pk}
    assert ids(client.get("/api/vehicles/", {"owner": a_vehicle.owner_id})) == {a_vehicle.pk, ev.pk}


# ------------------------------------------------------------------ invalid input: 400 naming field, rule, code
@pytest.mark.parametrize(
    ("field", "value", "code", "words"),
    [
        ("id_number", "110105194912310021", "ric_check_digit", "check digit"),
        ("id_number", "11010519491331002X", "ric_birth_date", "birth date"),
        ("mobile", "12812345678", "mobile_format", "Mobile number"),
        ("mobile2", "1381234567", "mobile_format", "Mobile number"),
    ],
)
def test_invalid_customer_identifiers_are_refused_naming_the_rule(cast, field, value, code, words):
    audit_entries = AuditLog.objects.count()
    response = api(cast.a_issuer).post(
        "/api/customers/", customer_payload(cast.store_a, **{field: value}), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    body = response.json()
    assert words in body[field][0]
    assert body["codes"][field] == [code]
    assert not Customer.objects.exists() and AuditLog.objects.count() == audit_entries


def test_invalid_uscc_is_refused(cast):
    payload = customer_payload(cast.store_a, kind="company", name="某公司", id_number="", uscc=USCC[:-1] + "0")
    response = api(cast.a_issuer).post("/api/customers/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["codes"]["uscc"] == ["uscc_check_digit"]
    assert "GB 32100" in response.json()["uscc"][0]
    payload["uscc"] = USCC.lower()
    assert api(cast.a_supervisor).post("/api/customers/", payload, format="json").status_code == 201
    assert Customer.objects.get().uscc == USCC


def test_model_rules_come_back_from_the_service(cast):
    """Rules that need the database or several fields live in Model.clean(); the API gets them too."""
    client = api(cast.a_issuer)
    assert client.post("/api/customers/", customer_payload(cast.store_a), format="json").status_code == 201
    response = client.post("/api/customers/", customer_payload(cast.store_a, name="王五"), format="json")
    assert response.status_code == 400 and "id_number" in response.json()
    assert "codes" in response.json()
    response = client.post("/api/customers/", customer_payload(cast.store_a, kind="company"), format="json")
    assert response.status_code == 400 and "id_number" in response.json()
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"vin": BAD_VIN}, "vin", "vin_check_digit"),
        ({"vin": VIN[:16]}, "vin", "vin_length"),
        ({"vin": VIN[:16] + "I"}, "vin", "vin_characters"),
        ({"plate": "粤I12345"}, "plate", "plate_format"),
        ({"plate": "XA12345"}, "plate", "plate_province"),
        ({"plate": "粤AD1234X"}, "plate", "plate_new_energy_format"),
    ],
)
def test_invalid_vehicle_identifiers_are_refused_naming_the_rule(cast, a_customer, overrides, field, code):
    response = api(cast.a_issuer).post(
        "/api/vehicles/", vehicle_payload(cast.store_a, a_customer, **overrides), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["codes"][field] == [code] and body[field][0]
    assert not Vehicle.objects.exists() and not VehicleOwnership.objects.exists()
    cast.store_a.refresh_from_db()
    assert cast.store_a.next_archive_seq == 1  # no archive number used up


def test_new_energy_plate_needs_a_new_energy_type(cast, a_customer):
    client = api(cast.a_issuer)
    response = client.post(
        "/api/vehicles/", vehicle_payload(cast.store_a, a_customer, plate="粤AD12345"), format="json"
    )
    assert response.status_code == 400 and "energy_type" in response.json()
    response = client.post(
        "/api/vehicles/", vehicle_payload(cast.store_a, a_customer, plate="粤AD12345", energy_type="bev"), format="json"
    )
    assert response.status_code == 201 and response.json()["is_new_energy"] is True


def test_duplicate_vin_or_plate_in_the_same_store_is_refused_on_its_field(cast, a_vehicle):
    client = api(cast.a_issuer)
    owner = a_vehicle.owner
    response = client.post("/api/vehicles/", vehicle_payload(cast.store_a, owner, vin=a_vehicle.vin), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["codes"]["vin"] == ["unique"] and response.json()["vin"]
    response = client.post("/api/vehicles/", vehicle_payload(cast.store_a, owner, plate=a_vehicle.plate), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["codes"]["plate"] == ["unique"]
    assert Vehicle.objects.count() == 1 and VehicleOwnership.objects.count() == 1
    # Another store keeps its own archive of the same car.
    b_owner = make_customer(cast.b_issuer, cast.store_b)
    payload = vehicle_payload(cast.store_b, b_owner, vin=a_vehicle.vin, plate=a_vehicle.plate)
    assert api(cast.b_issuer).post("/api/vehicles/", payload, format="json").status_code == 201


def test_vehicle_owner_must_be_a_visible_customer_of_the_same_store(cast, a_customer):
    b_customer = make_customer(cast.b_issuer, cast.store_b)
    response = api(cast.a_issuer).post("/api/vehicles/", vehicle_payload(cast.store_a, b_customer), format="json")
    assert response.status_code == 400 and response.json()["codes"]["owner"] == ["does_not_exist"]
    assert b_customer.name not in response.content.decode()
    # Someone who sees both stores still cannot file store B's customer under store A.
    StaffRole.objects.create(user=cast.a_issuer, role=Role.ISSUER, store=cast.store_b, group=cast.group)
    response = api(cast.a_issuer).post("/api/vehicles/", vehicle_payload(cast.store_a, b_customer), format="json")
    assert response.status_code == 400 and "owner" in response.json()
    assert not Vehicle.objects.exists()


# ------------------------------------------------------------------ unmask
def test_unmask_returns_the_number_and_is_audited(cast, a_customer):
    response = api(cast.a_issuer).post(f"/api/customers/{a_customer.pk}/unmask/", {"reason": "投保录入"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"id_number": ID}
    assert response["Cache-Control"] == "no-store"
    entry = AuditLog.objects.get(action=AuditAction.UNMASK)
    assert entry.actor == cast.a_issuer and entry.object_id == str(a_customer.pk) and entry.reason == "投保录入"
    assert ID not in str(entry.before) + str(entry.after)


@pytest.mark.parametrize("user", ["a_dept", "a_sales"])
def test_roles_without_unmask_get_403(cast, a_customer, user):
    response = api(getattr(cast, user)).post(f"/api/customers/{a_customer.pk}/unmask/", {}, format="json")
    assert response.status_code == 403
    assert ID not in response.content.decode()
    assert not AuditLog.objects.filter(action=AuditAction.UNMASK).exists()


def test_sales_consultant_acts_on_own_customers_only(cast, a_customer):
    client = api(cast.a_sales)
    response = client.post(
        "/api/customers/", customer_payload(cast.store_a, id_number="", owner_staff=cast.a_sales.pk), format="json"
    )
    assert response.status_code == 201, response.content
    own = response.json()
    assert own["mobile"] == "13812345678"
    assert client.patch(f"/api/customers/{own['id']}/", {"note": "试驾"}, format="json").status_code == 200
    assert client.get(f"/api/customers/{a_customer.pk}/").json()["mobile"] == "139****1234"
    assert client.patch(f"/api/customers/{a_customer.pk}/", {"note": "x"}, format="json").status_code == 403
    assert ids(client.get("/api/customers/", {"mine": "true"})) == {own["id"]}


# ------------------------------------------------------------------ transfer
def test_transfer_keeps_the_ownership_history(cast, a_vehicle):
    new_owner = make_customer(cast.a_issuer, cast.store_a, name="王五")
    first = a_vehicle.ownerships.get()
    client = api(cast.a_issuer)
    response = client.post(
        f"/api/vehicles/{a_vehicle.pk}/transfer/",
        {"new_owner": new_owner.pk, "date": "2026-03-01", "note": "二手车过户"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["owner"] == new_owner.pk and response.json()["owner_name"] == "王五"
    first.refresh_from_db()
    assert first.end_date == dt.date(2026, 3, 1)
    rows = client.get("/api/vehicle-ownerships/", {"vehicle": a_vehicle.pk}).json()["results"]
    assert [(r["customer"], r["reason"], r["end_date"]) for r in rows] == [
        (new_owner.pk, OwnershipReason.TRANSFER, None),
        (first.customer_id, OwnershipReason.PURCHASE, "2026-03-01"),
    ]
    assert AuditLog.objects.get(action=AuditAction.TRANSFER).actor == cast.a_issuer


def test_transfer_is_refused_to_another_store_and_owner_is_not_patched(cast, a_vehicle):
    client = api(cast.a_issuer)
    other = make_customer(cast.a_issuer, cast.store_a)
    response = client.patch(
        f"/api/vehicles/{a_vehicle.pk}/", {"owner": other.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and "transfer" in response.json()["owner"][0]
    b_customer = make_customer(cast.b_issuer, cast.store_b)
    response = client.post(
        f"/api/vehicles/{a_vehicle.pk}/transfer/", {"new_owner": b_customer.pk, "date": "2026-03-01"}, format="json"
    )
    assert response.status_code == 400 and "new_owner" in response.json()
    response = client.post(
        f"/api/vehicles/{a_vehicle.pk}/transfer/", {"new_owner": other.pk, "date": "1990-01-01"}, format="json"
    )
    assert response.status_code == 400 and "date" in response.json()
    assert (
        api(cast.a_sales)
        .post(f"/api/vehicles/{a_vehicle.pk}/transfer/", {"new_owner": other.pk, "date": "2026-03-01"}, format="json")
        .status_code
        == 403
    )
    a_vehicle.refresh_from_db()
    assert a_vehicle.owner_id != other.pk and a_vehicle.ownerships.count() == 1


# ------------------------------------------------------------------ merge
def test_supervisor_merges_duplicates_and_the_list_hides_them(cast, a_vehicle):
    target = a_vehicle.owner
    duplicate = make_customer(cast.a_issuer, cast.store_a, name="李四", id_number="", address="深圳南山")
    dup_vehicle = make_vehicle(cast.a_issuer, cast.store_a, owner=duplicate)
    assert (
        api(cast.a_issuer)
        .post(f"/api/customers/{target.pk}/merge/", {"duplicates": [duplicate.pk]}, format="json")
        .status_code
        == 403
    )
    client = api(cast.a_supervisor)
    response = client.post(
        f"/api/customers/{target.pk}/merge/", {"duplicates": [duplicate.pk], "reason": "同一人"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["address"] == "深圳南山"
    dup_vehicle.refresh_from_db()
    assert dup_vehicle.owner == target
    assert ids(client.get("/api/customers/")) == {target.pk}
    assert ids(client.get("/api/customers/", {"include_merged": "true"})) == {target.pk, duplicate.pk}
    assert client.get(f"/api/customers/{duplicate.pk}/").json()["merged_into"] == target.pk
    assert AuditLog.objects.get(action=AuditAction.MERGE).reason == "同一人"
    # Merging again is refused by the service, as a 400.
    response = client.post(f"/api/customers/{target.pk}/merge/", {"duplicates": [duplicate.pk]}, format="json")
    assert response.status_code == 400 and response.json()["non_field_errors"]


def test_merge_cannot_reach_another_stores_customer(cast, a_customer):
    b_customer = make_customer(cast.b_issuer, cast.store_b)
    response = api(cast.a_supervisor).post(
        f"/api/customers/{a_customer.pk}/merge/", {"duplicates": [b_customer.pk]}, format="json"
    )
    assert response.status_code == 400 and response.json()["codes"]["duplicates"] == ["does_not_exist"]
    b_customer.refresh_from_db()
    assert b_customer.merged_into is None


# ------------------------------------------------------------------ query counts
def test_list_query_counts_do_not_grow_with_rows(cast, django_assert_max_num_queries):
    owner = make_customer(cast.a_issuer, cast.store_a)
    for _ in range(3):
        make_vehicle(cast.a_issuer, cast.store_a, owner=make_customer(cast.a_issuer, cast.store_a))
    make_vehicle(cast.a_issuer, cast.store_a, owner=owner)
    client = api(cast.a_supervisor)

    def check():
        for url, params in (
            ("/api/customers/", {}),
            ("/api/vehicles/", {}),
            ("/api/vehicle-ownerships/", {}),
            ("/api/customers/", {"q": "粤A"}),
            ("/api/vehicles/", {"q": "粤A"}),
        ):
            # token, the user's roles, the count, the page: whatever the number of rows
            with django_assert_max_num_queries(4):
                response = client.get(url, params)
            assert response.status_code == 200 and response.json()["count"] >= 4

    check()
    for _ in range(20):
        make_vehicle(cast.a_issuer, cast.store_a, owner=make_customer(cast.a_issuer, cast.store_a))
    check()
    office = api(cast.office)
    with django_assert_max_num_queries(5):  # a group-wide role: its stores come from one more query
        assert office.get("/api/customers/").json()["count"] == 24


# ------------------------------------------------------------------ schema and docs
def test_openapi_schema_lists_the_endpoints(cast):
    response = api(cast.a_issuer).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/customers/",
        "/api/customers/{id}/",
        "/api/customers/{id}/unmask/",
        "/api/customers/{id}/merge/",
        "/api/vehicles/",
        "/api/vehicles/{id}/",
        "/api/vehicles/{id}/transfer/",
        "/api/vehicle-ownerships/",
    ):
        assert path in paths, path
    components = response.json()["components"]["schemas"]
    assert "id_number_encrypted" not in str(components) and "id_number_hash" not in str(components)
    assert {"Customer", "Vehicle", "VehicleOwnership", "VehicleTransferRequest", "CustomerIdNumber"} <= set(components)


def test_openapi_schema_generates_without_warnings(db, tmp_path):
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))


def test_swagger_ui_is_served_locally_without_a_cdn(cast):
    response = api(cast.a_issuer).get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    for cdn in ("cdn.", "unpkg", "jsdelivr", "cdnjs", "googleapis"):
        assert cdn not in html, cdn
