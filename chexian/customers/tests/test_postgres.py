"""PostgreSQL-only guarantees. Skipped on SQLite with a message; CI runs them."""

import pytest
from django.db import connection

from chexian.core.testing import make_customer, make_vehicle
from chexian.customers.selectors import search_customers, search_vehicles

pytestmark = pytest.mark.postgres


def plan(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_prefix_search_indexes_exist(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%%prefix_idx'")
        indexes = dict(cursor.fetchall())
    assert "varchar_pattern_ops" in indexes["cust_store_name_prefix_idx"]
    assert "varchar_pattern_ops" in indexes["veh_store_plate_prefix_idx"]


def test_the_four_searches_can_use_an_index(cast):
    owner = make_customer(cast.a_issuer, cast.store_a, name="欧阳明", mobile="13800001234")
    vehicle = make_vehicle(cast.a_issuer, cast.store_a, owner=owner, plate="粤B1A2B3")
    for queryset in [
        search_vehicles(cast.a_issuer, "粤B1A2B3"),
        search_vehicles(cast.a_issuer, vehicle.vin[-6:]),
        search_customers(cast.a_issuer, "欧阳"),
        search_customers(cast.a_issuer, "1234"),
    ]:
        text = plan(queryset)
        assert "Index" in text and "Seq Scan" not in text, text


def test_search_results_match_on_postgresql(cast):
    owner = make_customer(cast.a_issuer, cast.store_a, name="欧阳明", mobile="13800001234")
    vehicle = make_vehicle(cast.a_issuer, cast.store_a, owner=owner, plate="粤B1A2B3")
    assert list(search_vehicles(cast.a_issuer, "欧阳")) == [vehicle]
    assert not search_vehicles(cast.b_issuer, "粤B1A2B3").exists()
