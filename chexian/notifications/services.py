"""Queueing and sending messages: never twice (idempotency key), every attempt
recorded, failures retried with backoff."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from chexian.notifications.adapters import DeliveryError, adapter_for
from chexian.notifications.choices import MessageStatus
from chexian.notifications.models import Message

MAX_ATTEMPTS = 5
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


def deliver(message: Message) -> Message:
    """Try to send a queued or failed message once; record the result."""
    if message.status in (MessageStatus.SENT, MessageStatus.GAVE_UP):
        return message
    adapter = adapter_for(message.channel)
    message.attempts += 1
    message.adapter = adapter.name
    try:
        adapter.send(message)
    except DeliveryError as exc:
        message.last_error = str(exc)[:300]
        if message.attempts >= MAX_ATTEMPTS:
            message.status, message.next_attempt_at = MessageStatus.GAVE_UP, None
        else:
            message.status = MessageStatus.FAILED
            message.next_attempt_at = timezone.now() + BACKOFF * (4 ** (message.attempts - 1))
    else:
        message.status, message.sent_at, message.next_attempt_at = MessageStatus.SENT, timezone.now(), None
        message.last_error = ""
    message.save()
    return message


def retry_due_today(today=None) -> int:
    """The daily job's step: retry what is due now (the worker retries sooner)."""
    return retry_due()


def retry_due(now=None) -> int:
    """Send again every failed message whose next attempt is due. Returns how many were tried."""
    now = now or timezone.now()
    due = Message.objects.filter(status=MessageStatus.FAILED, next_attempt_at__lte=now).order_by("pk")
    count = 0
    for message in due.iterator():
        deliver(message)
        count += 1
    return count
