"""Renewal cases and their reminders (SPEC §3.4). The daily job calls
``renewal_day``; pages and the API call the rest. Every bulk step is a few
queries for the whole group, never one per case."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, DateField, Exists, ExpressionWrapper, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from chexian.core.audit import audit_actor, log_created, log_updated
from chexian.org.choices import Role
from chexian.org.models import StaffRole, Store
from chexian.org.permissions import can
from chexian.policies.choices import BusinessType, PolicyLine, PolicyStatus
from chexian.policies.models import Policy
from chexian.renewals.choices import CallOutcome, CaseStatus, Channel, LostReason, Segment, TaskStatus
from chexian.renewals.models import ContactLog, ContactTask, ReminderRule, RenewalCase

# Policies of a vehicle ending within this many days of each other are one renewal period.
PERIOD_DAYS = 60
# A policy starting from this many days before the due date counts as the renewal.
EARLY_RENEWAL_DAYS = 60
# The seed's schedule (seed-002 §4.4): (channel, from days before expiry, every n days).
DEFAULT_RULES = ((Channel.SMS, 45, 14), (Channel.CALL, 30, 15))
SEGMENT_OF = {
    BusinessType.NEW_CAR: Segment.NEW_CAR_SECOND_YEAR,
    BusinessType.RENEWAL: Segment.RENEWED_AGAIN,
    BusinessType.TRANSFER_IN: Segment.TRANSFERRED_IN,
}
# The roles whose members are renewal specialists of a store (round-robin assignment).
SPECIALIST_ROLES = (Role.ISSUER,)


# ---------------------------------------------------------------- reminder rules
def ensure_default_rules(stores=None) -> int:
    """Give every store without reminder rules the seed's two. Returns how many rules were created."""
    stores = Store.objects.all() if stores is None else stores
    have = set(ReminderRule.objects.values_list("store_id", flat=True).distinct())
    rules = [
        ReminderRule(store_id=store_id, channel=channel, start_days_before=start, interval_days=every)
        for store_id in stores.exclude(pk__in=have).values_list("pk", flat=True)
        for channel, start, every in DEFAULT_RULES
    ]
    return len(log_created(ReminderRule.objects.bulk_create(rules)))


@transaction.atomic
def save_rule(*, actor, data: dict, rule: ReminderRule | None = None) -> ReminderRule:
    rule = rule or ReminderRule()
    for name, value in data.items():
        setattr(rule, name, value)
    if not can(actor, "renewal.configure", rule.store_id):
        raise PermissionDenied(_("Your role may not change the reminder rules of this store."))
    rule.full_clean()
    with audit_actor(actor):
        rule.save()
    return rule


def occurrence(due_date: dt.date, start_days_before: int, interval_days: int, today: dt.date) -> dt.date | None:
    """The latest day on or before ``today`` a rule makes a contact due for a case
    expiring on ``due_date``: from ``start_days_before`` the expiry, every
    ``interval_days``, not after the expiry. None before the first or after expiry."""
    first = due_date - dt.timedelta(days=start_days_before)
    if today < first or today > due_date:
        return None
    steps = (today - first).days // interval_days
    return first + dt.timedelta(days=steps * interval_days)


# ---------------------------------------------------------------- cases
def _specialists(store_ids) -> dict[int, list[int]]:
    result: dict[int, list[int]] = defaultdict(list)
    for store_id, user_id in (
        StaffRole.objects.filter(store_id__in=store_ids, role__in=SPECIALIST_ROLES, user__is_active=True)
        .order_by("store_id", "user_id").values_list("store_id", "user_id").distinct()
    ):
        result[store_id].append(user_id)
    return result


def _load(store_ids) -> dict[int, dict[int, int]]:
    """Open cases per specialist, per store (the round-robin keeps loads even)."""
    load: dict[int, dict[int, int]] = defaultdict(dict)
    for store_id, user_id, count in (
        RenewalCase.objects.filter(store_id__in=store_ids, status=CaseStatus.OPEN, assigned_to__isnull=False)
        .values_list("store_id", "assigned_to").annotate(n=Count("id")).order_by()
    ):
        load[store_id][user_id] = count
    return load


