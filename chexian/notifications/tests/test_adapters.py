"""The sending adapters against real servers on loopback: an HTTP server that
plays Alibaba Cloud's SMS gateway (it checks the signature as the real one does)
and a WeCom group robot, and an SMTP server (aiosmtpd). What arrived is checked,
and so are failures: a 500, a refusal, a timeout — each retried later."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from chexian.notifications.adapters import _percent, aliyun_signature
from chexian.notifications.choices import MessageStatus
from chexian.notifications.services import deliver, queue_message, retry_due

pytestmark = pytest.mark.django_db
SECRET = "testsecret"


class Gateway(BaseHTTPRequestHandler):
    """Answers as the SMS gateway (GET /) and the WeCom robot (POST /webhook)."""

    received: list = []
    mode = "ok"  # ok | error500 | refuse | slow

    def log_message(self, *args):
        pass

    def _answer(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802
        query = urllib.parse.urlsplit(self.path).query
        pairs = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        signature = pairs.pop("Signature", "")
        canonical = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(pairs.items()))
        expected = base64.b64encode(hmac.new(f"{SECRET}&".encode(), f"GET&%2F&{_percent(canonical)}".encode(),
                                             hashlib.sha1).digest()).decode()
        Gateway.received.append(pairs)
        if Gateway.mode == "slow":
            time.sleep(2)
        if Gateway.mode == "error500":
            return self._answer(500, {"Code": "InternalError"})
        if signature != expected:
            return self._answer(400, {"Code": "SignatureDoesNotMatch", "Message": "bad signature"})
        if Gateway.mode == "refuse":
            return self._answer(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "invalid number"})
        return self._answer(200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0",
                                  "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990"})

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        payload = json.loads(self.rfile.read(length).decode("utf-8"))
        Gateway.received.append({"path": self.path, **payload})
        if Gateway.mode == "error500":
            return self._answer(500, {"errcode": -1})
        return self._answer(200, {"errcode": 0, "errmsg": "ok"})


@pytest.fixture
def gateway(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Gateway.received, Gateway.mode = [], "ok"
    base = f"http://127.0.0.1:{server.server_port}"
    settings.CHEXIAN_NOTIFICATION_ADAPTERS = {
        "sms": "chexian.notifications.adapters.AliyunSmsAdapter",
        "wecom": "chexian.notifications.adapters.WeComRobotAdapter",
        "email": "chexian.notifications.adapters.EmailAdapter",
    }
    settings.CHEXIAN_SMS_URL = f"{base}/"
    settings.CHEXIAN_SMS_ACCESS_KEY_ID = "testid"
    settings.CHEXIAN_SMS_ACCESS_KEY_SECRET = SECRET
    settings.CHEXIAN_SMS_SIGN_NAME = "粤华汽车"
    settings.CHEXIAN_SMS_TEMPLATE_CODE = "SMS_153055065"
    settings.CHEXIAN_WECOM_WEBHOOK_URL = f"{base}/webhook"
    settings.CHEXIAN_NOTIFICATION_TIMEOUT = 1
    yield Gateway
    server.shutdown()
    server.server_close()


def sms(cast, key="renewal:1:1:2027-01-14"):
    message, _ = queue_message(store_id=cast.store_a.pk, channel="sms", recipient="13800138000", key=key,
                               body="【A01店】尊敬的张三，您的爱车粤A12345保险将于2027-02-28到期")
    message.params = {"name": "张三", "plate": "粤A12345", "date": "2027-02-28"}
    message.save()
    return message


def test_an_sms_reaches_the_gateway_signed_with_the_template_values(cast, gateway):
    message = deliver(sms(cast))
    assert message.status == MessageStatus.SENT and message.adapter == "aliyun_sms"
    (request,) = gateway.received
    assert request["Action"] == "SendSms" and request["PhoneNumbers"] == "13800138000"
    assert request["SignName"] == "粤华汽车" and request["TemplateCode"] == "SMS_153055065"
    assert json.loads(request["TemplateParam"]) == {"name": "张三", "plate": "粤A12345", "date": "2027-02-28"}
    assert request["SignatureMethod"] == "HMAC-SHA1" and request["Version"] == "2017-05-25"


def test_the_signature_matches_alibaba_clouds_documented_example():
    """The worked example of Alibaba Cloud's SMS API signature documentation
    (access key testId / testSecret): its published signature."""
    params = {
        "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123", "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}', "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert aliyun_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


@pytest.mark.parametrize(("mode", "error"), [("error500", "HTTP 500"), ("refuse", "isv.MOBILE_NUMBER_ILLEGAL"),
                                              ("slow", "gateway unreachable")])
def test_a_failing_gateway_is_recorded_and_retried_later(cast, gateway, mode, error):
    gateway.mode = mode
    message = deliver(sms(cast))
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and error in message.last_error and message.attempts == 1
    gateway.mode = "ok"
    assert retry_due(timezone.now() + timezone.timedelta(minutes=6)) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2


def test_a_wecom_group_robot_gets_a_text_message(cast, gateway):
    message, _ = queue_message(store_id=cast.store_a.pk, channel="wecom", recipient="robot-key-1",
                               body="今日联动榜：售后部 5 条", key="board:2026-11-22")
    deliver(message)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    (request,) = gateway.received
    assert request["path"] == "/webhook?key=robot-key-1"
    assert request["msgtype"] == "text" and request["text"]["content"] == "今日联动榜：售后部 5 条"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(envelope)
        return "250 OK"


def test_an_email_arrives_at_the_smtp_server(cast, gateway, settings):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        message, _ = queue_message(store_id=cast.store_a.pk, channel="email", recipient="li@example.com",
                                   body="续保提醒\n您的爱车粤A12345保险将于2027-02-28到期。", key="mail:1")
        deliver(message)
    finally:
        controller.stop()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    (envelope,) = inbox.messages
    assert envelope.rcpt_tos == ["li@example.com"]
    import email

    received = email.message_from_bytes(envelope.content)
    assert str(email.header.make_header(email.header.decode_header(received["Subject"]))) == "续保提醒"
    assert "2027-02-28" in received.get_payload(decode=True).decode("utf-8")


def test_a_delivery_receipt_from_the_gateway_is_recorded_on_the_message(cast, gateway, client, settings):
    from chexian.notifications.choices import Delivery

    settings.CHEXIAN_SMS_RECEIPT_TOKEN = "s3cret-token"
    delivered = deliver(sms(cast))
    failed = deliver(sms(cast, key="renewal:1:2:2027-01-14"))
    assert gateway.received[0]["OutId"] == delivered.idempotency_key
    assert delivered.provider_id == "900619746936498440^0"
    reports = [
        {"phone_number": "13800138000", "send_time": "2026-11-22 10:00:01", "report_time": "2026-11-22 10:00:05",
         "success": True, "err_code": "DELIVERED", "err_msg": "用户接收成功", "sms_size": "1",
         "biz_id": "900619746936498440^0", "out_id": delivered.idempotency_key},
        {"phone_number": "13800138000", "report_time": "2026-11-22 10:00:09", "success": False,
         "err_code": "MK:0001", "err_msg": "停机", "biz_id": "x", "out_id": failed.idempotency_key},
        {"biz_id": "unknown-id", "out_id": "not-ours", "success": True},
    ]
    url = "/notifications/receipts/aliyun-sms/s3cret-token/"
    response = client.post(url, reports, content_type="application/json")
    assert response.json() == {"code": 0, "msg": "成功", "applied": 2, "unknown": 1}
    delivered.refresh_from_db()
    failed.refresh_from_db()
    assert (delivered.delivery, delivered.delivered_at.minute) == (Delivery.DELIVERED, 0)
    assert (failed.delivery, failed.delivery_error) == (Delivery.UNDELIVERED, "MK:0001 停机")
    assert client.post(url, reports, content_type="application/json").json()["applied"] == 2  # idempotent
    assert client.post("/notifications/receipts/aliyun-sms/wrong/", reports,
                       content_type="application/json").status_code == 404
    assert client.post(url, "{not json", content_type="application/json").status_code == 400
    assert client.post(url, {"a": 1}, content_type="application/json").status_code == 400
