"""Encryption at rest for identity numbers.

MultiFernet with a dedicated key list (CHEXIAN_FIELD_KEYS, newest first) so keys
can be rotated; a keyed HMAC-SHA256 "blind index" allows exact lookup without
decrypting. Neither key is SECRET_KEY, so rotating one does not touch sessions.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured("CHEXIAN_FIELD_KEYS must hold at least one Fernet key")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def reset_key_cache() -> None:
    _fernet.cache_clear()


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    if not ciphertext:
        return ""
    return _fernet().decrypt(ciphertext.encode()).decode()


def blind_index(plaintext: str) -> str:
    if not plaintext:
        return ""
    key = settings.BLIND_INDEX_KEY.encode()
    return hmac.new(key, plaintext.encode(), hashlib.sha256).hexdigest()


def mask_identifier(value: str, head: int = 6, tail: int = 4) -> str:
    """``110105********002X``: area code and last four stay, the birth date goes."""
    if not value:
        return ""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_mobile(value: str) -> str:
    """``138****5678`` as Chinese apps show it."""
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
