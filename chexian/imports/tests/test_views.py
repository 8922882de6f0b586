"""Import pages, read as the permission model: who may import sees the pages
(others 403), another store's job is a 404 like a missing one. Uploads run
inline here (the immediate task backend), as a worker would run them."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from chexian.core.choices import AuditAction
from chexian.core.models import AuditLog
from chexian.imports import services
from chexian.imports.choices import ImportStatus
from chexian.imports.models import ImportJob, ImportMapping
from chexian.imports.policy_import import COLUMNS
from chexian.imports.tests.conftest import IMMEDIATE_TASKS, import_file, upload, xlsx_bytes
from chexian.policies.models import Policy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages(settings):
    settings.ROOT_URLCONF = "chexian.imports.tests.urls"
    settings.TASKS = IMMEDIATE_TASKS
    settings.LANGUAGE_CODE = "en"


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def b_job(cast, contracts, factory):
    return import_file(cast.b_issuer, cast.store_b, xlsx_bytes(factory.rows(1)))


@pytest.mark.parametrize(("user", "status"), [("a_issuer", 200), ("a_supervisor", 200), ("a_sales", 403),
                                              ("a_dept", 403), ("auditor", 403)])
def test_import_pages_need_the_import_right(client, cast, user, status):
    login(client, getattr(cast, user))
    for name in ("imports:import_list", "imports:import_new", "imports:import_template", "imports:mapping_list",
                 "imports:mapping_create"):
        assert client.get(reverse(name)).status_code == status, name


def test_upload_runs_the_import_and_shows_the_result(client, cast, contracts, factory,
                                                     django_capture_on_commit_callbacks):
    rows = factory.rows(2)
    rows[1]["车架号"] = rows[1]["车架号"][:8] + ("0" if rows[1]["车架号"][8] != "0" else "1") + rows[1]["车架号"][9:]
    login(client, cast.a_issuer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:import_new"), {
            "store": cast.store_a.pk, "file": upload(xlsx_bytes(rows)), "all_or_nothing": "on",
        })
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:import_detail", args=[job.pk])
    assert job.status == ImportStatus.FAILED and Policy.objects.count() == 0

    page = client.get(response.url).content.decode()
    assert "Nothing was saved." in page and "VIN (GB 16735): the check digit in position 9 does not match." in page
    assert 'id="import-report"' in page and "hx-trigger" not in page  # finished: no more polling

    report = client.get(reverse("imports:import_report", args=[job.pk]))
    assert report.status_code == 200 and report["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content)), read_only=True).active
    assert list(sheet.iter_rows(values_only=True))[1][:2] == (3, "车架号")
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, actor=cast.a_issuer, object_id=str(job.pk)).exists()


def test_a_running_import_polls_its_progress(client, cast, contracts, factory):
    job = services.create_import_job(
        actor=cast.a_issuer, store=cast.store_a, upload=upload(xlsx_bytes(factory.rows(1))), enqueue=False
    )
    login(client, cast.a_issuer)
    block = client.get(reverse("imports:import_status", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in block and "<progress" in block
    services.run_import_job(job.pk)
    block = client.get(reverse("imports:import_status", args=[job.pk])).content.decode()
    assert "hx-trigger" not in block and 'id="count-created">1<' in block


def test_the_upload_form_offers_only_the_users_stores(client, cast):
    login(client, cast.a_issuer)
    form = client.get(reverse("imports:import_new")).context["form"]
    assert list(form.fields["store"].queryset) == [cast.store_a]
    response = client.post(reverse("imports:import_new"), {"store": cast.store_b.pk, "file": upload(b"x")})
    assert response.status_code == 200 and "store" in response.context["form"].errors
    response = client.post(reverse("imports:import_new"), {"store": cast.store_a.pk, "file": upload(b"x", "a.pdf")})
    assert "file" in response.context["form"].errors and not ImportJob.objects.exists()


def test_another_stores_import_is_404_like_a_missing_one(client, cast, b_job):
    login(client, cast.a_issuer)
    for name in ("imports:import_detail", "imports:import_status", "imports:import_report"):
        assert client.get(reverse(name, args=[b_job.pk])).status_code == 404
        assert client.get(reverse(name, args=[999_999])).status_code == 404
    listing = client.get(reverse("imports:import_list")).content.decode()
    assert b_job.original_name not in listing or f"#{b_job.pk} " not in listing
    assert list(client.get(reverse("imports:import_list")).context["object_list"]) == []


def test_the_template_lists_every_column_and_its_example_row_imports(client, cast, contracts):
    login(client, cast.a_issuer)
    response = client.get(reverse("imports:import_template"))
    assert response["Content-Disposition"].startswith("attachment")
    workbook = load_workbook(io.BytesIO(response.content))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == [column.header for column in COLUMNS]
    job = import_file(cast.a_issuer, cast.store_a, response.content, name="template.xlsx")
    assert job.status == ImportStatus.SUCCEEDED and job.created_rows == 1, job.errors


def test_mappings_are_per_store_or_shared_with_the_group(client, cast, contracts):
    login(client, cast.a_issuer)
    response = client.post(reverse("imports:mapping_create"), {
        "name": "人保核心系统", "store": cast.store_a.pk, "insurer": contracts["a_picc"].insurer_id,
        "mapping": "车辆识别码 = vin\n保单编号 = policy_number\n备注 =",
    })
    assert response.status_code == 302
    mapping = ImportMapping.objects.get()
    assert mapping.mapping == {"车辆识别码": "vin", "保单编号": "policy_number", "备注": ""}
    assert mapping.group == cast.group and mapping.store == cast.store_a
    shared = services.save_mapping(
        actor=cast.a_supervisor, data={"store": None, "name": "通用", "mapping": {"A": "vin"}}
    )

    login(client, cast.b_issuer)
    assert list(client.get(reverse("imports:mapping_list")).context["mappings"]) == [shared]
    response = client.post(reverse("imports:mapping_create"), {"name": "x", "mapping": "A = nonsense"})
    assert response.status_code == 200 and "mapping" in response.context["form"].errors


def test_the_import_list_runs_a_fixed_number_of_queries(client, cast, contracts, factory):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, cast.a_issuer)
    import_file(cast.a_issuer, cast.store_a, xlsx_bytes(factory.rows(1)))
    client.get(reverse("imports:import_list"))  # warm the session and content types
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("imports:import_list"))
    for _ in range(3):
        import_file(cast.a_supervisor, cast.store_a, xlsx_bytes(factory.rows(1)))
    with CaptureQueriesContext(connection) as four:
        assert len(client.get(reverse("imports:import_list")).context["object_list"]) == 4
    assert len(four.captured_queries) == len(one.captured_queries) <= 8
