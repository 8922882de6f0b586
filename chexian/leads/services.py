"""Capturing, following up and converting leads; the linkage leaderboard."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from chexian.core.audit import audit_actor, log_updated
from chexian.core.validators import validate_mobile, validate_plate
from chexian.leads.choices import LeadSource, LeadStatus
from chexian.leads.models import Lead, LeadFollowUp
from chexian.org.models import StaffRole
from chexian.org.permissions import can

OPEN = (LeadStatus.NEW, LeadStatus.FOLLOWING)


def _clean_contact(data: dict) -> dict:
    errors = {}
    cleaned = dict(data)
    try:
        cleaned["mobile"] = validate_mobile((data.get("mobile") or "").strip())
    except ValidationError as exc:
        errors["mobile"] = exc.error_list
    plate = (data.get("plate") or "").strip().upper()
    if plate:
        try:
            cleaned["plate"] = validate_plate(plate)
        except ValidationError as exc:
            errors["plate"] = exc.error_list
    if not (data.get("name") or "").strip():
        errors["name"] = [ValidationError(_("Enter the customer's name (a surname is enough)."), code="required")]
    if errors:
        raise ValidationError(errors)
    cleaned["name"] = data["name"].strip()
    return cleaned


@transaction.atomic
def capture_lead(*, actor, store, data: dict) -> Lead:
    """A lead from anyone in the store. A referral (source ``referral``, the
    default for department staff) is credited to the actor and their department."""
    if not can(actor, "lead.add", store.pk):
        raise PermissionDenied(_("Your role may not log leads in this store."))
    data = _clean_contact(data)
    source = data.get("source") or LeadSource.REFERRAL
    if source not in LeadSource.values:
        raise ValidationError({"source": [_("Unknown source.")]})
    lead = Lead(store=store, name=data["name"], mobile=data["mobile"], plate=data.get("plate", ""),
                source=source, note=(data.get("note") or "")[:300], created_by=actor,
                next_follow_up=data.get("next_follow_up"))
    if source == LeadSource.REFERRAL:
        role = (StaffRole.objects.filter(user=actor, store=store, department__isnull=False)
                .select_related("department").first())
        lead.referred_by = actor
        lead.department = role.department if role else None
    else:
        lead.assigned_to = actor if can(actor, "lead.work", store.pk) else None
    from chexian.customers.models import Vehicle

    if lead.plate:
        lead.vehicle = Vehicle.objects.filter(store=store, plate=lead.plate).first()
    lead.full_clean()
    with audit_actor(actor):
        lead.save()
    return lead


@transaction.atomic
def follow_up(*, actor, lead: Lead, note: str, next_follow_up: dt.date | None = None,
              give_up: bool = False) -> LeadFollowUp:
    """The desk records a follow-up; ``give_up`` closes the lead as not converted."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if not can(actor, "lead.work", lead.store_id):
        raise PermissionDenied(_("Your role may not follow up leads in this store."))
    if lead.status not in OPEN:
        raise ValidationError(_("This lead is closed (%(status)s).") % {"status": lead.get_status_display()})
    if not note.strip():
        raise ValidationError({"note": [_("Say what was agreed.")]})
    if next_follow_up and next_follow_up < timezone.localdate():
        raise ValidationError({"next_follow_up": [_("The next follow-up cannot be in the past.")]})
    with audit_actor(actor):
        record = LeadFollowUp.objects.create(lead=lead, note=note.strip()[:300], next_follow_up=next_follow_up,
                                             by=actor)
        lead.status = LeadStatus.LOST if give_up else LeadStatus.FOLLOWING
        lead.next_follow_up = None if give_up else next_follow_up
        lead.assigned_to = lead.assigned_to or actor
        lead.save()
    return record


