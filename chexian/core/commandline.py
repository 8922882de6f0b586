"""What the import commands share: the file, the store and the acting user named on the command line."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def file_store_user(file: str, store: str, user: str):
    """The existing file, the store with this code and the active user with this name — or a
    ``CommandError`` saying which is missing."""
    from chexian.org.models import Store

    path = Path(file)
    if not path.is_file():
        raise CommandError(f"No such file: {file}")
    try:
        store_obj = Store.objects.get(code=store)
    except Store.DoesNotExist:
        raise CommandError(f"No store with code {store}") from None
    try:
        actor = get_user_model().objects.get(username=user, is_active=True)
    except get_user_model().DoesNotExist:
        raise CommandError(f"No active user {user}") from None
    return path, store_obj, actor