def create_cases(today: dt.date) -> int:
    """A case for every vehicle with a CTPL or commercial policy in force at its
    store ending within the store's look-ahead window, unless one exists for that
    period. Assigned to the customer's owner staff when they are a specialist of
    the store, else to the store's specialist with the fewest open cases."""
    created = 0
    # order_by(): Store's default ordering would put its code into the DISTINCT.
    lookaheads = (Store.objects.filter(is_active=True).order_by().values_list("renewal_lookahead_days", flat=True)
                  .distinct())
    for lookahead in lookaheads:
        stores = Store.objects.filter(is_active=True, renewal_lookahead_days=lookahead)
        created += _create_cases(today, today + dt.timedelta(days=lookahead), stores)
    return created


def _create_cases(today, until, stores) -> int:
    policies = (
        Policy.objects.filter(store__in=stores, status=PolicyStatus.IN_FORCE,
                              line__in=[PolicyLine.CTPL, PolicyLine.COMMERCIAL],
                              end_date__gte=today, end_date__lte=until)
        .order_by("vehicle_id", "end_date", "line")
        .values_list("pk", "store_id", "vehicle_id", "policyholder_id", "policyholder__owner_staff_id",
                     "end_date", "premium", "business_type")
    )
    by_vehicle: dict[int, list] = defaultdict(list)
    for row in policies:
        by_vehicle[row[2]].append(row)
    if not by_vehicle:
        return 0
    existing: dict[int, list[dt.date]] = defaultdict(list)
    for vehicle_id, due in RenewalCase.objects.filter(
        store__in=stores, due_date__gte=today - dt.timedelta(days=PERIOD_DAYS),
        due_date__lte=until + dt.timedelta(days=PERIOD_DAYS),
    ).values_list("vehicle_id", "due_date"):
        existing[vehicle_id].append(due)
    store_ids = {rows[0][1] for rows in by_vehicle.values()}
    specialists = _specialists(store_ids)
    load = _load(store_ids)
    cases = []
    for vehicle_id, rows in by_vehicle.items():
        if any(abs((rows[0][5] - due).days) <= PERIOD_DAYS for due in existing[vehicle_id]):
            continue
        first = rows[0]
        period = [r for r in rows if (r[5] - first[5]).days <= PERIOD_DAYS]
        store_id, owner_staff = first[1], first[4]
        candidates = specialists.get(store_id, [])
        if owner_staff in candidates:
            assignee = owner_staff
        elif candidates:
            assignee = min(candidates, key=lambda user_id: (load[store_id].get(user_id, 0), user_id))
        else:
            assignee = None
        if assignee is not None:
            load[store_id][assignee] = load[store_id].get(assignee, 0) + 1
        cases.append(RenewalCase(
            store_id=store_id, vehicle_id=vehicle_id, customer_id=first[3], expiring_policy_id=first[0],
            due_date=first[5], expiring_premium=sum((r[6] for r in period), Decimal("0")),
            segment=SEGMENT_OF[first[7]], assigned_to_id=assignee,
        ))
    with transaction.atomic():
        log_created(RenewalCase.objects.bulk_create(cases, batch_size=2000))
    return len(cases)


