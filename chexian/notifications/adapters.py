"""Sending adapters: one interface, ``send(message) -> None`` raising
``DeliveryError`` on failure (the message is then retried with backoff).

- ``FileAdapter`` — the default (SPEC §3.12): one JSON line per message appended
  to ``CHEXIAN_MESSAGE_LOG`` (``var/messages.log``), for a store without a gateway.
- ``AliyunSmsAdapter`` — SMS through Alibaba Cloud's SMS API (dysmsapi ``SendSms``,
  RPC style, HMAC-SHA1 signature version 1.0), configured by ``CHEXIAN_SMS_*``.
- ``WeComRobotAdapter`` — a WeCom (企业微信) group robot webhook: a text message
  to a staff group; the recipient is the robot's key.
- ``EmailAdapter`` — e-mail over SMTP through Django's mail framework
  (``EMAIL_HOST``, ``EMAIL_PORT``…).

``CHEXIAN_NOTIFICATION_ADAPTERS`` maps a channel (sms, wecom, email) to an
adapter class; a channel not listed goes to the file adapter."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
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


def _http(request: urllib.request.Request) -> dict:
    """Send ``request``; its JSON answer, or DeliveryError naming what went wrong."""
    if urllib.parse.urlsplit(request.full_url).scheme not in ("http", "https"):
        raise DeliveryError("the gateway URL must be http or https")
    try:
        with urllib.request.urlopen(request, timeout=settings.CHEXIAN_NOTIFICATION_TIMEOUT) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} from the gateway") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryError(f"gateway unreachable: {getattr(exc, 'reason', exc)}") from exc
    except ValueError as exc:
        raise DeliveryError("the gateway's answer is not JSON") from exc


def _percent(value: str) -> str:
    """Alibaba Cloud's percent-encoding: RFC 3986, space as %20, ~ kept."""
    return urllib.parse.quote(str(value), safe="~")


def _canonical(params: dict) -> str:
    return "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(params.items()))


def aliyun_signature(params: dict, secret: str) -> str:
    """Alibaba Cloud RPC signature v1.0: HMAC-SHA1 with ``secret&`` over
    ``GET&%2F&`` + the percent-encoded, sorted query."""
    to_sign = f"GET&{_percent('/')}&{_percent(_canonical(params))}"
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


class AliyunSmsAdapter:
    """Alibaba Cloud SMS ``SendSms`` (API version 2017-05-25). The message's
    ``params`` fill the approved template ``CHEXIAN_SMS_TEMPLATE_CODE``; the sign
    name is ``CHEXIAN_SMS_SIGN_NAME``. ``Code`` other than ``OK`` is a failure."""

    name = "aliyun_sms"

    def __init__(self):
        self.url = settings.CHEXIAN_SMS_URL
        self.key_id = settings.CHEXIAN_SMS_ACCESS_KEY_ID
        self.secret = settings.CHEXIAN_SMS_ACCESS_KEY_SECRET
        self.sign_name = settings.CHEXIAN_SMS_SIGN_NAME
        self.template = settings.CHEXIAN_SMS_TEMPLATE_CODE

    def signed_query(self, message, *, nonce: str | None = None, timestamp: str | None = None) -> str:
        params = {
            "AccessKeyId": self.key_id, "Action": "SendSms", "Format": "JSON", "PhoneNumbers": message.recipient,
            "RegionId": "cn-hangzhou", "SignName": self.sign_name, "SignatureMethod": "HMAC-SHA1",
            "OutId": message.idempotency_key, "SignatureNonce": nonce or uuid.uuid4().hex, "SignatureVersion": "1.0",
            "TemplateCode": self.template, "TemplateParam": json.dumps(message.params or {}, ensure_ascii=False),
            "Timestamp": timestamp or timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        canonical = _canonical(params)
        signature = aliyun_signature(params, self.secret)
        return f"Signature={_percent(signature)}&{canonical}"

    def send(self, message) -> str:
        """Send; the answer's ``BizId`` is returned — the delivery receipt names it (and our ``OutId``)."""
        if not (self.url and self.key_id and self.secret):
            raise DeliveryError("SMS gateway not configured (CHEXIAN_SMS_URL, access key)")
        answer = _http(urllib.request.Request(f"{self.url}?{self.signed_query(message)}", method="GET"))  # noqa: S310
        if answer.get("Code") != "OK":
            raise DeliveryError(f"SMS refused: {answer.get('Code')} {answer.get('Message', '')}".strip())
        return str(answer.get("BizId") or "")


class WeComRobotAdapter:
    """A WeCom group robot: POST ``{"msgtype": "text", "text": {"content": …}}`` to
    ``CHEXIAN_WECOM_WEBHOOK_URL?key=<recipient>``; ``errcode`` 0 is success."""

    name = "wecom_robot"

    def send(self, message) -> None:
        url = f"{settings.CHEXIAN_WECOM_WEBHOOK_URL}?{urllib.parse.urlencode({'key': message.recipient})}"
        body = json.dumps({"msgtype": "text", "text": {"content": message.body}}, ensure_ascii=False).encode()
        answer = _http(urllib.request.Request(url, data=body, method="POST",  # noqa: S310
                                              headers={"Content-Type": "application/json; charset=utf-8"}))
        if answer.get("errcode") != 0:
            raise DeliveryError(f"WeCom refused: {answer.get('errcode')} {answer.get('errmsg', '')}".strip())


class EmailAdapter:
    """E-mail over SMTP (Django's ``EMAIL_*`` settings); the first line of the text is the subject."""

    name = "email"

    def send(self, message) -> None:
        from django.core.mail import EmailMessage

        subject, _, rest = message.body.partition("\n")
        try:
            EmailMessage(subject=subject[:200], body=rest or subject, to=[message.recipient]).send()
        except OSError as exc:  # smtplib errors are OSErrors
            raise DeliveryError(f"SMTP: {exc}") from exc


def adapter_for(channel: str):
    """The adapter configured for ``channel`` (CHEXIAN_NOTIFICATION_ADAPTERS), else the file adapter."""
    path = settings.CHEXIAN_NOTIFICATION_ADAPTERS.get(channel)
    return import_string(path)() if path else FileAdapter()
