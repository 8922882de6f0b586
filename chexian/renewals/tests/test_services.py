"""Renewal cases and the daily job's reminders (SPEC §3.4), built through the
real services: policies issued with ``issue_policy``, the job run day by day."""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from chexian.core.testing import make_customer, make_user, make_vehicle
from chexian.notifications.models import Message
from chexian.org.choices import Role
from chexian.policies.choices import PolicyLine
from chexian.policies.services import one_year_end
from chexian.policies.tests.factories import active_contract, make_policy
from chexian.renewals import services
from chexian.renewals.choices import CallOutcome, CaseStatus, Channel, LostReason, Segment, TaskStatus
from chexian.renewals.models import ContactTask, ReminderRule, RenewalCase

pytestmark = pytest.mark.django_db
START = dt.date(2026, 3, 1)
DUE = one_year_end(START)  # 2027-02-28


@pytest.fixture(autouse=True)
def _message_log(settings, tmp_path):
    settings.CHEXIAN_MESSAGE_LOG = tmp_path / "messages.log"


@pytest.fixture
def insured(cast):
    """A car of store A insured there (CTPL and commercial) until DUE, its owner consenting."""
    active_contract(cast, cast.store_a)
    car = make_vehicle(cast.a_issuer, cast.store_a, engine_no="E1")
    make_policy(cast.a_issuer, car, start=START)
    make_policy(cast.a_issuer, car, start=START, line=PolicyLine.COMMERCIAL)
    return car


def day(offset: int) -> dt.date:
    return DUE + dt.timedelta(days=offset)


def tasks(channel):
    return sorted(ContactTask.objects.filter(channel=channel).values_list("due_on", flat=True))


# ------------------------------------------------------------------ cases
def test_one_case_per_vehicle_and_period_assigned_to_a_specialist(cast, insured):
    assert services.create_cases(day(-91)) == 0  # outside the 90-day window
    assert services.create_cases(day(-90)) == 1
    assert services.create_cases(day(-60)) == 0  # the CTPL and the commercial are one period

    case = RenewalCase.objects.get()
    assert (case.vehicle, case.due_date, case.status) == (insured, DUE, CaseStatus.OPEN)
    assert case.expiring_premium == 855 + 3180  # both policies of the period
    assert case.assigned_to == cast.a_issuer  # the store's only specialist
    assert case.segment == Segment.TRANSFERRED_IN  # the car came from elsewhere


def test_round_robin_keeps_the_specialists_loads_even_and_owner_staff_comes_first(cast):
    active_contract(cast, cast.store_a)
    second = make_user("a-issuer2", Role.ISSUER, cast.store_a)
    owner = make_customer(cast.a_issuer, cast.store_a, owner_staff=second)
    cars = [make_vehicle(cast.a_issuer, cast.store_a, engine_no=f"E{i}") for i in range(4)]
    cars.append(make_vehicle(cast.a_issuer, cast.store_a, owner=owner, engine_no="E9"))
    for car in cars:
        make_policy(cast.a_issuer, car, start=START)

    services.create_cases(day(-30))

    by_owner = RenewalCase.objects.get(vehicle=cars[-1])
    assert by_owner.assigned_to == second
    loads = {user: RenewalCase.objects.filter(assigned_to=user).count() for user in (cast.a_issuer, second)}
    assert sorted(loads.values()) == [2, 3]


# ------------------------------------------------------------------ the seed's schedule, day by day
SEED_SCHEDULE = [
    # (days before expiry, SMS sent that day, call due that day)
    (-46, False, False),
    (-45, True, False),   # SMS from 45 days before …
    (-44, False, False),
    (-31, True, False),   # … every two weeks
    (-30, False, True),   # a call with a quote from 30 days before …
    (-17, True, False),
    (-15, False, True),   # … every half month
    (-3, True, False),
    (0, False, True),     # the last day of cover
    (1, False, False),    # expired: no more reminders
]


