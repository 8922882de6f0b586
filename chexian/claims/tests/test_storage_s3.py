"""Claim photos on an S3-compatible object store: the same upload and the same scoped
download, through django-storages against moto's S3 server on loopback."""

import datetime as dt

import pytest
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone

from chexian.claims.choices import DocumentKind
from chexian.claims.documents import add_document
from chexian.claims.testing import claims_crew, open_case, png_upload
from chexian.policies.tests.factories import active_contract

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3(settings):
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="cn-south-1", aws_access_key_id="test",
                 aws_secret_access_key="test").create_bucket(
        Bucket="chexian-test", CreateBucketConfiguration={"LocationConstraint": "cn-south-1"})
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "chexian-test", "endpoint_url": endpoint, "region_name": "cn-south-1",
                    "access_key": "test", "secret_key": "test", "location": "chexian", "default_acl": "private",
                    "file_overwrite": False},
    }}
    storages._storages = {}  # the handler caches backends: take the new setting
    yield endpoint
    storages._storages = {}
    server.stop()


def test_a_photo_is_stored_in_the_bucket_and_served_only_through_the_scoped_view(client, cast, s3):
    import boto3

    today = timezone.localdate()
    active_contract(cast, cast.store_a, valid_from=today - dt.timedelta(days=10),
                    valid_until=today + dt.timedelta(days=300))
    crew = claims_crew(cast)
    case = open_case(crew.adjuster, cast.store_a)
    document = add_document(actor=crew.adjuster, case=case, kind=DocumentKind.PHOTO, upload=png_upload())
    keys = [o["Key"] for o in boto3.client("s3", endpoint_url=s3, region_name="cn-south-1", aws_access_key_id="t",
                                           aws_secret_access_key="t").list_objects_v2(
        Bucket="chexian-test")["Contents"]]
    assert f"chexian/{document.file.name}" in keys and f"chexian/{document.thumbnail.name}" in keys
    client.force_login(crew.adjuster)
    response = client.get(reverse("claims:document_file", args=[document.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"\x89PNG")
    client.force_login(crew.b_adjuster)
    assert client.get(reverse("claims:document_file", args=[document.pk])).status_code == 404