def close_renewed(vehicle_ids=None) -> int:
    """Close as renewed every open case whose vehicle has a policy at the store
    that renews it: same store, CTPL or commercial, not cancelled, starting from
    ``EARLY_RENEWAL_DAYS`` before the due date and covering beyond it. Its due
    reminders are cancelled. Called with the vehicles of policies just issued or
    imported, and by the daily job for every open case (one query, a subquery per
    case in the database)."""
    renewal = (
        Policy.objects.filter(
            store=OuterRef("store"), vehicle=OuterRef("vehicle"), line__in=[PolicyLine.CTPL, PolicyLine.COMMERCIAL],
            start_date__gte=ExpressionWrapper(OuterRef("due_date") - dt.timedelta(days=EARLY_RENEWAL_DAYS),
                                              output_field=DateField()),
            end_date__gt=OuterRef("due_date"),
        )
        .exclude(status=PolicyStatus.CANCELLED)
        .order_by("start_date", "pk")
        .values("pk")[:1]
    )
    cases = RenewalCase.objects.filter(status=CaseStatus.OPEN)
    if vehicle_ids is not None:
        cases = cases.filter(vehicle_id__in=list(vehicle_ids))
    closed = list(
        cases.annotate(renewal=Subquery(renewal)).filter(renewal__isnull=False)
        .values_list("pk", "store_id", "renewal")
    )
    if not closed:
        return 0
    now = timezone.now()
    with transaction.atomic():
        RenewalCase.objects.bulk_update(
            [RenewalCase(pk=case_pk, status=CaseStatus.RENEWED, renewed_policy_id=policy_pk, closed_at=now,
                         updated_at=now) for case_pk, _store_id, policy_pk in closed],
            ["status", "renewed_policy", "closed_at", "updated_at"], batch_size=1000,
        )
        log_updated(RenewalCase, [(pk, store_id, "") for pk, store_id, _p in closed],
                    before={"status": CaseStatus.OPEN.value}, after={"status": CaseStatus.RENEWED.value})
        _cancel_tasks(ContactTask.objects.filter(case__status=CaseStatus.RENEWED, case__closed_at=now))
    return len(closed)


def _cancel_tasks(tasks) -> int:
    """Cancel the due tasks among ``tasks`` (a ContactTask queryset), each change audited."""
    from chexian.core.bulk import set_status

    return set_status(tasks.filter(status=TaskStatus.DUE), TaskStatus.CANCELLED, ("channel",),
                      store_field="case__store_id")


# ---------------------------------------------------------------- reminders
def schedule_reminders(today: dt.date) -> dict[str, int]:
    """Create the contacts due today for every open case not yet expired, by its
    store's active rules: a call task for the specialist's queue, or an SMS sent
    at once. Only the latest occurrence due is created (a missed day is caught up
    once, not once per missed day); a call task it replaces is cancelled. A
    customer without consent to outreach (or who withdrew it) gets nothing.
    Idempotent: one task per case, rule and day."""
    rules: dict[int, list[ReminderRule]] = defaultdict(list)
    for rule in ReminderRule.objects.filter(is_active=True, store__is_active=True):
        rules[rule.store_id].append(rule)
    if not rules:
        return {"calls": 0, "sms": 0}
    longest = max(rule.start_days_before for store_rules in rules.values() for rule in store_rules)
    open_cases = RenewalCase.objects.filter(
        status=CaseStatus.OPEN, store_id__in=list(rules), due_date__gte=today,
        due_date__lte=today + dt.timedelta(days=longest), customer__consent_outreach=True,
    )
    cases = list(open_cases.values_list("pk", "store_id", "due_date"))
    wanted = []
    for case_pk, store_id, due in cases:
        for rule in rules[store_id]:
            day = occurrence(due, rule.start_days_before, rule.interval_days, today)
            if day is not None:
                wanted.append((case_pk, rule, day))
    if not wanted:
        return {"calls": 0, "sms": 0}
    earliest = min(day for _c, _r, day in wanted)
    have = set(
        ContactTask.objects.filter(case__in=open_cases, due_on__gte=earliest)
        .values_list("case_id", "rule_id", "due_on")
    )
    new = [ContactTask(case_id=case_pk, rule=rule, channel=rule.channel, due_on=day)
           for case_pk, rule, day in wanted if (case_pk, rule.pk, day) not in have]
    with transaction.atomic():
        created = ContactTask.objects.bulk_create(new)
        log_created(created)
        # A call due now replaces an older call of the same rule still in the queue.
        newer = ContactTask.objects.filter(case=OuterRef("case"), rule=OuterRef("rule"), due_on__gt=OuterRef("due_on"))
        _cancel_tasks(ContactTask.objects.filter(case__in=open_cases, channel=Channel.CALL, rule__isnull=False)
                      .filter(Exists(newer)))
    sms = [t for t in created if t.channel == Channel.SMS]
    send_sms(sms)
    return {"calls": len(created) - len(sms), "sms": len(sms)}


