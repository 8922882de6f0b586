"""Messages: never sent twice, every attempt recorded, failures retried with
backoff and given up after the last attempt; the file adapter by default."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from chexian.notifications.adapters import DeliveryError
from chexian.notifications.choices import MessageStatus
from chexian.notifications.models import Message
from chexian.notifications.services import MAX_ATTEMPTS, deliver, queue_message, retry_due

pytestmark = pytest.mark.django_db


class Flaky:
    """Fails the first ``failures`` sends, then delivers."""

    name = "flaky"
    failures = 0
    sent: list = []

    def send(self, message):
        if Flaky.failures > 0:
            Flaky.failures -= 1
            raise DeliveryError("gateway answered 500")
        Flaky.sent.append(message.idempotency_key)


@pytest.fixture
def flaky(settings):
    settings.CHEXIAN_NOTIFICATION_ADAPTERS = {"sms": "chexian.notifications.tests.test_services.Flaky"}
    Flaky.sent = []
    return Flaky


def queue(cast, key="k1"):
    return queue_message(store_id=cast.store_a.pk, channel="sms", recipient="13800000000", body="您好", key=key)


def test_the_same_key_is_one_message(cast):
    first, created = queue(cast)
    again, created_again = queue(cast)
    assert created and not created_again and first == again and Message.objects.count() == 1


def test_the_file_adapter_writes_one_line_per_message(cast, settings, tmp_path):
    settings.CHEXIAN_MESSAGE_LOG = tmp_path / "out" / "messages.log"
    message, _ = queue(cast)
    deliver(message)
    deliver(message)  # already sent: nothing more
    lines = (tmp_path / "out" / "messages.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["to"] == "13800000000"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.adapter) == (MessageStatus.SENT, 1, "file")


def test_a_failed_send_is_retried_with_backoff_and_then_sent_once(cast, flaky):
    flaky.failures = 2
    message, _ = queue(cast)
    deliver(message)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == 1
    assert message.last_error == "gateway answered 500"
    first_wait = message.next_attempt_at - timezone.now()
    assert dt.timedelta(minutes=4) < first_wait <= dt.timedelta(minutes=5)

    assert retry_due() == 0  # not due yet
    assert retry_due(timezone.now() + dt.timedelta(minutes=6)) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == 2
    assert message.next_attempt_at - timezone.now() > dt.timedelta(minutes=19)  # 20 minutes after the 2nd

    retry_due(timezone.now() + dt.timedelta(hours=1))
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 3, "")
    assert flaky.sent == ["k1"]


def test_after_the_last_attempt_it_gives_up(cast, flaky):
    flaky.failures = 99
    message, _ = queue(cast)
    for _ in range(MAX_ATTEMPTS + 2):
        deliver(message)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.GAVE_UP, MAX_ATTEMPTS)
    assert flaky.sent == []
