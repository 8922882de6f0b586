"""How far a running import is, visible to the pages while the import's own
transaction is still open.

An all-or-nothing import is one long transaction, so a ``processed_rows``
written through the import's connection stays invisible until the end. The
progress therefore goes around that transaction:

- **PostgreSQL**: through a second connection of its own, in autocommit. The
  import's transaction never touches the job row (the job is marked running
  before it opens and finished after it closes), so the two never wait on each
  other. Every web process reads it from the job row, wherever it runs.
- **SQLite**: a second connection cannot write while the import holds the
  database's write lock. SQLite means one machine, so the progress goes to a
  cache the web and worker processes share there: the configured default cache
  if it is a shared one, else a file cache in ``VAR_DIR`` (the default
  ``LocMemCache`` is per process: the worker's figures would never reach the web
  process). The pages read it while the job runs.

Outside a transaction (chunks committed one by one, without all-or-nothing)
the job row is simply updated. Progress is best effort: a failure to publish it
never fails the import.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections

from chexian.imports.choices import ImportStatus
from chexian.imports.models import ImportJob

logger = logging.getLogger(__name__)
TIMEOUT = 24 * 3600
# A progress write waits at most this long for a lock before giving up (PostgreSQL).
LOCK_TIMEOUT_MS = 500


def _key(job) -> str:
    # The creation time is part of the key: a test database reuses job ids.
    return f"chexian:import-progress:{job.pk}:{job.created_at.timestamp():.6f}"


def _shared_cache():
    default = caches["default"]
    if not isinstance(default, LocMemCache):
        return default
    directory = Path(getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var")) / "cache" / "import-progress"
    return FileBasedCache(str(directory), {"TIMEOUT": TIMEOUT})


class ProgressPublisher:
    """Publishes one job's progress; ``close()`` when the job ends."""

    def __init__(self, job: ImportJob):
        self.job = job
        self._side = None

    def __call__(self, processed: int, total: int | None) -> None:
        try:
            if not connection.in_atomic_block:
                ImportJob.objects.filter(pk=self.job.pk).update(processed_rows=processed, total_rows=total)
            elif connection.vendor == "postgresql":
                self._side_update(processed, total)
            else:
                _shared_cache().set(_key(self.job), (processed, total), TIMEOUT)
        except (DatabaseError, OSError) as exc:
            logger.warning("Import %s: progress not published (%s)", self.job.pk, exc)

    def _side_update(self, processed, total):
        if self._side is None:
            wrapper = connections[DEFAULT_DB_ALIAS]
            self._side = type(wrapper)({**wrapper.settings_dict}, alias="import_progress")
            with self._side.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
        with self._side.cursor() as cursor:
            cursor.execute(
                "UPDATE imports_importjob SET processed_rows = %s, total_rows = %s WHERE id = %s",
                [processed, total, self.job.pk],
            )

    def close(self) -> None:
        try:
            if self._side is not None:
                self._side.close()
            elif connection.vendor != "postgresql":
                _shared_cache().delete(_key(self.job))
        except (DatabaseError, OSError) as exc:
            logger.warning("Import %s: progress not cleaned up (%s)", self.job.pk, exc)
        finally:
            self._side = None


def read(job: ImportJob) -> tuple[int, int | None]:
    """(rows processed, rows in the file) as far as anyone can see now."""
    processed, total = job.processed_rows, job.total_rows
    if job.status == ImportStatus.RUNNING and connection.vendor != "postgresql":
        published = _shared_cache().get(_key(job))
        if published and published[0] >= processed:
            processed, total = published
    return processed, total


def percent(job: ImportJob) -> int:
    processed, total = read(job)
    if job.is_finished:
        return 100
    if not total:
        return 0
    return min(99, processed * 100 // total)
