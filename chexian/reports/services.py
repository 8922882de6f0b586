"""Month close and the morning push of the reports.

``close_month``: the supervisor (or store manager) of a store closes a month that is
over. Every report that is part of the close is run for the store and the month
and kept as submitted (``FrozenReport``: the figures and the rows behind them).
A closed month's report page then shows the submitted figures beside today's: a
later correction is a visible difference, never a silent change. The group office
sees which stores closed by the deadline (``CHEXIAN_CLOSE_DAY`` of the next month).

``push_daily_reports``: the daily job's step — the daily operations report and the
renewal-rate report, as a short text with the key numbers and a link, to each
store's staff group through the notification adapters (WeCom robot), once per
store and day.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chexian.core.audit import audit_actor
from chexian.org.permissions import can
from chexian.reports import engine
from chexian.reports.models import FrozenReport, MonthClose
from chexian.reports.periods import DAY, MONTH, Period


def close_day() -> int:
    return int(getattr(settings, "CHEXIAN_CLOSE_DAY", 5))


def deadline(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following.replace(day=close_day())


def closed_reports() -> list[str]:
    return sorted(code for code, cls in engine.REGISTRY.items() if cls.frozen_at_close and not cls.group_only)


def close_month(*, actor, store, month: dt.date, today: dt.date | None = None) -> MonthClose:
    """Freeze the store's reports of ``month`` (its first day) as submitted."""
    today = today or timezone.localdate()
    month = month.replace(day=1)
    if not can(actor, "report.close", store.pk):
        raise PermissionDenied(_("Your role may not close a month in this store."))
    period = Period.of(MONTH, month)
    if period.end >= today:
        raise ValidationError(_("%(month)s is not over: a month is closed from the first day of the next month.")
                              % {"month": period.label}, code="month_not_over")
    if MonthClose.objects.filter(store=store, month=month).exists():
        raise ValidationError(_("%(month)s is already closed for %(store)s.") % {"month": period.label,
                                                                                 "store": store.name},
                              code="closed")
    scope = engine.Scope(user=actor, stores=[store])
    payloads = [(code, engine.get(code).run(scope, period, today=today)) for code in closed_reports()]
    try:
        with transaction.atomic(), audit_actor(actor):
            close = MonthClose.objects.create(store=store, month=month, closed_at=timezone.now(), closed_by=actor,
                                              on_time=today <= deadline(month))
            FrozenReport.objects.bulk_create(
                FrozenReport(close=close, code=code, options=result.ctx.options, payload=result.as_json())
                for code, result in payloads)
    except IntegrityError:
        raise ValidationError(_("%(month)s is already closed for %(store)s.") % {
            "month": period.label, "store": store.name}, code="closed") from None
    return close


def frozen_for(request: engine.Request) -> FrozenReport | None:
    """The submitted version of this report, if its store's month is closed (not for the group or other periods)."""
    if request.scope.group or request.period.kind != MONTH:
        return None
    return (FrozenReport.objects.select_related("close__closed_by")
            .filter(close__store=request.scope.stores[0], close__month=request.period.start, code=request.report.code)
            .first())


def differences(frozen: dict, current: dict) -> list[dict]:
    """The headline figures that changed since the month was closed: submitted and now."""
    now = {figure["key"]: figure for figure in current["figures"]}
    changed = []
    for figure in frozen["figures"]:
        later = now.get(figure["key"])
        if later is not None and later["value"] != figure["value"]:
            changed.append({"key": figure["key"], "label": figure["label"], "submitted": figure["value"],
                            "now": later["value"]})
    return changed


# ---------------------------------------------------------------- the morning push
PUSHED = ("daily_operations", "renewal_rate")


def push_daily_reports(today: dt.date) -> int:
    """Yesterday's daily operations report and this month's renewal rate to each store's staff group
    (stores with a WeCom robot key). One message per store and day. Returns the messages queued."""
    from chexian.notifications.models import Message
    from chexian.notifications.services import deliver_many, queue_messages
    from chexian.org.models import Store

    stores = list(Store.objects.filter(is_active=True).exclude(wecom_robot_key="").select_related("region"))
    if not stores:
        return 0
    yesterday = today - dt.timedelta(days=1)
    base_url = getattr(settings, "CHEXIAN_BASE_URL", "").rstrip("/")
    messages = []
    for store in stores:
        scope = engine.Scope(user=None, stores=[store])
        daily = engine.get("daily_operations").run(scope, Period.of(DAY, yesterday), today=today)
        renewal = engine.get("renewal_rate").run(scope, Period.of(MONTH, yesterday), today=today, with_rows=False)
        text = engine.get("daily_operations").push_text(daily)
        text += f"\n本月续保率 {renewal.figures[0].value}（{renewal.ctx.options['definition']}）"
        if base_url:
            text += f"\n{base_url}/reports/daily_operations/?store={store.code}&period={yesterday.isoformat()}"
        messages.append(Message(store=store, channel="wecom", recipient=store.wecom_robot_key, body=text,
                                idempotency_key=f"daily-reports:{store.pk}:{today:%Y-%m-%d}"))
    created = queue_messages(messages)
    deliver_many(created)
    return len(created)
