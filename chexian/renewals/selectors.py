"""What the renewal pages read: the specialist's queue, the supervisor's board
and the monthly lost-renewal summary — each aggregated in the database."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, F, OuterRef, Q, Sum

from chexian.renewals.choices import CaseStatus, Channel, TaskStatus
from chexian.renewals.models import ContactLog, ContactTask, RenewalCase


def queue(user, today: dt.date):
    """Today's calls for ``user``: due calls of their open cases, soonest expiry
    first, then the likeliest to renew, then the largest premium at stake."""
    return (
        ContactTask.objects.restrict(user, "view")
        .filter(case__assigned_to=user, case__status=CaseStatus.OPEN, channel=Channel.CALL, status=TaskStatus.DUE,
                due_on__lte=today)
        .select_related("case", "case__vehicle", "case__customer", "case__expiring_policy__insurer")
        .order_by("case__due_date", F("case__likelihood").desc(nulls_last=True), "-case__expiring_premium",
                  "due_on", "pk")
    )


def board(user, today: dt.date):
    """Per specialist of the stores ``user`` sees: open cases, contacted ones, overdue calls."""
    cases = RenewalCase.objects.restrict(user, "view").filter(status=CaseStatus.OPEN)
    contacted = Exists(ContactLog.objects.filter(case=OuterRef("pk")))
    overdue = Exists(ContactTask.objects.filter(case=OuterRef("pk"), status=TaskStatus.DUE, channel=Channel.CALL,
                                                due_on__lt=today))
    return list(
        cases.annotate(contacted=contacted, overdue=overdue)
        .values("store__name", "assigned_to", "assigned_to__username", "assigned_to__first_name",
                "assigned_to__last_name")
        .annotate(open=Count("pk"), contacted_count=Count("pk", filter=Q(contacted=True)),
                  overdue_count=Count("pk", filter=Q(overdue=True)))
        .order_by("store__name", "assigned_to__username")
    )


def lost_between(cases, since: dt.date, until: dt.date):
    """Of ``cases``, those lost (战败) and closed from ``since`` to ``until`` (both included):
    the lost-renewal summary's and the ``lost_renewals`` report's one definition."""
    return cases.filter(status=CaseStatus.LOST, closed_at__date__gte=since, closed_at__date__lte=until)


def lost_by(lost, *fields: str, order: tuple[str, ...] = ()) -> list[dict]:
    """``lost`` (lost renewal cases) grouped by ``fields``: the cases (``n``) and the
    expiring premium lost (``premium``), in one grouped query; most cases first unless ``order`` says."""
    return list(lost.values(*fields).annotate(n=Count("pk"), premium=Sum("expiring_premium"))
                .order_by(*(order or ("-n", *fields))))


def closed_totals(cases, since: dt.date, until: dt.date) -> dict:
    """Of ``cases``, how many were closed from ``since`` to ``until``: renewed here, lost,
    and the expiring premium of those lost — one query."""
    closed = cases.filter(closed_at__date__gte=since, closed_at__date__lte=until)
    return closed.aggregate(renewed=Count("pk", filter=Q(status=CaseStatus.RENEWED)),
                            lost=Count("pk", filter=Q(status=CaseStatus.LOST)),
                            lost_premium=Sum("expiring_premium", filter=Q(status=CaseStatus.LOST)))


def lost_summary(user, month_start: dt.date):
    """续保战败总结: cases lost in the month per store, specialist and reason, and
    per competitor (insurer or channel), each with the expiring premium lost."""
    month_end = (month_start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    last_day = month_end - dt.timedelta(days=1)
    cases = RenewalCase.objects.restrict(user, "view")
    lost = lost_between(cases, month_start, last_day)
    by_reason = lost_by(lost, "store__name", "assigned_to__username", "lost_reason",
                        order=("store__name", "assigned_to__username", "-n"))
    by_competitor = lost_by(lost, "store__name", "lost_to_insurer__short_name", "lost_to_channel",
                            order=("store__name", "-n"))
    totals = closed_totals(cases, month_start, last_day)
    return {"by_reason": by_reason, "by_competitor": by_competitor, "totals": totals, "month_end": month_end}


def attainment(user, month_start: dt.date):
    """Each specialist's target for the month against the cases they renewed in it."""
    from chexian.renewals.models import RenewalTarget

    month_end = (month_start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    renewed = dict(
        RenewalCase.objects.restrict(user, "view")
        .filter(status=CaseStatus.RENEWED, closed_at__date__gte=month_start, closed_at__date__lt=month_end)
        .values_list("assigned_to").annotate(n=Count("pk")).order_by()
    )
    rows = []
    for target in (RenewalTarget.objects.restrict(user, "view").filter(month=month_start)
                   .select_related("store", "specialist").order_by("store__name", "specialist__username")):
        done = renewed.get(target.specialist_id, 0)
        rows.append({"target": target, "renewed": done,
                     "share": round(done * 100 / target.target) if target.target else None})
    return rows


LAPSED_FROM = 365  # days after the last cover ended: 脱保 from one year …
GONE_FROM = 3 * 365  # … 流失 after three


def lapsed(user, today: dt.date, segment: str = "lapsed"):
    """Vehicles of the user's stores whose last CTPL or commercial policy at the
    store ended one to three years ago (脱保, ``lapsed``) or longer ago (流失,
    ``gone``) — the win-back list. One aggregate query: the latest end per vehicle."""
    from django.db.models import Max

    from chexian.customers.models import Vehicle
    from chexian.policies.choices import PolicyLine

    vehicles = Vehicle.objects.restrict(user, "view").annotate(
        last_end=Max("policies__end_date", filter=Q(policies__line__in=[PolicyLine.CTPL, PolicyLine.COMMERCIAL])
                     & ~Q(policies__status="cancelled"))
    ).filter(last_end__isnull=False)
    one_year, three_years = today - dt.timedelta(days=LAPSED_FROM), today - dt.timedelta(days=GONE_FROM)
    if segment == "gone":
        vehicles = vehicles.filter(last_end__lt=three_years)
    else:
        vehicles = vehicles.filter(last_end__lt=one_year, last_end__gte=three_years)
    return vehicles.select_related("owner", "store").order_by("-last_end", "pk")


def segment_rates(user, month_start: dt.date) -> list[dict]:
    """Per segment (SPEC §3.4): the cases whose policy expires in the month, how many were
    renewed here, lost, still open, and the renewal rate (renewed ÷ due) — one grouped query."""
    from chexian.renewals.choices import Segment

    month_end = (month_start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    rows = {row["segment"]: row for row in (
        RenewalCase.objects.restrict(user, "view").filter(due_date__gte=month_start, due_date__lt=month_end)
        .values("segment").annotate(due=Count("pk"), renewed=Count("pk", filter=Q(status=CaseStatus.RENEWED)),
                                    lost=Count("pk", filter=Q(status=CaseStatus.LOST)),
                                    open=Count("pk", filter=Q(status=CaseStatus.OPEN)))
        .order_by())}
    result = []
    for segment in Segment:
        row = rows.get(segment.value, {"due": 0, "renewed": 0, "lost": 0, "open": 0})
        result.append({"segment": segment.label, **{k: row[k] for k in ("due", "renewed", "lost", "open")},
                       "rate": round(row["renewed"] * 100 / row["due"]) if row["due"] else None})
    return result