def convert_by_policies(vehicle_ids) -> int:
    """Open leads of a store whose plate or mobile matches a vehicle that was just
    insured there (its plate, or its owner's mobile) become converted, credited to
    whoever referred them. Called inside the transaction that saved the policies."""
    from chexian.policies.models import Policy

    rows = list(
        Policy.objects.filter(vehicle_id__in=list(vehicle_ids)).exclude(status="cancelled")
        .order_by("vehicle_id", "-created_at", "-pk")
        .values_list("pk", "store_id", "vehicle_id", "vehicle__plate", "policyholder__mobile")
    )
    latest: dict[int, tuple] = {}
    for pk, store_id, vehicle_id, plate, mobile in rows:
        latest.setdefault(vehicle_id, (pk, store_id, plate, mobile))
    if not latest:
        return 0
    stores = {store_id for _pk, store_id, _plate, _mobile in latest.values()}
    plates = {plate for _pk, _store, plate, _mobile in latest.values() if plate}
    mobiles = {mobile for _pk, _store, _plate, mobile in latest.values() if mobile}
    leads = list(
        Lead.objects.filter(store_id__in=stores, status__in=OPEN)
        .filter(Q(plate__in=plates) | Q(mobile__in=mobiles))
        .values_list("pk", "store_id", "plate", "mobile")
    )
    if not leads:
        return 0
    by_plate = {(s, p): (pk, v) for v, (pk, s, p, _m) in latest.items() if p}
    by_mobile = {(s, m): (pk, v) for v, (pk, s, _p, m) in latest.items() if m}
    now = timezone.now()
    updates = []
    for lead_pk, store_id, plate, mobile in leads:
        found = by_plate.get((store_id, plate)) or by_mobile.get((store_id, mobile))
        if found:
            updates.append(Lead(pk=lead_pk, status=LeadStatus.CONVERTED, converted_policy_id=found[0],
                                vehicle_id=found[1], converted_at=now, next_follow_up=None, updated_at=now))
    Lead.objects.bulk_update(updates, ["status", "converted_policy", "vehicle", "converted_at", "next_follow_up",
                                       "updated_at"])
    stores = {lead[0]: lead[1] for lead in leads}
    log_updated(Lead, [(u.pk, stores[u.pk], "") for u in updates], before={"status": "open"},
                after={"status": LeadStatus.CONVERTED.value})
    return len(updates)


def referrals_between(leads, since: dt.date, until: dt.date):
    """Of ``leads``, the referrals (联动) logged from ``since`` to ``until`` (both included)."""
    return leads.filter(source=LeadSource.REFERRAL, created_at__date__gte=since, created_at__date__lte=until)


def referral_counts() -> dict:
    """The linkage measures, for ``.aggregate()`` or ``.annotate()``: referrals logged, converted,
    and the premium of the policies that converted them."""
    converted = Q(status=LeadStatus.CONVERTED)
    return {"referred": Count("pk"), "converted": Count("pk", filter=converted),
            "premium": Sum("converted_policy__premium", filter=converted)}


def board_of(referrals, people: int | None = 50) -> dict:
    """联动公示 of ``referrals``: per store and department, and per store and person (the first
    ``people``, or all), each with ``referral_counts`` — one grouped query each."""
    counts = referral_counts()
    departments = list(referrals.values("store__name", "department__name").annotate(**counts)
                       .order_by("-converted", "-referred", "department__name"))
    persons = (referrals.values("store__name", "referred_by__username", "referred_by__first_name",
                                "referred_by__last_name", "department__name").annotate(**counts)
               .order_by("-converted", "-referred", "referred_by__username"))
    return {"departments": departments, "people": list(persons[:people] if people else persons)}


def leaderboard(user, since: dt.date, until: dt.date):
    """联动公示: referrals logged and converted per department and per person, in the period."""
    return board_of(referrals_between(Lead.objects.restrict(user, "board"), since, until))


# ---------------------------------------------------------------- customer visits (回访)
VISIT_AFTER_DAYS = 3  # a visit is due from this many days after the policy was issued …
VISIT_WINDOW_DAYS = 30  # … for this many days


def visits_due(user, today: dt.date):
    """Policies issued 3–30 days ago, first insurance (new car) or renewal, whose
    customer has not had that visit yet — the desk's 回访 list."""
    from django.db.models import Exists, OuterRef

    from chexian.leads.models import CustomerVisit
    from chexian.policies.choices import BusinessType, PolicyLine
    from chexian.policies.models import Policy

    done = CustomerVisit.objects.filter(policy=OuterRef("pk"))
    return (
        Policy.objects.restrict(user, "view")
        .filter(line__in=[PolicyLine.CTPL, PolicyLine.COMMERCIAL],
                business_type__in=[BusinessType.NEW_CAR, BusinessType.RENEWAL],
                issued_on__lte=today - dt.timedelta(days=VISIT_AFTER_DAYS),
                issued_on__gte=today - dt.timedelta(days=VISIT_WINDOW_DAYS))
        .exclude(status="cancelled")
        .filter(~Exists(done))
        .select_related("vehicle", "policyholder", "insurer")
        .order_by("issued_on", "pk")
    )


