"""The daily job (``chexian daily``): what must happen once a day, in order.

Each step is a function of the day that is idempotent — run twice the same day,
the second run changes nothing — and returns how many records it changed. The
job runs from the command line (cron, or a supervisor's button), or through
Django's tasks framework with the database-backed worker (``run_daily_task``).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

logger = logging.getLogger(__name__)

# (name, function of ``today``): in the order they run.
STEPS: tuple[tuple[str, str], ...] = (
    ("policies_expired", "chexian.policies.services.expire_policies"),
    ("quotes_expired", "chexian.quotes.services.expire_quotes"),
    ("renewals", "chexian.renewals.services.renewal_day"),
    ("leaderboards_posted", "chexian.leads.services.post_leaderboards"),
    ("reports_pushed", "chexian.reports.services.push_daily_reports"),
    ("messages_retried", "chexian.notifications.services.retry_due_today"),
)


@dataclass
class StepResult:
    name: str
    changed: int
    seconds: float


def run_daily(today: dt.date | None = None, *, on_step: Callable[[StepResult], None] | None = None) -> list[StepResult]:
    """Run every step for ``today`` (default: today in Asia/Shanghai)."""
    today = today or timezone.localdate()
    results = []
    for name, path in STEPS:
        started = time.perf_counter()
        changed = import_string(path)(today)
        result = StepResult(name, changed, round(time.perf_counter() - started, 3))
        logger.info("daily %s %s: %s changed in %.3f s", today, name, changed, result.seconds)
        results.append(result)
        if on_step is not None:
            on_step(result)
    return results


@task()
def run_daily_task(day: str | None = None) -> dict:
    """The daily job as a background task (``day`` as YYYY-MM-DD; default today)."""
    today = dt.date.fromisoformat(day) if day else None
    return {result.name: result.changed for result in run_daily(today)}
