"""Typed environment helpers that fail loudly (healthchecks' ``envbool`` idea).

Settings read every value through these so a typo in production is an error at
start-up, not a silent default.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of {sorted(_TRUE | _FALSE)}, got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def load_env_file(path: Path) -> None:
    """Load ``KEY=value`` lines from a local, git-ignored file into os.environ.

    Real environment variables always win. Used for the development keys that
    ``make run`` generates under ``var/`` so that no secret ever sits in the repo.
    """
    if not path.exists():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip())


def ensure_dev_keys(path: Path) -> None:
    """Create development secrets in ``var/`` once, so a laptop needs no set-up.

    Production sets the variables itself and runs with CHEXIAN_DEBUG=0, where this
    is never called.
    """
    if path.exists():
        return
    import base64
    import secrets

    path.parent.mkdir(parents=True, exist_ok=True)
    fernet_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    path.write_text(
        "# Development secrets generated on first start. Never commit; production sets its own.\n"
        f"CHEXIAN_SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"CHEXIAN_FIELD_KEYS={fernet_key}\n"
        f"CHEXIAN_BLIND_INDEX_KEY={secrets.token_urlsafe(32)}\n",
        encoding="utf-8",
    )
    path.chmod(0o600)