def send_sms(tasks) -> None:
    """Queue and send the reminder SMS of ``tasks`` (the file adapter unless a
    gateway is configured): one message per task, never twice (its idempotency
    key is the case, rule and day); each task is done once its message is queued."""
    from chexian.notifications.models import Message
    from chexian.notifications.services import deliver_many, queue_messages

    if not tasks:
        return
    details = {}
    ids = [t.case_id for t in tasks]
    for start in range(0, len(ids), 1000):
        for row in RenewalCase.objects.filter(pk__in=ids[start:start + 1000]).values_list(
            "pk", "store_id", "store__name", "customer_id", "customer__name", "customer__mobile", "vehicle__plate",
            "due_date",
        ):
            details[row[0]] = row[1:]
    messages = []
    for task in tasks:
        store_id, store, customer_id, name, mobile, plate, due = details[task.case_id]
        if mobile:
            values = {"store": store, "name": name, "plate": plate or "新车", "date": f"{due:%Y-%m-%d}"}
            messages.append(Message(
                store_id=store_id, channel=Channel.SMS, recipient=mobile, customer_id=customer_id,
                body=task.rule.render(**values), params={k: v for k, v in values.items() if k != "store"},
                idempotency_key=f"renewal:{task.case_id}:{task.rule_id}:{task.due_on:%Y-%m-%d}",
            ))
    deliver_many(queue_messages(messages))
    now = timezone.now()
    with transaction.atomic():
        ContactTask.objects.bulk_update(
            [ContactTask(pk=t.pk, status=TaskStatus.DONE, done_at=now, updated_at=now) for t in tasks],
            ["status", "done_at", "updated_at"], batch_size=1000,
        )
        log_updated(ContactTask, [(t.pk, details[t.case_id][0], t.channel) for t in tasks],
                    before={"status": TaskStatus.DUE.value}, after={"status": TaskStatus.DONE.value})


# ---------------------------------------------------------------- the daily job's step
def renewal_day(today: dt.date) -> int:
    """The renewal part of ``chexian daily``: default rules for new stores, new
    cases, cases renewed meanwhile closed, today's reminders. Returns how many
    records it created or changed."""
    changed = ensure_default_rules()
    changed += create_cases(today)
    changed += close_renewed()
    reminders = schedule_reminders(today)
    refresh_scores(today)
    return changed + reminders["calls"] + reminders["sms"]


# Models are refitted when older than this.
MODEL_MAX_AGE = dt.timedelta(days=7)


def refresh_scores(today: dt.date) -> int:
    """Refit each group's likelihood models when missing or a week old, then score
    every open case. Returns how many cases were scored."""
    from chexian.org.models import DealerGroup
    from chexian.renewals import likelihood
    from chexian.renewals.models import RenewalModel

    fresh = set(RenewalModel.objects.filter(store__isnull=True, trained_on__gt=today - MODEL_MAX_AGE)
                .values_list("group_id", flat=True))
    retrained = False
    for group in DealerGroup.objects.exclude(pk__in=fresh):
        if RenewalCase.objects.filter(store__group=group, status=CaseStatus.OPEN).exists():
            likelihood.train_models(group, today)
            retrained = True
    # A case's features are fixed at its expiry: score the new cases, and all of them after a refit.
    return likelihood.score_open_cases(today, only_unscored=not retrained)


# ---------------------------------------------------------------- the specialist's work
def _require(actor, action: str, case: RenewalCase, message: str):
    if not can(actor, action, case.store_id):
        raise PermissionDenied(message)


