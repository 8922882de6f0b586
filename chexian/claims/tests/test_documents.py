"""Claim photos and documents: accepted by what the file is, refused by the rule it
breaks, stored through the storage API, served only to those who may view the case."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.urls import include, path, reverse
from PIL import Image

from chexian.claims import services
from chexian.claims.choices import ClaimType, DocumentKind, Step
from chexian.claims.documents import add_document, delete_document
from chexian.claims.files import document_file, document_thumb
from chexian.claims.models import ClaimDocument
from chexian.claims.testing import case_at_handover, claims_crew, open_case
from chexian.core.choices import AuditAction
from chexian.core.models import AuditLog

pytestmark = pytest.mark.django_db

MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
               b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def adjuster(cast):
    return claims_crew(cast).adjuster


@pytest.fixture
def case(adjuster, cast):
    # Glass claims need few documents: the ID card is not ticked, so the checklist can gain it.
    return open_case(adjuster, cast.store_a, claim_type=ClaimType.GLASS,
                     documents_received=[DocumentKind.VEHICLE_LICENCE, DocumentKind.POLICY])


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (640, 480), exif=None) -> bytes:
    """A real image made with Pillow."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(buffer, format=fmt, **({"exif": exif} if exif is not None else {}))
    return buffer.getvalue()


def photo_upload(name: str = "damage.png", fmt: str = "PNG", **kwargs) -> SimpleUploadedFile:
    # The content type a browser would send: the service ignores it and reads the bytes.
    return SimpleUploadedFile(name, image_bytes(fmt, **kwargs), content_type=f"image/{fmt.lower()}")