def claim_visits_due(user, today: dt.date):
    """Claim cases whose car went back to the customer (settlement signed) 3–30 days ago
    and whose customer has not had the claim visit yet (理赔回访, SPEC §3.5)."""
    from django.db.models import Exists, OuterRef

    from chexian.claims.models import ClaimCase
    from chexian.leads.models import CustomerVisit
    from chexian.org.permissions import stores_for

    done = CustomerVisit.objects.filter(claim=OuterRef("pk"))
    cases = ClaimCase.objects.restrict(user, "view")
    desk = stores_for(user, "lead.work")  # the visit is the desk's call: only where the user works leads
    if desk is not None:
        cases = cases.filter(store_id__in=desk)
    return (
        cases.filter(
            signed_on__lte=today - dt.timedelta(days=VISIT_AFTER_DAYS),
            signed_on__gte=today - dt.timedelta(days=VISIT_WINDOW_DAYS))
        .exclude(step="withdrawn")
        .filter(~Exists(done))
        .select_related("vehicle", "customer", "insurer")
        .order_by("signed_on", "pk")
    )


@transaction.atomic
def record_claim_visit(*, actor, case, satisfaction: int, comments: str = ""):
    from chexian.leads.choices import VisitKind
    from chexian.leads.models import CustomerVisit

    if not can(actor, "lead.work", case.store_id):
        raise PermissionDenied(_("Your role may not record customer visits in this store."))
    visit = CustomerVisit(store_id=case.store_id, customer_id=case.customer_id, claim=case, kind=VisitKind.CLAIM,
                          satisfaction=satisfaction, comments=comments[:300], by=actor)
    visit.full_clean()
    with audit_actor(actor):
        visit.save()
    return visit


def visit_kind_for(policy) -> str:
    from chexian.leads.choices import VisitKind
    from chexian.policies.choices import BusinessType

    return VisitKind.FIRST_INSURANCE if policy.business_type == BusinessType.NEW_CAR else VisitKind.RENEWAL


@transaction.atomic
def record_visit(*, actor, policy, satisfaction: int, comments: str = ""):
    from chexian.leads.models import CustomerVisit

    if not can(actor, "lead.work", policy.store_id):
        raise PermissionDenied(_("Your role may not record customer visits in this store."))
    visit = CustomerVisit(store_id=policy.store_id, customer_id=policy.policyholder_id, policy=policy,
                          kind=visit_kind_for(policy), satisfaction=satisfaction, comments=comments[:300], by=actor)
    visit.full_clean()
    with audit_actor(actor):
        visit.save()
    return visit


# ---------------------------------------------------------------- repair opportunities (留修机会)
@transaction.atomic
def note_repair(*, actor, store, plate: str, damage: str, estimate=None):
    """Anyone in the store notes damage seen on a visiting car."""
    from chexian.customers.models import Vehicle
    from chexian.leads.models import RepairOpportunity

    if not can(actor, "lead.add", store.pk):
        raise PermissionDenied(_("Your role may not log repair opportunities in this store."))
    errors = {}
    try:
        plate = validate_plate((plate or "").strip().upper())
    except ValidationError as exc:
        errors["plate"] = exc.error_list
    if not (damage or "").strip():
        errors["damage"] = [_("Describe the damage.")]
    if estimate is not None and estimate < 0:
        errors["estimate"] = [_("The amount cannot be negative.")]
    if errors:
        raise ValidationError(errors)
    role = StaffRole.objects.filter(user=actor, store=store, department__isnull=False).first()
    opportunity = RepairOpportunity(
        store=store, plate=plate, damage=damage.strip()[:300], estimate=estimate, noticed_by=actor,
        department_id=role.department_id if role else None,
        vehicle=Vehicle.objects.filter(store=store, plate=plate).first(),
    )
    opportunity.full_clean()
    with audit_actor(actor):
        opportunity.save()
    return opportunity


@transaction.atomic
def update_repair(*, actor, opportunity, status: str, repair_order: str = "", note: str = ""):
    """After-sales records the outcome: offered, converted (with the repair order number) or declined."""
    from chexian.leads.choices import RepairStatus
    from chexian.leads.models import RepairOpportunity

    opportunity = RepairOpportunity.objects.select_for_update().get(pk=opportunity.pk)
    if not can(actor, "repair.work", opportunity.store_id):
        raise PermissionDenied(_("Your role may not work repair opportunities in this store."))
    if status not in RepairStatus.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    if status == RepairStatus.CONVERTED and not repair_order.strip():
        raise ValidationError({"repair_order": [_("A converted opportunity needs its repair order number.")]})
    opportunity.status, opportunity.repair_order = status, repair_order.strip()[:40]
    opportunity.outcome_note = note[:300]
    opportunity.full_clean()
    with audit_actor(actor):
        opportunity.save()
    return opportunity