@transaction.atomic
def log_contact(*, actor, case: RenewalCase, outcome: str, note: str = "", next_contact_on=None,
                channel: str = Channel.CALL) -> ContactLog:
    """Record a call and its outcome: the case's pending calls are done; a next
    contact date puts a follow-up call in the specialist's queue on that day."""
    case = RenewalCase.objects.select_for_update().get(pk=case.pk)
    _require(actor, "renewal.work", case, _("Your role may not work renewals in this store."))
    errors = {}
    if case.status != CaseStatus.OPEN:
        errors["outcome"] = [_("This renewal case is closed (%(status)s).") % {"status": case.get_status_display()}]
    if outcome not in CallOutcome.values:
        errors["outcome"] = [_("Choose the outcome of the call.")]
    today = timezone.localdate()
    if next_contact_on is not None and next_contact_on < today:
        errors["next_contact_on"] = [_("The next contact cannot be in the past.")]
    if errors:
        raise ValidationError(errors)
    with audit_actor(actor):
        contact = ContactLog(case=case, channel=channel, outcome=outcome, note=note, next_contact_on=next_contact_on,
                             by=actor)
        contact.full_clean()
        contact.save()
        now = timezone.now()
        # Whoever talked to the customer has made the calls pending on the case.
        for task in ContactTask.objects.filter(case=case, status=TaskStatus.DUE, channel=Channel.CALL):
            task.status, task.done_at = TaskStatus.DONE, now
            task.save()
        if next_contact_on is not None:
            ContactTask.objects.update_or_create(
                case=case, rule=None, due_on=next_contact_on,
                defaults={"channel": Channel.CALL, "status": TaskStatus.DUE, "done_at": None},
            )
    return contact


@transaction.atomic
def mark_lost(*, actor, case: RenewalCase, reason: str, insurer=None, channel: str = "", note: str = "") -> RenewalCase:
    """战败: the customer renews elsewhere. The reason comes from the fixed list;
    the insurer or channel that won it is recorded when known."""
    case = RenewalCase.objects.select_for_update().get(pk=case.pk)
    _require(actor, "renewal.work", case, _("Your role may not work renewals in this store."))
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("This renewal case is closed (%(status)s).") % {"status": case.get_status_display()})
    if reason not in LostReason.values:
        raise ValidationError({"lost_reason": [_("A lost renewal needs its reason from the list.")]})
    case.status, case.lost_reason, case.lost_to_insurer = CaseStatus.LOST, reason, insurer
    case.lost_to_channel, case.outcome_note = channel, note
    case.closed_at, case.closed_by = timezone.now(), actor
    case.full_clean()
    with audit_actor(actor):
        case.save()
        _cancel_tasks(ContactTask.objects.filter(case=case))
    return case


@transaction.atomic
def reassign(*, actor, cases, to) -> int:
    """The supervisor hands open cases to another specialist of the same store."""
    cases = list(RenewalCase.objects.select_for_update().filter(pk__in=[c.pk for c in cases]))
    for case in cases:
        _require(actor, "renewal.assign", case, _("Your role may not reassign renewals in this store."))
    stores = {case.store_id for case in cases}
    works_there = set(StaffRole.objects.filter(user=to, store_id__in=stores).values_list("store_id", flat=True))
    if stores - works_there or not all(can(to, "renewal.work", store_id) for store_id in stores):
        raise ValidationError({"assigned_to": [
            _("%(user)s does not work renewals in the store of every chosen case.") % {"user": to.get_username()}
        ]})
    closed = [case for case in cases if case.status != CaseStatus.OPEN]
    if closed:
        raise ValidationError({"cases": [_("Only open cases can be reassigned: %(cases)s.")
                                         % {"cases": ", ".join(str(c) for c in closed)}]})
    with audit_actor(actor):
        for case in cases:
            if case.assigned_to_id != to.pk:
                case.assigned_to = to
                case.save(update_fields=["assigned_to", "updated_at"])
    return len(cases)


# ---------------------------------------------------------------- targets
@transaction.atomic
def set_target(*, actor, store, specialist, month: dt.date, target: int):
    """The supervisor sets (or changes) a specialist's renewal target for a month."""
    from chexian.renewals.models import RenewalTarget

    if not can(actor, "renewal.assign", store.pk):
        raise PermissionDenied(_("Your role may not set renewal targets in this store."))
    if not (StaffRole.objects.filter(user=specialist, store=store).exists() and can(specialist, "renewal.work",
                                                                                     store.pk)):
        raise ValidationError({"specialist": [_("%(user)s does not work renewals in this store.")
                                              % {"user": specialist.get_username()}]})
    if target is None or target < 0:
        raise ValidationError({"target": [_("A target is a number of renewals, zero or more.")]})
    with audit_actor(actor):
        record, _created = RenewalTarget.objects.update_or_create(
            store=store, specialist=specialist, month=month.replace(day=1), defaults={"target": target})
    return record
