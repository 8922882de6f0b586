import pytest

from chexian.core.testing import standing_cast


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hashing test passwords with PBKDF2 would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploaded files (claim photos, import files) go to the test's own folder, never the repo's var/.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english_messages(settings):
    """Tests assert messages in English: requests without Accept-Language fall back
    to English here. The real default (Chinese) is checked in test_translations."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _reseed_after_flush(request):
    """A transactional test flushes the database afterwards, dropping the insurers
    and the coverage catalog that data migrations seeded: every transactional test
    seeds them again first (the seeds are idempotent)."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        from chexian.core.testing import ensure_seed_data

        request.getfixturevalue("transactional_db")
        ensure_seed_data()


@pytest.fixture
def cast(db):
    """The standing cast: users of store A and B, the group office and an auditor."""
    return standing_cast()


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` skip with a message on SQLite; with
    CHEXIAN_REQUIRE_POSTGRES=1 (CI) running on anything else is an error instead."""
    import os

    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if os.environ.get("CHEXIAN_REQUIRE_POSTGRES") == "1" and not on_postgres:
        raise pytest.UsageError("CHEXIAN_REQUIRE_POSTGRES=1 but DATABASE_URL does not point at PostgreSQL")
    if on_postgres:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
