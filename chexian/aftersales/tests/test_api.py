"""The service order API: lists scoped to the user's stores, another store's order
a 404, entering one through the service with a 400 that names the field and the
rule; and the import API's service order kind."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from chexian.aftersales.models import ServiceOrder
from chexian.aftersales.tests.conftest import days_ago, order_row, xlsx_bytes
from chexian.core.testing import make_service_order
from chexian.imports.tests.conftest import IMMEDIATE_TASKS, upload

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_list_and_retrieve_are_scoped_to_the_users_stores(cast, a_car, b_car):
    mine = make_service_order(cast.a_supervisor, a_car)
    theirs = make_service_order(cast.b_supervisor, b_car)
    client = api(cast.a_issuer)
    assert [row["id"] for row in client.get("/api/service-orders/").json()["results"]] == [mine.pk]
    assert client.get(f"/api/service-orders/{mine.pk}/").json()["customer_name"] == a_car.owner.name
    assert client.get(f"/api/service-orders/{theirs.pk}/").status_code == 404
    assert client.get("/api/service-orders/999999/").status_code == 404
    assert api(cast.a_sales).get("/api/service-orders/").status_code == 403


def test_entering_an_order_goes_through_the_service(cast, a_car, b_car):
    client = api(cast.a_supervisor)
    body = {"store": cast.store_a.pk, "vehicle": a_car.pk, "number": "wx 77", "kind": "repair",
            "opened_on": days_ago(3).isoformat(), "closed_on": days_ago(1).isoformat(), "amount": "1200.50"}
    response = client.post("/api/service-orders/", body, format="json")
    assert response.status_code == 201, response.json()
    order = ServiceOrder.objects.get()
    assert response.json()["number"] == "WX77" and response.json()["source"] == "manual"
    assert order.customer == a_car.owner

    response = client.post("/api/service-orders/", {**body, "number": "WX78", "closed_on": days_ago(5).isoformat()},
                           format="json")
    assert response.status_code == 400
    assert response.json()["codes"] == {"closed_on": ["closed_before_opened"]}
    response = client.post("/api/service-orders/", {**body, "number": "WX77"}, format="json")
    assert response.status_code == 400 and response.json()["codes"] == {"number": ["unique"]}
    response = client.post("/api/service-orders/", {**body, "number": "WX79", "vehicle": b_car.pk}, format="json")
    assert response.status_code == 400 and "vehicle" in response.json()
    assert api(cast.a_issuer).post("/api/service-orders/", body, format="json").status_code == 403
    assert ServiceOrder.objects.count() == 1


def test_service_orders_are_imported_over_the_api(cast, a_aftersales, a_car, settings,
                                                  django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE_TASKS
    client = api(a_aftersales)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/imports/", {
            "file": upload(xlsx_bytes([order_row(车架号=a_car.vin)]), "dms.xlsx"), "kind": "service_orders",
        }, format="multipart")
    assert response.status_code == 201, response.json()
    job = client.get(f"/api/imports/{response.json()['id']}/").json()
    assert job["kind"] == "service_orders" and job["created_rows"] == 1
    response = client.post("/api/imports/", {"file": upload(b"x"), "kind": "policies"}, format="multipart")
    assert response.status_code == 400 and "store" in response.json()  # no store where it imports policies
    assert api(cast.a_issuer).get("/api/imports/").json()["results"] == []
