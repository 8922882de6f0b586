"""On PostgreSQL, prefix searches (LIKE 'x%') use a btree index only with the
pattern operator class when the database collation is not C. SQLite gets the same
effect from PRAGMA case_sensitive_like (settings)."""

from django.db import migrations

INDEXES = [
    ("cust_store_name_prefix_idx", "customers_customer", "store_id, name varchar_pattern_ops"),
    ("veh_store_plate_prefix_idx", "customers_vehicle", "store_id, plate varchar_pattern_ops"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, columns in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _columns in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