def repair_retention(user, since: dt.date, until: dt.date) -> dict:
    """Opportunities noticed in the period and how many became repair orders."""
    from chexian.claims.models import ClaimCase
    from chexian.leads.models import RepairOpportunity

    return retention_counts(RepairOpportunity.objects.restrict(user, "view"), ClaimCase.objects.restrict(user, "view"),
                            since, until)


def retention_counts(opportunities, claims, since: dt.date, until: dt.date) -> dict:
    """The counts of ``repair_retention`` over the given querysets (a page passes the user's, the
    report engine its scope's): repair opportunities noticed from ``since`` to ``until`` and how
    they ended, and claim cases opened then (withdrawn ones aside). Two queries."""
    from chexian.leads.choices import RepairStatus

    totals = (opportunities.filter(created_at__date__gte=since, created_at__date__lte=until)
              .aggregate(noticed=Count("pk"), converted=Count("pk", filter=Q(status=RepairStatus.CONVERTED)),
                         declined=Count("pk", filter=Q(status=RepairStatus.DECLINED))))
    totals["rate"] = round(totals["converted"] * 100 / totals["noticed"]) if totals["noticed"] else None
    # Accident cars brought in for repair through a claim: those insured elsewhere are retention won.
    claims = claims.exclude(step="withdrawn").filter(created_at__date__gte=since, created_at__date__lte=until)
    totals.update(claims.aggregate(claims=Count("pk"), claims_insured_elsewhere=Count("pk", filter=Q(
        insured_here=False))))
    return totals


# ---------------------------------------------------------------- the morning post to the staff group
def post_leaderboards(today: dt.date) -> int:
    """Post the month's linkage leaderboard to each store's WeCom staff group (the
    daily job's step). One message per store and day (its idempotency key), so a
    second run posts nothing. Returns how many posts were queued."""
    from chexian.notifications.models import Message
    from chexian.notifications.services import deliver_many, queue_messages
    from chexian.org.models import Store

    since = today.replace(day=1)
    stores = list(Store.objects.filter(is_active=True).exclude(wecom_robot_key=""))
    if not stores:
        return 0
    referrals = Lead.objects.filter(store__in=stores, source=LeadSource.REFERRAL, created_at__date__gte=since,
                                    created_at__date__lte=today)
    counts = {"referred": Count("pk"), "converted": Count("pk", filter=Q(status=LeadStatus.CONVERTED))}
    rows: dict[int, list] = {}
    for row in (referrals.values("store_id", "department__name").annotate(**counts)
                .order_by("store_id", "-converted", "-referred")):
        rows.setdefault(row["store_id"], []).append(row)
    messages = []
    for store in stores:
        lines = [f"【{store.name}】{today:%m月%d日} 本月联动公示"]
        for rank, row in enumerate(rows.get(store.pk, [])[:10], 1):
            name = row["department__name"] or "其他"
            lines.append(f"{rank}. {name}：推荐 {row['referred']}，成交 {row['converted']}")
        if len(lines) == 1:
            lines.append("本月暂无联动推荐。")
        messages.append(Message(store=store, channel="wecom", recipient=store.wecom_robot_key, body="\n".join(lines),
                                idempotency_key=f"leaderboard:{store.pk}:{today:%Y-%m-%d}"))
    created = queue_messages(messages)
    deliver_many(created)
    return len(created)


def follow_ups_due(user, today: dt.date):
    """The intention customers the desk should call today: open leads of the user's stores
    that are theirs or nobody's, whose next follow-up is due — or that were never
    followed up at all (a fresh referral) — the most overdue first."""
    from django.db.models import F, Q

    return (Lead.objects.restrict(user, "work").filter(status__in=OPEN)
            .filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))
            .filter(Q(next_follow_up__lte=today) | Q(next_follow_up__isnull=True, status=LeadStatus.NEW))
            .select_related("store", "department", "referred_by")
            .order_by(F("next_follow_up").asc(nulls_first=True), "created_at"))
