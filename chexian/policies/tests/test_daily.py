"""The daily job: policies whose period ended and quotes whose figures lapsed are
marked expired — each change audited, idempotent, run from the command line or
as a background task."""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from chexian.core.choices import AuditAction
from chexian.core.daily import run_daily, run_daily_task
from chexian.core.models import AuditLog
from chexian.core.testing import make_vehicle
from chexian.policies import services
from chexian.policies.choices import CancellationReason, PolicyLine, PolicyStatus
from chexian.policies.models import Policy
from chexian.policies.tests.factories import active_contract, make_policy
from chexian.quotes.choices import QuoteStatus
from chexian.quotes.models import Quote
from chexian.quotes.tests import factories as quote_factories

pytestmark = pytest.mark.django_db
START = dt.date(2026, 3, 1)  # the CTPL runs to 2027-02-28


@pytest.fixture
def policies(cast):
    active_contract(cast, cast.store_a)
    ending = make_policy(cast.a_issuer, make_vehicle(cast.a_issuer, cast.store_a, engine_no="E1"), start=START)
    later = make_policy(cast.a_issuer, make_vehicle(cast.a_issuer, cast.store_a, engine_no="E2"),
                        start=dt.date(2026, 9, 1))
    cancelled = make_policy(cast.a_issuer, make_vehicle(cast.a_issuer, cast.store_a, engine_no="E3"), start=START,
                            line=PolicyLine.COMMERCIAL)
    services.cancel_policy(actor=cast.a_supervisor, policy=cancelled, reason=CancellationReason.POLICYHOLDER_REQUEST,
                           effective_date=START, refund_amount=cancelled.premium)
    return ending, later, cancelled


def statuses(*policies):
    return [Policy.objects.get(pk=p.pk).status for p in policies]


def test_a_policy_expires_the_day_after_its_last_day(cast, policies):
    ending, later, cancelled = policies

    assert services.expire_policies(dt.date(2027, 2, 28)) == 0  # 24:00 of its last day: still in force
    assert services.expire_policies(dt.date(2027, 3, 1)) == 1

    assert statuses(ending, later, cancelled) == [PolicyStatus.EXPIRED, PolicyStatus.IN_FORCE, PolicyStatus.CANCELLED]
    entry = AuditLog.objects.get(content_type=ContentType.objects.get_for_model(Policy), object_id=str(ending.pk),
                                 action=AuditAction.UPDATE)
    assert entry.before == {"status": "in_force"} and entry.after == {"status": "expired"}
    assert entry.store_id == cast.store_a.pk and entry.actor is None and entry.actor_name == "system"
    assert ending.number in entry.object_repr


def test_the_daily_job_twice_the_same_day_changes_nothing(cast, policies):
    first = {r.name: r.changed for r in run_daily(dt.date(2027, 9, 1))}
    audit = AuditLog.objects.count()
    second = {r.name: r.changed for r in run_daily(dt.date(2027, 9, 1))}

    assert first["policies_expired"] == 2
    assert set(second.values()) == {0}
    assert AuditLog.objects.count() == audit


def test_open_quotes_expire_after_their_validity_chosen_and_issued_ones_as_they_are(cast):
    quote_factories.active_contract(cast, cast.store_a, "PICC")
    car = make_vehicle(cast.a_issuer, cast.store_a)
    draft = quote_factories.make_quote(cast.a_issuer, car)
    chosen = quote_factories.make_quote(cast.a_issuer, car)
    offer = quote_factories.record(cast.a_issuer, chosen, "PICC")
    from chexian.quotes.services import choose_offer, expire_quotes

    choose_offer(actor=cast.a_issuer, quote=chosen, offer=offer)
    fresh = quote_factories.make_quote(cast.a_issuer, car, start=quote_factories.today() + dt.timedelta(days=60))
    day_after = max(draft.valid_until, chosen.valid_until) + dt.timedelta(days=1)
    assert fresh.valid_until >= day_after  # still valid on that day

    assert expire_quotes(day_after) == 2
    assert [Quote.objects.get(pk=q.pk).status for q in (draft, chosen, fresh)] == [
        QuoteStatus.EXPIRED, QuoteStatus.EXPIRED, QuoteStatus.DRAFT]
    assert AuditLog.objects.filter(content_type=ContentType.objects.get_for_model(Quote), action=AuditAction.UPDATE,
                                   after={"status": "expired"}).count() == 2


def test_the_command_and_the_task_run_the_same_steps(cast, policies, settings):
    out = StringIO()
    call_command("daily", "--date", "2027-03-01", stdout=out)
    assert "policies_expired: 1" in out.getvalue() and "quotes_expired: 0" in out.getvalue()

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    result = run_daily_task.enqueue("2027-09-01")
    assert result.return_value["policies_expired"] == 1 and result.return_value["quotes_expired"] == 0
