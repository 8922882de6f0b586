"""The imports API: upload (multipart) → job, poll the job, read its errors;
scoped like the pages."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from chexian.imports.choices import ImportStatus
from chexian.imports.tests.conftest import IMMEDIATE_TASKS, import_file, upload, xlsx_bytes
from chexian.policies.models import Policy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _api(settings):
    settings.ROOT_URLCONF = "chexian.imports.tests.urls"
    settings.TASKS = IMMEDIATE_TASKS


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_upload_returns_the_job_and_its_errors(cast, contracts, factory, django_capture_on_commit_callbacks):
    rows = factory.rows(2)
    rows[0]["保费"] = "950.001"
    with django_capture_on_commit_callbacks(execute=True):
        response = api(cast.a_issuer).post(
            "/api/imports/", {"file": upload(xlsx_bytes(rows)), "dry_run": "false"}, format="multipart"
        )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert response["Location"] == f"/api/imports/{created['id']}/"
    assert created["store_code"] == "A01" and created["status"] in (ImportStatus.QUEUED, ImportStatus.FAILED)
    body = api(cast.a_issuer).get(response["Location"]).json()  # poll, as a client does
    assert body["status"] == ImportStatus.FAILED and body["finished"] is True and body["percent"] == 100
    assert body["saved_nothing"] is True and body["error_count"] == 1 and body["error_report"].endswith("/report/")

    errors = api(cast.a_issuer).get(f"/api/imports/{body['id']}/errors/").json()
    assert errors["count"] == 1 and errors["truncated"] is False
    assert errors["results"][0] | {"message": ""} == {
        "row": 2, "column": "保费", "field": "premium", "value": "950.001", "code": "money_decimals", "message": "",
    }
    report = api(cast.a_issuer).get(f"/api/imports/{body['id']}/report/")
    assert report.status_code == 200 and Policy.objects.count() == 0


def test_a_dry_run_over_the_api(cast, contracts, factory, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(cast.a_issuer).post(
            "/api/imports/",
            {"file": upload(xlsx_bytes(factory.rows(2))), "store": cast.store_a.pk, "dry_run": "true"},
            format="multipart",
        )
    body = api(cast.a_issuer).get(response["Location"]).json()
    assert body["status"] == ImportStatus.DRY_RUN_OK and body["created_rows"] == 2
    assert Policy.objects.count() == 0


def test_jobs_are_scoped_to_the_importing_stores(cast, contracts, factory):
    b_job = import_file(cast.b_issuer, cast.store_b, xlsx_bytes(factory.rows(1)))
    a_job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes(factory.rows(1)))
    client = api(cast.a_issuer)
    assert [job["id"] for job in client.get("/api/imports/").json()["results"]] == [a_job.pk]
    assert client.get(f"/api/imports/{a_job.pk}/").json()["created_rows"] == 1
    for path in (f"/api/imports/{b_job.pk}/", f"/api/imports/{b_job.pk}/errors/", "/api/imports/999999/"):
        assert client.get(path).status_code == 404
    response = client.post("/api/imports/", {"file": upload(b"x"), "store": cast.store_b.pk}, format="multipart")
    assert response.status_code == 400 and "store" in response.json()


def test_roles_without_the_import_right_get_403(cast):
    assert api(cast.a_sales).get("/api/imports/").status_code == 403
    assert api(cast.auditor).post("/api/imports/", {"file": upload(b"x")}, format="multipart").status_code == 403


def test_a_file_of_another_type_is_refused_with_its_rule(cast):
    response = api(cast.a_issuer).post("/api/imports/", {"file": upload(b"x", "a.pdf")}, format="multipart")
    assert response.status_code == 400 and response.json()["codes"]["file"] == ["file_type"]
