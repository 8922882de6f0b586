"""``chexian import policies FILE --store CODE --user USERNAME`` and the background worker."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chexian.imports import services
from chexian.imports.choices import ImportStatus
from chexian.imports.models import ImportJob
from chexian.imports.tests.conftest import csv_bytes, upload, xlsx_bytes
from chexian.policies.models import Policy

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("import", "policies", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_imports_a_file(cast, contracts, factory, tmp_path):
    path = tmp_path / "人保.csv"
    path.write_bytes(csv_bytes(factory.rows(3), encoding="gb18030"))
    output = run(path, "--store", "A01", "--user", "a-issuer")
    assert "new 3, updated 0, unchanged 0, with errors 0" in output
    assert Policy.objects.count() == 3 and ImportJob.objects.get().original_name == "人保.csv"
    assert "unchanged 3" in run(path, "--store", "A01", "--user", "a-issuer", "--quiet")


def test_the_command_prints_the_errors_and_exits_1(cast, contracts, factory, tmp_path):
    rows = factory.rows(2)
    rows[1]["证件号"] = "110105194912310021"
    path = tmp_path / "policies.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import", "policies", str(path), "--store", "A01", "--user", "a-issuer", stdout=out,
                     stderr=io.StringIO())
    assert exc.value.returncode == 1
    output = out.getvalue()
    assert "Nothing was saved." in output
    assert "row 3 [证件号] '110105********0021': Resident ID (GB 11643): the check digit" in output
    assert Policy.objects.count() == 0


def test_the_command_dry_run_and_partial(cast, contracts, factory, tmp_path):
    rows = factory.rows(2)
    rows[0]["险种"] = "?"
    path = tmp_path / "policies.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    with pytest.raises(CommandError):
        run(path, "--store", "A01", "--user", "a-issuer", "--dry-run")
    assert Policy.objects.count() == 0
    with pytest.raises(CommandError):
        run(path, "--store", "A01", "--user", "a-issuer", "--allow-partial")
    assert Policy.objects.count() == 1 and ImportJob.objects.order_by("pk").last().status == ImportStatus.PARTIAL


def test_the_command_refuses_what_it_cannot_do(cast, contracts, factory, tmp_path):
    path = tmp_path / "policies.xlsx"
    path.write_bytes(xlsx_bytes(factory.rows(1)))
    for args, message in [
        (("--store", "B01", "--user", "a-issuer"), "may not import"),
        (("--store", "ZZZ", "--user", "a-issuer"), "No store"),
        (("--store", "A01", "--user", "nobody"), "No active user"),
        (("--store", "A01", "--user", "a-issuer", "--mapping", "x"), "No column mapping"),
    ]:
        with pytest.raises(CommandError, match=message):
            run(path, *args)


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_a_queued_import(cast, contracts, factory):
    # The default backend (django_tasks_db): the upload queues a task; the worker runs it.
    content = xlsx_bytes(factory.rows(2))
    job = services.create_import_job(actor=cast.a_issuer, store=cast.store_a, upload=upload(content))
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.QUEUED
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--verbosity", "0")
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED and job.created_rows == 2 and Policy.objects.count() == 2
