"""Photos and scanned documents of a claim case (SPEC §3.6, DOMAIN.md §5).

The adjuster walks around the damaged car with a phone and uploads photos; the
claim documents (ID card, licences, accident determination …) are scanned or
photographed too. An upload is accepted by what the file *is*, never by its
name or the browser's content type: an image that Pillow opens, verifies and
decodes completely (JPEG, PNG, WebP; HEIC only when a HEIF plugin is registered
with Pillow — none is installed, see docs/design-decisions.md), or a PDF by its
``%PDF-`` header and ``%%EOF`` trailer. A photo must be an image. The size limit
is ``settings.CHEXIAN_CLAIM_UPLOAD_MAX_BYTES``.

Files go through the FileField, i.e. Django's storage API (``STORAGES["default"]``),
under a random name with the extension of the detected type, so a stored file's
name never comes from the uploader. Images get a JPEG thumbnail (at most 320 px,
turned upright by the EXIF orientation, without the EXIF data — so without the
GPS position). The original is stored as uploaded, EXIF included: the position
and time a damage photo was taken are evidence the insurer may ask for; files
are only ever served to users who may view the case (``claims.files``).
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from chexian.claims.choices import BEFORE_HANDOVER, DocumentKind, Step
from chexian.claims.models import ClaimCase, ClaimDocument
from chexian.core.audit import audit_actor
from chexian.org.permissions import can

THUMBNAIL_PX = 320
THUMBNAIL_QUALITY = 80
PDF_CONTENT_TYPE = "application/pdf"
# Pillow format name → (content type, extension of the stored file). Image.open only
# tries these plugins: an upload never reaches Pillow's other decoders (EPS runs
# Ghostscript, for one). "HEIF" is there for when pillow-heif is registered; Pillow
# itself cannot open HEIC, so today an iPhone's HEIC is refused — Safari on iOS
# sends a JPEG from an ordinary <input type="file" accept="image/*">.
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "HEIF": ("image/heic", "heic"),
}
# Acrobat accepts the end-of-file marker anywhere in the last 1024 bytes (trailing junk is common).
PDF_TRAILER_WINDOW = 1024
CLOSED_STEPS = (Step.CLOSED, Step.WITHDRAWN)


@dataclass(frozen=True)
class CheckedUpload:
    """What an upload turned out to be: its real type and, for an image, its thumbnail."""

    content_type: str
    extension: str
    thumbnail: bytes | None = None

    @property
    def is_image(self) -> bool:
        return self.content_type != PDF_CONTENT_TYPE


def _refuse_type(message) -> ValidationError:
    return ValidationError({"upload": [ValidationError(message, code="file_type")]})


def check_upload(upload, kind: str) -> CheckedUpload:
    """Size and type of ``upload`` (a Django ``File``) by its content; a ``ValidationError``
    on the ``upload`` field naming the broken rule (codes ``file_size``, ``file_type``,
    ``photo_not_image``) otherwise. Decodes the whole image: run it outside a transaction."""
    limit = settings.CHEXIAN_CLAIM_UPLOAD_MAX_BYTES
    size = upload.size
    if size is not None and size > limit:
        raise ValidationError({"upload": [ValidationError(
            _("The file is %(size)s; at most %(limit)s can be uploaded."),
            code="file_size", params={"size": filesizeformat(size), "limit": filesizeformat(limit)})]})
    if not size:
        raise _refuse_type(_("The file is empty."))
    upload.seek(0)
    head = upload.read(8)
    if head.startswith(b"%PDF-"):
        if kind == DocumentKind.PHOTO:
            raise ValidationError({"upload": [ValidationError(
                _("A photo must be an image (JPEG, PNG or WebP), not a PDF."), code="photo_not_image")]})
        upload.seek(max(0, size - PDF_TRAILER_WINDOW))
        if b"%%EOF" not in upload.read():
            raise _refuse_type(_("The PDF is incomplete (no end-of-file marker): upload it again."))
        return CheckedUpload(PDF_CONTENT_TYPE, "pdf")
    return _check_image(upload)


def _check_image(upload) -> CheckedUpload:
    from PIL import Image, ImageOps

    Image.init()
    formats = [name for name in IMAGE_FORMATS if name in Image.OPEN]
    refused = _refuse_type(_("Only photos (JPEG, PNG, WebP) and PDF scans can be uploaded; this file is neither, "
                             "or it is damaged or incomplete."))
    try:
        upload.seek(0)
        with Image.open(upload, formats=formats) as image:
            found = image.format
            image.verify()  # structure and checksums (PNG chunks); the decoder is not run
        # verify() leaves the image unusable, and does not notice a truncated JPEG: decode it
        # completely. Pillow refuses decompression bombs (more than 2 × MAX_IMAGE_PIXELS).
        upload.seek(0)
        with Image.open(upload, formats=[found]) as image:
            image.load()
            thumbnail = _thumbnail(ImageOps.exif_transpose(image))
    except Exception as exc:  # any failure to decode an untrusted file is the same refusal
        raise refused from exc
    content_type, extension = IMAGE_FORMATS[found]
    return CheckedUpload(content_type, extension, thumbnail)


def _thumbnail(image) -> bytes:
    from PIL import Image

    if image.mode in ("RGBA", "LA", "P"):
        # Transparent parts on white, not black (JPEG has no alpha).
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True)  # no exif=: no GPS, no camera data
    return buffer.getvalue()


def _require_work(actor, case: ClaimCase):
    if not can(actor, "claim.work", case.store_id):
        raise PermissionDenied(_("Your role may not work claim cases in this store."))


def _refuse_if_closed(case: ClaimCase):
    if case.step in CLOSED_STEPS:
        raise ValidationError(_("Case %(number)s is closed: its file can no longer change.") % {"number": case.number},
                              code="case_closed")


def _store(document: ClaimDocument, upload, checked: CheckedUpload) -> list:
    """Write the file (and thumbnail) through the storage API; returns the stored files for cleanup."""
    token = uuid.uuid4().hex
    upload.seek(0)
    document.file.save(f"{token}.{checked.extension}", upload, save=False)
    stored = [document.file]
    if checked.thumbnail is not None:
        document.thumbnail.save(f"{token}-thumb.jpg", ContentFile(checked.thumbnail), save=False)
        stored.append(document.thumbnail)
    return stored


def _remove(files) -> None:
    for field_file in files:
        if field_file and field_file.name:
            field_file.storage.delete(field_file.name)


def add_document(*, actor, case: ClaimCase, kind: str, upload) -> ClaimDocument:
    """Attach an uploaded photo or scan to ``case``; its kind joins the case's
    ``documents_received``, so the report step's checklist counts it.

    The file is checked and decoded and written to storage *before* the
    transaction (STYLE §3: slow work stays out of it — on SQLite the transaction
    takes the database's write lock); the row and the checklist are then written
    atomically under the case's row lock. If that fails the stored files are
    removed again, so the upload is all or nothing. Runs inside a caller's
    transaction too, but then a later rollback of the caller leaves the stored
    file behind (Django has no rollback hook)."""
    _require_work(actor, case)
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": [_("Unknown document kind.")]})
    _refuse_if_closed(case)
    checked = check_upload(upload, kind)
    document = ClaimDocument(
        case=case, kind=kind, original_name=PurePath(upload.name or "").name[:200] or kind,
        content_type=checked.content_type, size=upload.size, step=case.step, uploaded_by=actor,
    )
    stored = _store(document, upload, checked)
    try:
        _record(document, actor)
    except BaseException:
        _remove(stored)
        raise
    return document


@transaction.atomic
def _record(document: ClaimDocument, actor) -> None:
    # The row lock serialises this with advance_claim and update_claim, which save the
    # whole case: an upload during a step change can neither lose nor be lost.
    case = ClaimCase.objects.select_for_update().get(pk=document.case_id)
    _refuse_if_closed(case)
    document.case = case
    document.step = case.step
    document.full_clean()
    with audit_actor(actor):
        document.save()
        if document.kind not in (case.documents_received or []):
            case.documents_received = sorted({*(case.documents_received or []), document.kind})
            case.save(update_fields=["documents_received", "updated_at"])


@transaction.atomic
def delete_document(*, actor, document: ClaimDocument) -> None:
    """Remove a wrong upload (blurred, another car, the wrong page).

    Only before the handover: from then on the insurer holds the file as it was
    handed over and pays on it; the documents are the store's evidence of what it
    sent, so they must stay as they were (a returned case is back before the
    handover and can be corrected again). The kind leaves the checklist when no
    other uploaded document of that kind remains — the adjuster ticks it again if
    the paper was seen; a checklist claiming a document that is not there would
    let the report step pass. The files leave storage only once the delete is
    committed."""
    case = ClaimCase.objects.select_for_update().get(pk=document.case_id)
    _require_work(actor, case)
    if case.step not in BEFORE_HANDOVER:
        raise ValidationError(_("Documents of a case handed over to the insurer cannot be deleted: the insurer "
                                "holds them as they were handed over."), code="handed_over")
    document = ClaimDocument.objects.get(pk=document.pk, case=case)
    files = [document.file, document.thumbnail]
    with audit_actor(actor):
        document.delete()
        if not case.documents.filter(kind=document.kind).exists() and document.kind in (case.documents_received or []):
            case.documents_received = [kind for kind in case.documents_received if kind != document.kind]
            case.save(update_fields=["documents_received", "updated_at"])
    transaction.on_commit(lambda: _remove(files))
