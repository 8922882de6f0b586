"""Sending adapters: one interface, ``send(message) -> None`` raising
``DeliveryError`` on failure. The console/file adapter is the default (SPEC
§3.12): it appends each message as one JSON line to ``CHEXIAN_MESSAGE_LOG``
(``var/messages.log``), which is what a store without a gateway contract uses.
Gateways (SMS, WeCom robot, e-mail) plug in through the same interface."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class DeliveryError(Exception):
    """The adapter could not deliver; the message is retried later."""


class FileAdapter:
    name = "file"

    def __init__(self, path=None):
        self.path = Path(path or settings.CHEXIAN_MESSAGE_LOG)

    def send(self, message) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({
                    "at": timezone.now().isoformat(), "channel": message.channel, "to": message.recipient,
                    "key": message.idempotency_key, "text": message.body,
                }, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise DeliveryError(str(exc)) from exc


def adapter_for(channel: str):
    """The adapter configured for ``channel`` (CHEXIAN_NOTIFICATION_ADAPTERS), else the file adapter."""
    path = settings.CHEXIAN_NOTIFICATION_ADAPTERS.get(channel)
    return import_string(path)() if path else FileAdapter()
