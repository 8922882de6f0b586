"""Serving a claim document's file or thumbnail to a user who may view the case.

Claim files hold ID cards, bank cards and licences: they are never published
under ``MEDIA_URL``; every request goes through the user's restricted queryset
(another store's document is the same 404 as a missing one) and is streamed
from whatever storage backend ``STORAGES["default"]`` names. Wire them as::

    path("documents/<int:pk>/file/", files.document_file, name="document_file"),
    path("documents/<int:pk>/thumb/", files.document_thumb, name="document_thumb"),
"""

from __future__ import annotations

from pathlib import PurePath

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from chexian.claims.documents import IMAGE_FORMATS, PDF_CONTENT_TYPE
from chexian.claims.models import ClaimDocument
from chexian.org.permissions import can

# Types the browser may show in the page; anything else would be downloaded. Every
# accepted upload is one of these (documents.check_upload), so this is a second lock.
INLINE_TYPES = frozenset({PDF_CONTENT_TYPE, *(content_type for content_type, _ in IMAGE_FORMATS.values())})


@login_required
@require_safe
def document_file(request, pk: int, thumb: bool = False):
    """The document's file (``thumb=False``) or its JPEG thumbnail, streamed."""
    if not can(request.user, "claim.view"):
        raise PermissionDenied
    document = ClaimDocument.objects.restrict(request.user, "view").get_or_404(pk=pk)
    field_file = document.thumbnail if thumb else document.file
    if not field_file:
        raise Http404("This document has no thumbnail.")
    content_type = "image/jpeg" if thumb else document.content_type
    filename = document.original_name
    if thumb:
        filename = f"{PurePath(filename).stem}-thumb.jpg"
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404("The stored file is missing.") from None
    response = FileResponse(handle, content_type=content_type, as_attachment=content_type not in INLINE_TYPES,
                            filename=filename)
    # The type was decided by the file's content on upload: the browser must not guess another.
    response["X-Content-Type-Options"] = "nosniff"
    # ID and bank card scans must not stay in the cache of a shared desk computer.
    response["Cache-Control"] = "private, no-store"
    return response


def document_thumb(request, pk: int):
    """The thumbnail of an image document (``claims:document_thumb``)."""
    return document_file(request, pk, thumb=True)
