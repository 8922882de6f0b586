"""One valid CTPL per vehicle (DOMAIN.md §1): on PostgreSQL the database itself
refuses an overlapping 交强险, so two issuers saving at the same moment cannot
both succeed. SQLite serialises writers (BEGIN IMMEDIATE, see settings) and the
service's check under that lock does the same job there."""

from django.db import migrations

CONSTRAINT = "policies_policy_no_overlapping_ctpl"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE policies_policy ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist "
        "(vehicle_id WITH =, daterange(start_date, end_date, '[]') WITH &&) "
        "WHERE (line = 'ctpl' AND status <> 'cancelled')"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE policies_policy DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("policies", "0002_initial")]
    operations = [migrations.RunPython(create, drop)]