def upload(content: bytes, name: str, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def codes(exc: pytest.ExceptionInfo) -> set[str]:
    return {error.code for errors in exc.value.error_dict.values() for error in errors}


# ---------------------------------------------------------------- accepted
@pytest.mark.parametrize("fmt, content_type", [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_a_real_image_is_stored_with_a_jpeg_thumbnail(adjuster, case, fmt, content_type):
    document = add_document(actor=adjuster, case=case, kind=DocumentKind.PHOTO,
                            upload=photo_upload(f"前保险杠.{fmt.lower()}", fmt=fmt, size=(1600, 1200)))

    document.refresh_from_db()
    assert document.content_type == content_type
    assert document.original_name == f"前保险杠.{fmt.lower()}"
    assert document.step == Step.REPORT and document.uploaded_by == adjuster
    assert document.file.name.startswith(f"claims/{case.store_id}/{case.pk}/")
    # The stored name is ours, with the extension of what the file is.
    assert "前保险杠" not in document.file.name
    with document.file.open("rb") as stored:
        assert stored.read() == image_bytes(fmt, size=(1600, 1200))
    with document.thumbnail.open("rb") as thumb, Image.open(thumb) as image:
        assert image.format == "JPEG" and max(image.size) == 320 and image.size == (320, 240)


def test_the_thumbnail_is_upright_and_carries_no_exif(adjuster, case):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the phone was held upright, the sensor stored it sideways
    exif[0x8825] = {1: "N", 2: (23.0, 7.0, 30.0)}  # a GPS position
    document = add_document(actor=adjuster, case=case, kind=DocumentKind.PHOTO,
                            upload=photo_upload("side.jpg", fmt="JPEG", size=(800, 400), exif=exif))

    with document.thumbnail.open("rb") as thumb, Image.open(thumb) as image:
        assert image.size == (160, 320)
        assert not image.getexif()


def test_a_pdf_is_accepted_as_a_document(adjuster, case):
    document = add_document(actor=adjuster, case=case, kind=DocumentKind.ID_CARD,
                            upload=upload(MINIMAL_PDF, "身份证.pdf", "application/pdf"))

    assert document.content_type == "application/pdf"
    assert document.file.name.endswith(".pdf") and not document.thumbnail


def test_the_checklist_gains_the_uploaded_kind(adjuster, case):
    assert DocumentKind.ID_CARD in case.missing_documents

    add_document(actor=adjuster, case=case, kind=DocumentKind.ID_CARD, upload=photo_upload("id.jpg", fmt="JPEG"))

    case.refresh_from_db()
    assert DocumentKind.ID_CARD in case.documents_received
    assert DocumentKind.ID_CARD not in case.missing_documents
    entry = AuditLog.objects.filter(action=AuditAction.UPDATE, object_id=str(case.pk),
                                    content_type__model="claimcase").latest("pk")
    assert entry.actor == adjuster
    assert DocumentKind.ID_CARD not in entry.before["documents_received"]
    assert DocumentKind.ID_CARD in entry.after["documents_received"]


def test_the_upload_is_audited(adjuster, case):
    document = add_document(actor=adjuster, case=case, kind=DocumentKind.PHOTO, upload=photo_upload())

    entry = AuditLog.objects.get(action=AuditAction.CREATE, object_id=str(document.pk),
                                 content_type__model="claimdocument")
    assert entry.actor == adjuster and entry.store_id == case.store_id


# ---------------------------------------------------------------- refused
def test_a_pdf_is_refused_as_a_photo(adjuster, case):
    with pytest.raises(ValidationError) as exc:
        add_document(actor=adjuster, case=case, kind=DocumentKind.PHOTO,
                     upload=upload(MINIMAL_PDF, "photo.pdf", "application/pdf"))
    assert codes(exc) == {"photo_not_image"}
    assert not ClaimDocument.objects.exists()


def test_a_file_over_the_size_limit_is_refused(adjuster, case, settings, tmp_path):
    settings.CHEXIAN_CLAIM_UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        add_document(actor=adjuster, case=case, kind=DocumentKind.PHOTO, upload=photo_upload("big.png"))
    assert codes(exc) == {"file_size"}
    assert "at most 100\xa0bytes" in exc.value.messages[0]
    assert not ClaimDocument.objects.exists()
    assert not list((tmp_path / "media").rglob("*.*"))


@pytest.mark.parametrize("content, name, content_type", [
    (b"just some notes about the car\n", "damage.jpg", "image/jpeg"),
    (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "photo.png", "image/png"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "scan.pdf", "application/pdf"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "anim.gif", "image/gif"),
], ids=["text-named-jpg", "html-named-png", "exe-named-pdf", "gif"])
def test_a_file_that_is_not_an_accepted_type_is_refused(adjuster, case, content, name, content_type):
    with pytest.raises(ValidationError) as exc:
        add_document(actor=adjuster, case=case, kind=DocumentKind.ID_CARD, upload=upload(content, name, content_type))
    assert codes(exc) == {"file_type"}
    assert not ClaimDocument.objects.exists()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_truncated_image_is_refused(adjuster, case, fmt, tmp_path):
    # Noise does not compress: the cut falls in the middle of the image data.
    noise = Image.effect_noise((600, 400), 80).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, format=fmt)
    content = buffer.getvalue()
    with pytest.raises(ValidationError) as exc:
        add_document(actor=adjuster, case=case, kind=DocumentKind.PHOTO,
                     upload=upload(content[: len(content) * 2 // 3], f"cut.{fmt.lower()}"))
    assert codes(exc) == {"file_type"}
    assert not list((tmp_path / "media").rglob("*.*"))


def test_a_truncated_pdf_is_refused(adjuster, case):
    with pytest.raises(ValidationError) as exc:
        add_document(actor=adjuster, case=case, kind=DocumentKind.ID_CARD,
                     upload=upload(MINIMAL_PDF[:60], "cut.pdf", "application/pdf"))
    assert codes(exc) == {"file_type"}


def test_a_user_without_claim_work_is_refused(cast, case):
    # The issuer may open cases and view them, but not work them.
    with pytest.raises(PermissionDenied):
        add_document(actor=cast.a_issuer, case=case, kind=DocumentKind.PHOTO, upload=photo_upload())
    with pytest.raises(PermissionDenied):
        add_document(actor=cast.b_supervisor, case=case, kind=DocumentKind.PHOTO, upload=photo_upload())
    assert not ClaimDocument.objects.exists()


def test_a_withdrawn_case_takes_no_more_files(adjuster, case):
    services.withdraw_claim(actor=adjuster, case=case, reason="客户自行处理")
    case.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        add_document(actor=adjuster, case=case, kind=DocumentKind.PHOTO, upload=photo_upload())
    assert exc.value.code == "case_closed"


# ---------------------------------------------------------------- deleting
def test_a_document_is_deleted_before_the_handover_and_leaves_the_checklist(adjuster, cast, case, tmp_path,
                                                                            django_capture_on_commit_callbacks):
    document = add_document(actor=adjuster, case=case, kind=DocumentKind.ID_CARD,
                            upload=photo_upload("id.jpg", fmt="JPEG"))
    stored = tmp_path / "media" / document.file.name

    with pytest.raises(PermissionDenied):
        delete_document(actor=cast.a_issuer, document=document)
    with django_capture_on_commit_callbacks(execute=True):
        delete_document(actor=adjuster, document=document)
        assert stored.exists()  # the file stays until the delete is committed

    case.refresh_from_db()
    assert not ClaimDocument.objects.filter(pk=document.pk).exists()
    assert DocumentKind.ID_CARD not in case.documents_received
    assert AuditLog.objects.filter(action=AuditAction.DELETE, object_id=str(document.pk)).exists()
    assert not stored.exists()


def test_documents_of_a_handed_over_case_cannot_be_deleted(adjuster, cast):
    from django.utils import timezone

    case = case_at_handover(adjuster, cast.store_a)
    services.hand_over(actor=adjuster, store=cast.store_a, insurer=case.insurer, cases=[case],
                       handed_over_on=timezone.localdate(), received_by="赵理赔")
    photo = case.documents.get(kind=DocumentKind.PHOTO)

    with pytest.raises(ValidationError) as exc:
        delete_document(actor=adjuster, document=photo)
    assert exc.value.code == "handed_over"
    assert ClaimDocument.objects.filter(pk=photo.pk).exists()


# ---------------------------------------------------------------- serving
# The two one-liners the claims URL conf uses, in a URL conf of this module's own:
# these tests do not depend on the rest of the site's URLs.
urlpatterns = [
    path("login/", lambda request: HttpResponse("login"), name="login"),
    path("claims/", include(([
        path("documents/<int:pk>/", document_file, name="document_file"),
        path("documents/<int:pk>/thumb/", document_thumb, name="document_thumb"),
    ], "claims"))),
]


@pytest.fixture
def web(client, settings):
    settings.ROOT_URLCONF = __name__

    def get(user, name, pk):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client.get(reverse(f"claims:{name}", args=[pk]))

    return get


def test_the_file_is_streamed_inline_with_nosniff(web, adjuster, case):
    document = add_document(actor=adjuster, case=case, kind=DocumentKind.PHOTO, upload=photo_upload("车头.png"))

    response = web(adjuster, "document_file", document.pk)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == image_bytes("PNG")


def test_the_thumbnail_is_streamed_as_jpeg(web, adjuster, case, cast):
    document = add_document(actor=adjuster, case=case, kind=DocumentKind.PHOTO, upload=photo_upload())

    response = web(cast.office, "document_thumb", document.pk)  # the group office views every store

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")


def test_a_pdf_is_served_inline_and_has_no_thumbnail(web, adjuster, case):
    document = add_document(actor=adjuster, case=case, kind=DocumentKind.ID_CARD,
                            upload=upload(MINIMAL_PDF, "身份证.pdf", "application/pdf"))

    response = web(adjuster, "document_file", document.pk)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert web(adjuster, "document_thumb", document.pk).status_code == 404


def test_another_stores_document_is_a_404_like_a_missing_one(web, adjuster, case, cast):
    document = add_document(actor=adjuster, case=case, kind=DocumentKind.PHOTO, upload=photo_upload())

    for name in ("document_file", "document_thumb"):
        assert web(cast.b_supervisor, name, document.pk).status_code == 404
        assert web(cast.b_supervisor, name, document.pk + 1000).status_code == 404
        assert web(cast.a_supervisor, name, document.pk).status_code == 200


def test_a_user_without_claim_view_gets_403_and_anonymous_goes_to_login(web, adjuster, case, cast):
    document = add_document(actor=adjuster, case=case, kind=DocumentKind.PHOTO, upload=photo_upload())

    assert web(cast.a_sales, "document_file", document.pk).status_code == 403
    response = web(None, "document_file", document.pk)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
