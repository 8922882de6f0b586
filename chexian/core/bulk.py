"""Status changes to many rows at once, each one in the audit log."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from chexian.core.audit import log_updated

BATCH = 2000


def set_status(queryset, status: str, describe: tuple[str, ...], store_field: str = "store_id") -> int:
    """Move every row of ``queryset`` to ``status``, ``BATCH`` rows per transaction,
    with one audit entry per row (before and after status; the repr built from the
    ``describe`` fields). Rows another process changed meanwhile are left alone.
    Idempotent when ``queryset`` excludes ``status``; returns how many rows moved."""
    model = queryset.model
    done = 0
    last_pk = 0
    while batch := list(
        queryset.filter(pk__gt=last_pk).order_by("pk").values_list("pk", "status", store_field, *describe)[:BATCH]
    ):
        last_pk = batch[-1][0]
        with transaction.atomic():
            locked = set(
                model.objects.select_for_update()
                .filter(pk__in=[row[0] for row in batch])
                .filter(pk__in=queryset.values("pk"))
                .values_list("pk", flat=True)
            )
            moved = [row for row in batch if row[0] in locked]
            model.objects.filter(pk__in=locked).update(status=status, updated_at=timezone.now())
            by_before: dict[str, list] = {}
            for pk, before, store_id, *text in moved:
                by_before.setdefault(before, []).append((pk, store_id, " ".join(str(t) for t in text)))
            for before, rows in by_before.items():
                log_updated(model, rows, before={"status": before}, after={"status": status})
        done += len(moved)
    return done
