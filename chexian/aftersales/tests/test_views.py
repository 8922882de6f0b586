"""Service order pages, read as the permission model: who may see them sees them
(others 403), another store's order is a 404 like a missing one, lists never cross
stores; entering an order by hand; the import page for the after-sales manager;
the orders on the vehicle and renewal case pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chexian.aftersales.models import ServiceOrder
from chexian.aftersales.tests.conftest import days_ago, order_row, xlsx_bytes
from chexian.core.testing import make_service_order, make_vehicle
from chexian.imports.choices import ImportKind, ImportStatus
from chexian.imports.models import ImportJob
from chexian.imports.tests.conftest import IMMEDIATE_TASKS, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(cast, a_car, b_car):
    return {
        "a": make_service_order(cast.a_supervisor, a_car, number="WXA1", opened_on=days_ago(20)),
        "b": make_service_order(cast.b_supervisor, b_car, number="WXB1", opened_on=days_ago(20)),
    }


@pytest.mark.parametrize(("user", "status"), [("a_supervisor", 200), ("a_manager", 200), ("a_issuer", 200),
                                              ("office", 200), ("a_sales", 403), ("a_dept", 403)])
def test_the_list_needs_service_view(client, cast, orders, user, status):
    client.force_login(getattr(cast, user))
    assert client.get(reverse("aftersales:service_order_list")).status_code == status


def test_lists_and_searches_never_cross_stores(client, cast, orders):
    client.force_login(cast.a_issuer)
    url = reverse("aftersales:service_order_list")
    assert list(client.get(url).context["object_list"]) == [orders["a"]]
    assert list(client.get(url, {"q": "WXB1"}).context["object_list"]) == []
    assert list(client.get(url, {"q": "wxa1"}).context["object_list"]) == [orders["a"]]
    assert list(client.get(url, {"q": orders["a"].vehicle.vin[-6:]}).context["object_list"]) == [orders["a"]]
    assert list(client.get(url, {"kind": "wash"}).context["object_list"]) == []
    assert list(client.get(url, {"opened_from": days_ago(10).isoformat()}).context["object_list"]) == []
    client.force_login(cast.office)
    assert set(client.get(url).context["object_list"]) == {orders["a"], orders["b"]}


def test_another_stores_order_is_a_404_like_a_missing_one(client, cast, orders):
    client.force_login(cast.a_supervisor)
    assert client.get(reverse("aftersales:service_order_detail", args=[orders["a"].pk])).status_code == 200
    assert client.get(reverse("aftersales:service_order_detail", args=[orders["b"].pk])).status_code == 404
    assert client.get(reverse("aftersales:service_order_detail", args=[999_999])).status_code == 404


def test_the_list_runs_a_fixed_number_of_queries(client, cast, a_car):
    client.force_login(cast.a_supervisor)
    url = reverse("aftersales:service_order_list")
    make_service_order(cast.a_supervisor, a_car)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        make_service_order(cast.a_supervisor, make_vehicle(cast.a_issuer, cast.store_a))
    with CaptureQueriesContext(connection) as more:
        assert len(client.get(url).context["object_list"]) == 6
    assert len(more) == len(few)


def test_entering_an_order_by_hand(client, cast, a_car, b_car):
    url = reverse("aftersales:service_order_create")
    client.force_login(cast.a_issuer)
    assert client.get(url).status_code == 403
    client.force_login(cast.a_supervisor)
    form = client.get(url, {"vehicle": a_car.pk}).context["form"]
    assert [pk for pk, _label in form.fields["vehicle"].widget.choices if pk] == [a_car.pk]
    data = {"vehicle": a_car.pk, "number": "WX9", "kind": "maintenance", "opened_on": days_ago(1).isoformat(),
            "amount": "300.00", "labour_amount": "400.00"}
    response = client.post(url, data)
    assert response.status_code == 200 and "amount" in response.context["form"].errors
    response = client.post(url, {**data, "labour_amount": "100.00"})
    order = ServiceOrder.objects.get()
    assert response.status_code == 302 and response.url == reverse("aftersales:service_order_detail",
                                                                    args=[order.pk])
    assert order.store == cast.store_a and order.customer == a_car.owner
    response = client.post(url, {**data, "vehicle": b_car.pk, "number": "WX10"})  # another store's car
    assert response.status_code == 200 and "vehicle" in response.context["form"].errors


def test_the_vehicle_search_offers_only_the_stores_cars(client, cast, a_car, b_car):
    client.force_login(cast.a_supervisor)
    url = reverse("aftersales:vehicle_choices")
    assert str(a_car.pk) in client.get(url, {"q": a_car.vin[-6:]}).content.decode()
    assert f'value="{b_car.pk}"' not in client.get(url, {"q": b_car.vin[-6:]}).content.decode()


def test_the_after_sales_manager_imports_from_the_import_page(client, cast, a_aftersales, a_car, settings,
                                                              django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE_TASKS
    client.force_login(a_aftersales)
    page = client.get(reverse("imports:import_new"))
    assert page.status_code == 200
    assert [value for value, _label in page.context["form"].fields["kind"].choices] == [ImportKind.SERVICE_ORDERS]
    assert client.get(reverse("imports:mapping_list")).status_code == 403  # insurer mappings: policies only
    template = client.get(reverse("imports:import_template"))
    assert template["Content-Disposition"].endswith('chexian-service-order-import-template.xlsx"')
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:import_new"), {
            "kind": ImportKind.SERVICE_ORDERS, "store": cast.store_a.pk, "all_or_nothing": "on",
            "file": upload(xlsx_bytes([order_row(车架号=a_car.vin)]), "dms.xlsx"),
        })
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == ImportStatus.SUCCEEDED, job.errors
    assert ServiceOrder.objects.get().vehicle == a_car
    assert list(client.get(reverse("imports:import_list")).context["object_list"]) == [job]
    # The desk imports policies, not the DMS: it does not see the job.
    client.force_login(cast.a_issuer)
    assert list(client.get(reverse("imports:import_list")).context["object_list"]) == []
    assert client.get(reverse("imports:import_detail", args=[job.pk])).status_code == 404
    response = client.post(reverse("imports:import_new"), {
        "kind": ImportKind.SERVICE_ORDERS, "store": cast.store_a.pk,
        "file": upload(xlsx_bytes([order_row(车架号=a_car.vin)]), "dms.xlsx"),
    })
    assert response.status_code == 200 and "kind" in response.context["form"].errors


def test_the_vehicle_page_shows_its_service_visits(client, cast, orders):
    client.force_login(cast.a_supervisor)
    page = client.get(reverse("customers:vehicle_detail", args=[orders["a"].vehicle_id]))
    assert list(page.context["service_orders"]) == [orders["a"]]
    assert 'id="add-service-order"' in page.content.decode()
    client.force_login(cast.a_sales)
    page = client.get(reverse("customers:vehicle_detail", args=[orders["a"].vehicle_id]))
    assert "WXA1" not in page.content.decode()


def test_the_renewal_case_page_shows_the_cars_service_visits(client, cast, settings, tmp_path):
    import datetime as dt

    from django.utils import timezone

    from chexian.policies.tests.factories import active_contract, make_policy
    from chexian.renewals import services as renewal_services
    from chexian.renewals.models import RenewalCase

    settings.CHEXIAN_MESSAGE_LOG = tmp_path / "messages.log"
    active_contract(cast, cast.store_a, valid_from=dt.date(2024, 1, 1), valid_until=dt.date(2030, 12, 31))
    today = timezone.localdate()
    car = make_vehicle(cast.a_issuer, cast.store_a, engine_no="E1")
    make_policy(cast.a_issuer, car, start=today + dt.timedelta(days=20) - dt.timedelta(days=364))
    orders = [make_service_order(cast.a_supervisor, car, opened_on=days_ago(days), number=f"WX{days}")
              for days in (200, 30)]
    renewal_services.renewal_day(today)
    case = RenewalCase.objects.get()
    client.force_login(cast.a_issuer)
    page = client.get(reverse("renewals:case_detail", args=[case.pk]))
    assert list(page.context["service_orders"]) == [orders[1], orders[0]]
    assert 'id="case-service-orders"' in page.content.decode() and "WX30" in page.content.decode()
