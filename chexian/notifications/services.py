"""Queueing and sending messages: never twice (idempotency key), every attempt
recorded, failures retried with backoff."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from chexian.core.audit import log_created, log_updated
from chexian.notifications.adapters import DeliveryError, adapter_for
from chexian.notifications.choices import MessageStatus
from chexian.notifications.models import Message

MAX_ATTEMPTS = 5
KEY_BATCH = 1000
UPDATED_FIELDS = ["attempts", "adapter", "status", "last_error", "sent_at", "next_attempt_at", "provider_id",
                  "updated_at"]
# Wait before attempt n+1: 5 min, 20 min, 80 min, 320 min.
BACKOFF = dt.timedelta(minutes=5)


def queue_message(*, store_id: int, channel: str, recipient: str, body: str, key: str, customer_id=None):
    """The message for ``key``, created if new. Returns (message, created)."""
    try:
        with transaction.atomic():
            return Message.objects.create(
                store_id=store_id, customer_id=customer_id, channel=channel, recipient=recipient, body=body,
                idempotency_key=key,
            ), True
    except IntegrityError:
        return Message.objects.get(idempotency_key=key), False


def queue_messages(messages: list[Message]) -> list[Message]:
    """Save the unsaved ``messages`` whose idempotency key is new (one insert per
    1,000, one audit entry each) and return them; a key already used is skipped."""
    keys = [m.idempotency_key for m in messages]
    used: set[str] = set()
    for start in range(0, len(keys), KEY_BATCH):
        used.update(Message.objects.filter(idempotency_key__in=keys[start:start + KEY_BATCH])
                    .values_list("idempotency_key", flat=True))
    fresh = [m for m in messages if m.idempotency_key not in used]
    with transaction.atomic():
        created = Message.objects.bulk_create(fresh, batch_size=KEY_BATCH)
        log_created(created)
    return created


def deliver(message: Message) -> Message:
    """Try to send a queued or failed message once; record the result."""
    deliver_many([message])
    return message


def deliver_many(messages) -> None:
    """Try each queued or failed message once through its channel's adapter, then
    record every result in one update (attempts, status, error, next attempt)."""
    adapters: dict[str, object] = {}
    now = timezone.now()
    tried = []
    for message in messages:
        if message.status in (MessageStatus.SENT, MessageStatus.GAVE_UP):
            continue
        adapter = adapters.setdefault(message.channel, adapter_for(message.channel))
        before = message.status
        message.attempts += 1
        message.adapter = adapter.name
        try:
            message.provider_id = (adapter.send(message) or "")[:64]
        except DeliveryError as exc:
            message.last_error = str(exc)[:300]
            if message.attempts >= MAX_ATTEMPTS:
                message.status, message.next_attempt_at = MessageStatus.GAVE_UP, None
            else:
                message.status = MessageStatus.FAILED
                message.next_attempt_at = now + BACKOFF * (4 ** (message.attempts - 1))
        else:
            message.status, message.sent_at, message.next_attempt_at = MessageStatus.SENT, now, None
            message.last_error = ""
        message.updated_at = now
        tried.append((message, before))
    if not tried:
        return
    with transaction.atomic():
        Message.objects.bulk_update([m for m, _b in tried], UPDATED_FIELDS, batch_size=KEY_BATCH)
        changes: dict[tuple[str, str], list] = {}
        for message, before in tried:
            changes.setdefault((before, message.status), []).append(
                (message.pk, message.store_id, f"{message.channel} {message.recipient}"))
        for (before, after), rows in changes.items():
            log_updated(Message, rows, before={"status": before}, after={"status": after})


def retry_due_today(today=None) -> int:
    """The daily job's step: retry what is due now (the worker retries sooner)."""
    return retry_due()


def retry_due(now=None) -> int:
    """Send again every failed message whose next attempt is due. Returns how many were tried."""
    now = now or timezone.now()
    due = Message.objects.filter(status=MessageStatus.FAILED, next_attempt_at__lte=now).order_by("pk")
    count = 0
    while batch := list(due[:KEY_BATCH]):
        deliver_many(batch)
        count += len(batch)
    return count


# ---------------------------------------------------------------- delivery receipts (回执)
def record_receipts(reports: list[dict]) -> dict[str, int]:
    """Apply Alibaba Cloud SMS delivery reports (``SmsReport`` push: a JSON list of
    ``{"biz_id", "out_id", "success", "err_code", "err_msg", "report_time", …}``).

    A report finds its message by ``out_id`` (our idempotency key, sent as
    ``OutId``) or else by ``biz_id``; unknown ones are counted and ignored. Applying
    the same report twice changes nothing. One query to find, one to update."""
    import datetime as dt

    from django.db.models import Q

    from chexian.notifications.choices import Delivery

    wanted = [r for r in reports if isinstance(r, dict) and (r.get("out_id") or r.get("biz_id"))]
    keys = {str(r.get("out_id")) for r in wanted if r.get("out_id")}
    ids = {str(r.get("biz_id")) for r in wanted if r.get("biz_id")}
    found = Message.objects.filter(Q(idempotency_key__in=keys) | Q(provider_id__in=ids))
    by_key = {m.idempotency_key: m for m in found}
    by_id = {m.provider_id: m for m in by_key.values() if m.provider_id}
    changed, unknown = {}, 0
    for report in wanted:
        message = by_key.get(str(report.get("out_id") or "")) or by_id.get(str(report.get("biz_id") or ""))
        if message is None:
            unknown += 1
            continue
        success = report.get("success") in (True, "true", "True", 1, "1")
        message.delivery = Delivery.DELIVERED if success else Delivery.UNDELIVERED
        message.delivery_error = "" if success else \
            f"{report.get('err_code', '')} {report.get('err_msg', '')}".strip()[:200]
        try:
            # The provider reports Beijing time without a zone: the project's zone (Asia/Shanghai).
            at = dt.datetime.strptime(str(report.get("report_time")), "%Y-%m-%d %H:%M:%S").replace(
                tzinfo=timezone.get_default_timezone())
            message.delivered_at = at
        except ValueError:
            message.delivered_at = timezone.now()
        if not message.provider_id and report.get("biz_id"):
            message.provider_id = str(report["biz_id"])[:64]
        changed[message.pk] = message
    if changed:
        Message.objects.bulk_update(changed.values(), ["delivery", "delivery_error", "delivered_at", "provider_id"],
                                    batch_size=KEY_BATCH)
    return {"applied": len(changed), "unknown": unknown}