def test_the_seeds_schedule_makes_exactly_these_contacts_over_45_days(cast, insured):
    sms_days, call_days = [], []
    for offset in range(-50, 3):
        services.renewal_day(day(offset))
    sms_days = tasks(Channel.SMS)
    call_days = tasks(Channel.CALL)
    for offset, sms, call in SEED_SCHEDULE:
        assert (day(offset) in sms_days) == sms, offset
        assert (day(offset) in call_days) == call, offset
    assert sms_days == [day(-45), day(-31), day(-17), day(-3)]
    assert call_days == [day(-30), day(-15), day(0)]
    # Every SMS went out once, through the file adapter, with name, plate and expiry date.
    sent = Message.objects.order_by("pk")
    assert sent.count() == 4 and {m.status for m in sent} == {"sent"}
    lines = [json.loads(line) for line in open(services_log_path(), encoding="utf-8")]
    assert len(lines) == 4 and insured.plate in lines[0]["text"] and "2027-02-28" in lines[0]["text"]
    # A call not made is replaced by the next one: the queue holds one call per case.
    assert list(ContactTask.objects.filter(channel=Channel.CALL, status=TaskStatus.DUE).values_list(
        "due_on", flat=True)) == [day(0)]


def services_log_path():
    from django.conf import settings

    return settings.CHEXIAN_MESSAGE_LOG


def test_the_job_twice_the_same_day_creates_nothing(cast, insured):
    first = services.renewal_day(day(-45))
    assert first > 0
    counts = (RenewalCase.objects.count(), ContactTask.objects.count(), Message.objects.count())
    assert services.renewal_day(day(-45)) == 0
    assert (RenewalCase.objects.count(), ContactTask.objects.count(), Message.objects.count()) == counts


def test_after_days_without_a_run_only_the_latest_due_contact_is_made(cast, insured):
    services.renewal_day(day(-60))
    services.renewal_day(day(-10))  # the job did not run for 50 days

    assert tasks(Channel.SMS) == [day(-17)]  # one SMS, the latest due — not four
    assert tasks(Channel.CALL) == [day(-15)]
    assert Message.objects.count() == 1


def test_no_contact_without_consent_or_after_opting_out(cast, insured):
    from chexian.customers.services import save_customer

    save_customer(actor=cast.a_issuer, customer=insured.owner, data={"consent_outreach": False})
    services.renewal_day(day(-30))
    assert RenewalCase.objects.count() == 1  # the case exists: the specialist may still see it
    assert ContactTask.objects.count() == 0 and Message.objects.count() == 0


def test_a_renewal_issued_here_closes_the_case_and_stops_its_reminders(cast, insured):
    services.renewal_day(day(-30))
    case = RenewalCase.objects.get()
    assert ContactTask.objects.filter(case=case, status=TaskStatus.DUE).count() == 1

    renewal = make_policy(cast.a_issuer, insured, start=DUE + dt.timedelta(days=1))

    case.refresh_from_db()
    assert (case.status, case.renewed_policy) == (CaseStatus.RENEWED, renewal)
    assert not ContactTask.objects.filter(case=case, status=TaskStatus.DUE).exists()
    before = ContactTask.objects.count()
    for offset in range(-29, 1):
        services.renewal_day(day(offset))
    assert ContactTask.objects.count() == before and Message.objects.count() == 1


def test_a_renewal_arriving_by_import_closes_the_case(cast, insured):
    from chexian.imports.tests.conftest import RowFactory, import_file, xlsx_bytes

    services.create_cases(day(-30))
    row = RowFactory().row(
        车架号=insured.vin, 车牌号=insured.plate, 投保人=insured.owner.name, 证件号=insured.owner.id_number,
        起保日期=day(1).isoformat(), 终保日期=one_year_end(day(1)).isoformat(),
        出单日期=day(-5).isoformat(), 发动机号="E1",
    )
    job = import_file(cast.a_issuer, cast.store_a, xlsx_bytes([row]))
    assert job.created_rows == 1, job.errors
    assert RenewalCase.objects.get().status == CaseStatus.RENEWED


# ------------------------------------------------------------------ the specialist and the supervisor
def test_logging_a_call_completes_it_and_schedules_the_next(cast, insured):
    services.renewal_day(day(-30))
    case = RenewalCase.objects.get()
    with pytest.raises(ValidationError):
        services.log_contact(actor=cast.a_issuer, case=case, outcome=CallOutcome.CALL_BACK, next_contact_on=day(-400))
    with pytest.raises(PermissionDenied):
        services.log_contact(actor=cast.b_issuer, case=case, outcome=CallOutcome.NO_ANSWER)

    services.log_contact(actor=cast.a_issuer, case=case, outcome=CallOutcome.CALL_BACK, note="下周再联系",
                         next_contact_on=timezone.localdate() + dt.timedelta(days=7))
    assert ContactTask.objects.get(case=case, rule__isnull=False, channel=Channel.CALL).status == TaskStatus.DONE
    follow_up = ContactTask.objects.get(case=case, status=TaskStatus.DUE, channel=Channel.CALL)
    assert follow_up.rule is None and follow_up.due_on == timezone.localdate() + dt.timedelta(days=7)


