"""Fixtures of the remittance tests: store A's claims crew (adjuster, finance…) and
store B's adjuster from ``claims.testing``, cases at the payment step built
through the real claim services, and remittances recorded through ours."""

from __future__ import annotations

import pytest

from chexian.claims.testing import claims_crew
from chexian.insurers.models import Insurer


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # Damage photos of the walked cases go to a temporary folder, not var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def crew(cast):
    return claims_crew(cast)


@pytest.fixture
def picc(db):
    return Insurer.objects.get(code="PICC")
