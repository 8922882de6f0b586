import pytest

from chexian.core.testing import standing_cast


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hashing test passwords with PBKDF2 would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db):
    """The standing cast: users of store A and B, the group office and an auditor."""
    return standing_cast()