def test_lost_needs_a_reason_from_the_list(cast, insured):
    services.create_cases(day(-30))
    case = RenewalCase.objects.get()
    with pytest.raises(ValidationError) as exc:
        services.mark_lost(actor=cast.a_issuer, case=case, reason="")
    assert "lost_reason" in exc.value.message_dict
    assert RenewalCase.objects.get().status == CaseStatus.OPEN

    services.mark_lost(actor=cast.a_issuer, case=case, reason=LostReason.INSURER_DIRECT, channel="电销")
    case.refresh_from_db()
    assert (case.status, case.lost_reason, case.closed_by) == (CaseStatus.LOST, "insurer_direct", cast.a_issuer)


def test_reassignment_only_to_a_specialist_of_the_same_store(cast, insured):
    services.create_cases(day(-30))
    case = RenewalCase.objects.get()
    with pytest.raises(ValidationError):
        services.reassign(actor=cast.a_supervisor, cases=[case], to=cast.b_issuer)
    with pytest.raises(PermissionDenied):
        services.reassign(actor=cast.a_issuer, cases=[case], to=cast.a_issuer)
    second = make_user("a-issuer2", Role.ISSUER, cast.store_a)
    services.reassign(actor=cast.a_supervisor, cases=[case], to=second)
    assert RenewalCase.objects.get().assigned_to == second


@pytest.mark.parametrize(("start", "every"), [(0, 14), (45, 0), (-5, 14)])
def test_a_rule_with_a_negative_or_zero_offset_or_interval_is_refused(cast, start, every):
    with pytest.raises(ValidationError):
        services.save_rule(actor=cast.a_supervisor, data={"store": cast.store_a, "channel": Channel.SMS,
                                                          "start_days_before": start, "interval_days": every})
    assert not ReminderRule.objects.exists()


def test_the_sms_text_is_the_rules_template_and_a_bad_placeholder_is_refused(cast, insured):
    with pytest.raises(ValidationError) as exc:
        services.save_rule(actor=cast.a_supervisor, data={
            "store": cast.store_a, "channel": Channel.SMS, "start_days_before": 45, "interval_days": 14,
            "template": "{name}您好，{price}元"})
    assert "template" in exc.value.message_dict
    services.ensure_default_rules()
    rule = ReminderRule.objects.get(store=cast.store_a, channel=Channel.SMS)
    services.save_rule(actor=cast.a_supervisor, rule=rule,
                       data={"template": "{name}您好：{plate}的保险{date}到期。{store}"})
    services.renewal_day(day(-45))
    message = Message.objects.get()
    assert message.body == f"{insured.owner.name}您好：{insured.plate}的保险2027-02-28到期。{cast.store_a.name}"
    assert message.params == {"name": insured.owner.name, "plate": insured.plate, "date": "2027-02-28"}


def test_a_second_call_may_set_the_same_next_date_and_the_follow_up_stays_due(cast, insured):
    services.renewal_day(day(-30))
    case = RenewalCase.objects.get()
    next_week = timezone.localdate() + dt.timedelta(days=7)
    services.log_contact(actor=cast.a_issuer, case=case, outcome=CallOutcome.CALL_BACK, next_contact_on=next_week)
    services.log_contact(actor=cast.a_issuer, case=case, outcome=CallOutcome.NO_ANSWER, next_contact_on=next_week)
    follow_up = ContactTask.objects.get(case=case, rule=None)
    assert (follow_up.due_on, follow_up.status) == (next_week, TaskStatus.DUE)


def test_cases_of_all_stores_with_the_same_window_are_made_in_one_pass(cast, insured, django_assert_max_num_queries):
    """One pass (a few queries) per distinct look-ahead window, not one per store."""
    from chexian.org.models import Store

    assert Store.objects.filter(renewal_lookahead_days=90).count() == 2
    with django_assert_max_num_queries(12):
        assert services.create_cases(day(-30)) == 1
