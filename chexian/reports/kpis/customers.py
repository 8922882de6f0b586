"""Customer reports (SPEC §4.1, §4.2): new-customer conversion (新增转化率), the customer
register (客户登记表), the linkage analysis (项目间联动分析表) and the growth of customers
not bought here (非本店投保客户增长率). Each figure and breakdown is one query; the
register is one annotated queryset (a correlated subquery per column)."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import (
    Coalesce,
    Concat,
    Greatest,
    Least,
    Left,
    Length,
    LPad,
    Right,
    TruncDate,
    TruncMonth,
)
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext_lazy as _

from chexian.aftersales.models import ServiceOrder
from chexian.customers.choices import CustomerSource
from chexian.customers.models import Customer, Vehicle
from chexian.leads.choices import LeadSource, LeadStatus, RepairStatus
from chexian.leads.models import Lead, LeadFollowUp, RepairOpportunity
from chexian.leads.services import OPEN as OPEN_LEADS
from chexian.leads.services import board_of, referral_counts, referrals_between
from chexian.policies.choices import BusinessType
from chexian.quotes.sheets import SHOWN_TAIL
from chexian.renewals.choices import CaseStatus, Segment, TaskStatus
from chexian.renewals.models import ContactLog, ContactTask, RenewalCase
from chexian.reports.engine import (
    DATE,
    INT,
    MONEY,
    RATE,
    TEXT,
    Chart,
    Column,
    Figure,
    Rate,
    Report,
    money,
    register,
)
from chexian.reports.kpis.common import MOTOR, issued_in, year_before
from chexian.reports.kpis.money import person

CONVERTED = Q(status=LeadStatus.CONVERTED)
SOURCES = dict(LeadSource.choices)
CUSTOMER_SOURCES = dict(CustomerSource.choices)
SEGMENTS = dict(Segment.choices)
BUSINESS_TYPES = dict(BusinessType.choices)


# ---------------------------------------------------------------- masks in the database
# The same masks as on the pages and sheets (``core.crypto.mask_mobile``, ``quotes.sheets.mask_tail``),
# computed in the query so that the register's rows and its drill-down (a queryset) show the same.
def masked_tail(field: str, keep: int = SHOWN_TAIL):
    """``quotes.sheets.mask_tail``: stars, then the last ``keep`` characters; all stars when shorter."""
    length = Length(field)
    return Case(When(GreaterThan(length, keep), then=LPad(Right(field, keep), length, Value("*"))),
                default=LPad(Value(""), length, Value("*")))


def masked_mobile(field: str):
    """``core.crypto.mask_mobile``: ``138****5678``; all stars when shorter than eight."""
    length = Length(field)
    return Case(When(GreaterThan(length, 7), then=Concat(Left(field, 3), LPad(Right(field, 4), length - 3,
                                                                                Value("*")))),
                default=LPad(Value(""), length, Value("*")))


def subquery_count(queryset):
    """How many rows ``queryset`` (correlated with ``OuterRef``) has, as one scalar subquery."""
    return Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"),
                    output_field=IntegerField())


def first_of(queryset, field: str, *order: str):
    return Subquery(queryset.order_by(*order).values(field)[:1])


def either(first, second, pick):
    """``pick`` (Greatest or Least) of two nullable values, ignoring a NULL on every database
    (SQLite's MAX/MIN of a NULL is NULL; PostgreSQL's GREATEST skips it)."""
    return pick(Coalesce(first, second), Coalesce(second, first))


# ---------------------------------------------------------------- new-customer conversion
def captured(ctx):
    """Intention customers (意向客户: every lead, whatever its source) captured in the period."""
    return Lead.objects.filter(store_id__in=ctx.scope.store_ids, created_at__date__gte=ctx.period.start,
                               created_at__date__lte=ctx.until)


LEAD_COUNTS = {"captured": Count("pk"), "converted": Count("pk", filter=CONVERTED)}


@register
class NewCustomerConversion(Report):
    code = "new_customer_conversion"
    title = _("New-customer conversion (新增转化率)")
    definition = _("Intention customers (意向客户: leads of every source) captured in the period who bought a policy "
                   "here (the lead converted by the policy issued for its car or mobile) ÷ intention customers "
                   "captured in the period — counted by the period of capture, whenever they bought. By source, "
                   "referring department and month of capture.")
    columns = (Column("dimension", _("Breakdown"), TEXT),
               Column("label", _("Group"), TEXT),
               Column("captured", _("Intention customers"), INT), Column("converted", _("Bought a policy"), INT),
               Column("rate", _("Conversion rate"), RATE))

    def figures(self, ctx):
        counts = captured(ctx).aggregate(**LEAD_COUNTS)
        return [
            Figure("conversion", _("New-customer conversion"), Rate(counts["converted"], counts["captured"]), RATE,
                   drill="converted"),
            Figure("captured", _("Intention customers"), counts["captured"], INT, drill="captured"),
        ]

    def rows(self, ctx):
        leads = captured(ctx)
        dimensions = (
            ("source", _("Source"), leads.annotate(key=F("source")),
             lambda key: str(SOURCES.get(key, key))),
            ("department", _("Referring department"), leads.annotate(key=F("department__name")),
             lambda key: key or str(_("(not referred by a department)"))),
            ("month", _("Month of capture"), leads.annotate(key=TruncMonth("created_at")),
             lambda key: f"{key:%Y-%m}"),
        )
        rows = []
        for dimension, label, queryset, shown in dimensions:
            for row in queryset.values("key").annotate(**LEAD_COUNTS).order_by("key"):
                rows.append({"dimension": str(label), "key": dimension, "label": shown(row["key"]),
                             "captured": row["captured"], "converted": row["converted"],
                             "rate": Rate(row["converted"], row["captured"])})
        return rows

    def charts(self, ctx, figures, rows):
        sources = [row for row in rows if row["key"] == "source"]
        if not sources:
            return []
        return [Chart("by_source", _("Conversion by source"), "bar", [row["label"] for row in sources],
                      [{"name": _("Intention customers"), "data": [row["captured"] for row in sources]},
                       {"name": _("Bought a policy"), "data": [row["converted"] for row in sources]}])]

    def drill(self, ctx, key):
        rows = captured(ctx)
        if key == "converted":
            rows = rows.filter(CONVERTED)
        elif key != "captured":
            return None
        rows = rows.select_related("department", "assigned_to", "converted_policy").annotate(
            mobile_masked=masked_mobile("mobile"))
        return rows.order_by("created_at", "pk"), [
            ("created_at", _("Captured at")), ("name", _("Name")), ("mobile_masked", _("Mobile")),
            ("get_source_display", _("Source")), ("department.name", _("Referring department")),
            ("get_status_display", _("Status")), ("converted_policy.number", _("Policy number")),
            ("converted_policy.premium", _("Premium"))]


# ---------------------------------------------------------------- the customer register
def of_customer(prefix: str = "") -> Q:
    """A lead (``prefix`` the path to it) of the outer customer: by its car, or by the mobile within
    the store (a lead is often logged before the car is in the books)."""
    return (Q(**{f"{prefix}vehicle__owner": OuterRef("pk")})
            | Q(**{f"{prefix}store": OuterRef("store"), f"{prefix}mobile": OuterRef("mobile")}))


def planned_calls():
    """The outer customer's renewal calls still to make (open cases, tasks due — overdue ones too)."""
    return ContactTask.objects.filter(case__customer=OuterRef("pk"), case__status=CaseStatus.OPEN,
                                      status=TaskStatus.DUE)


def planned_follow_ups():
    """The outer customer's open leads with a next follow-up date."""
    return Lead.objects.filter(of_customer(), status__in=OPEN_LEADS, next_follow_up__isnull=False)


def register_queryset(ctx):
    """Every customer of the scope (merged ones left out), annotated with the register's columns —
    one query, a correlated subquery per column."""
    until = ctx.until
    since = year_before(until)
    customer = OuterRef("pk")
    vehicles = Vehicle.objects.filter(owner=customer)
    orders = ServiceOrder.objects.filter(customer=customer)
    recent_orders = orders.filter(opened_on__gt=since, opened_on__lte=until)
    contacts = ContactLog.objects.filter(case__customer=customer)
    follow_ups = LeadFollowUp.objects.filter(of_customer("lead__"))
    tasks, planned_leads = planned_calls(), planned_follow_ups()
    return (
        Customer.objects.filter(store_id__in=ctx.scope.store_ids, merged_into__isnull=True)
        .annotate(
            mobile_masked=masked_mobile("mobile"),
            plate_masked=first_of(vehicles.annotate(masked=masked_tail("plate")), "masked", "-pk"),
            vehicle_model=first_of(vehicles.annotate(model=Concat("brand", Value(" "), "series")), "model", "-pk"),
            vehicle_count=subquery_count(vehicles),
            segment=first_of(RenewalCase.objects.filter(customer=customer), "segment", "-due_date", "-pk"),
            visits_12m=subquery_count(recent_orders),
            last_visit=first_of(orders.filter(opened_on__lte=until), "opened_on", "-opened_on"),
            renewal_contacts=subquery_count(contacts),
            lead_follow_ups=subquery_count(follow_ups),
            contacts_12m=subquery_count(contacts.filter(created_at__date__gt=since))
            + subquery_count(follow_ups.filter(created_at__date__gt=since)),
            last_contact=either(
                first_of(contacts.annotate(day=TruncDate("created_at")), "day", "-created_at"),
                first_of(follow_ups.annotate(day=TruncDate("created_at")), "day", "-created_at"), Greatest),
            next_contact=either(first_of(tasks, "due_on", "due_on"),
                                first_of(planned_leads, "next_follow_up", "next_follow_up"), Least),
            planned=subquery_count(tasks) + subquery_count(planned_leads),
        )
    )


REGISTER_FIELDS = ("store__code", "name", "mobile_masked", "plate_masked", "vehicle_model", "vehicle_count",
                   "source", "portrait_tags", "segment", "visits_12m", "last_visit", "renewal_contacts",
                   "lead_follow_ups", "contacts_12m", "last_contact", "next_contact", "planned")


def _register_order():
    return (F("next_contact").asc(nulls_last=True), "name", "pk")


@register
class CustomerRegister(Report):
    code = "customer_register"
    permission = "customer.view"
    title = _("Customer register (客户登记表)")
    definition = _("Per customer of the store (or the group), the first 500 by the next planned contact: the car "
                   "(plate masked), the portrait (source, tags, renewal segment of the latest renewal case), the "
                   "visit habits (service orders of the twelve months up to the end of the period, and the last "
                   "visit), the follow-up history (renewal contacts and lead follow-ups, all and in the twelve "
                   "months, and the last), the next planned contact (a renewal call due — an overdue one "
                   "included — or an open lead's next follow-up) and how many contacts are planned. Mobile "
                   "numbers are masked; identity numbers are not shown. The full list is behind the customer "
                   "count.")
    compare = False
    # Planned contacts change every day: a register frozen at the month close would only show noise.
    frozen_at_close = False
    LIMIT = 500
    columns = (Column("store", _("Store"), TEXT), Column("name", _("Customer"), TEXT),
               Column("mobile", _("Mobile"), TEXT), Column("plate", _("Plate"), TEXT),
               Column("vehicle", _("Vehicle"), TEXT), Column("vehicles", _("Vehicles"), INT),
               Column("source", _("Source"), TEXT), Column("tags", _("Portrait tags"), TEXT),
               Column("segment", _("Renewal segment"), TEXT),
               Column("visits_12m", _("Service visits, 12 months"), INT), Column("last_visit", _("Last visit"), DATE),
               Column("contacts", _("Follow-ups, all"), INT), Column("contacts_12m", _("Follow-ups, 12 months"), INT),
               Column("last_contact", _("Last follow-up"), DATE), Column("next_contact", _("Next contact"), DATE),
               Column("planned", _("Contacts planned"), INT))

    def figures(self, ctx):
        planned = Exists(planned_calls()) | Exists(planned_follow_ups())
        serviced = Exists(ServiceOrder.objects.filter(customer=OuterRef("pk"), opened_on__gt=year_before(ctx.until),
                                                      opened_on__lte=ctx.until))
        counts = (Customer.objects.filter(store_id__in=ctx.scope.store_ids, merged_into__isnull=True)
                  .aggregate(total=Count("pk"), planned=Count("pk", filter=planned),
                             serviced=Count("pk", filter=serviced)))
        return [
            Figure("customers", _("Customers"), counts["total"], INT, drill="all"),
            Figure("planned", _("With a contact planned"), Rate(counts["planned"], counts["total"]), RATE,
                   drill="planned"),
            Figure("serviced", _("Serviced here in the last 12 months"), Rate(counts["serviced"], counts["total"]),
                   RATE, drill="serviced"),
        ]

    def rows(self, ctx):
        found = register_queryset(ctx).order_by(*_register_order()).values(*REGISTER_FIELDS)[:self.LIMIT]
        return [{
            "store": row["store__code"], "name": row["name"], "mobile": row["mobile_masked"],
            "plate": row["plate_masked"] or "", "vehicle": (row["vehicle_model"] or "").strip(),
            "vehicles": row["vehicle_count"] or 0,
            "source": str(CUSTOMER_SOURCES.get(row["source"], row["source"])), "tags": row["portrait_tags"],
            "segment": str(SEGMENTS[row["segment"]]) if row["segment"] else "",
            "visits_12m": row["visits_12m"] or 0, "last_visit": _date(row["last_visit"]),
            "contacts": (row["renewal_contacts"] or 0) + (row["lead_follow_ups"] or 0),
            "contacts_12m": row["contacts_12m"] or 0, "last_contact": _date(row["last_contact"]),
            "next_contact": _date(row["next_contact"]), "planned": row["planned"] or 0,
        } for row in found]

    def drill(self, ctx, key):
        rows = register_queryset(ctx)
        if key == "planned":
            rows = rows.filter(next_contact__isnull=False)
        elif key == "serviced":
            rows = rows.filter(visits_12m__gt=0)
        elif key != "all":
            return None
        return rows.select_related("store").order_by(*_register_order()), [
            ("store.code", _("Store")), ("name", _("Customer")), ("mobile_masked", _("Mobile")),
            ("plate_masked", _("Plate")), ("vehicle_model", _("Vehicle")), ("get_source_display", _("Source")),
            ("visits_12m", _("Service visits, 12 months")),
            ("last_visit", _("Last visit")), ("contacts_12m", _("Follow-ups, 12 months")),
            ("last_contact", _("Last follow-up")), ("next_contact", _("Next contact")),
            ("planned", _("Contacts planned"))]


def _date(value):
    """A date from the database (SQLite hands back text for a computed date)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# ---------------------------------------------------------------- linkage
def repairs(ctx):
    """Repair opportunities (留修机会) noticed in the period."""
    return RepairOpportunity.objects.filter(store_id__in=ctx.scope.store_ids, created_at__date__gte=ctx.period.start,
                                            created_at__date__lte=ctx.until)


REPAIR_COUNTS = {"noticed": Count("pk"), "converted": Count("pk", filter=Q(status=RepairStatus.CONVERTED))}


def referrals(ctx):
    return referrals_between(Lead.objects.filter(store_id__in=ctx.scope.store_ids), ctx.period.start, ctx.until)


@register
class Linkage(Report):
    code = "linkage"
    title = _("Linkage analysis (项目间联动分析表)")
    definition = _("Referrals (联动) logged by the store's departments in the period, how many were converted (a "
                   "policy issued here for the car or the mobile) and the premium of the converting policies — per "
                   "referring department and per person, as on the linkage leaderboard; and the repair "
                   "opportunities (留修) noticed in the period that became a repair order, per department.")
    columns = (Column("dimension", _("Breakdown"), TEXT),
               Column("store", _("Store"), TEXT), Column("label", _("Group"), TEXT),
               Column("department", _("Department"), TEXT), Column("count", _("Referred or noticed"), INT),
               Column("converted", _("Converted"), INT), Column("rate", _("Conversion rate"), RATE),
               Column("premium", _("Premium converted"), MONEY))

    def figures(self, ctx):
        counts = referrals(ctx).aggregate(**referral_counts())
        repaired = repairs(ctx).aggregate(**REPAIR_COUNTS)
        return [
            Figure("referred", _("Referrals"), counts["referred"], INT, drill="referrals"),
            Figure("conversion", _("Referrals converted"), Rate(counts["converted"], counts["referred"]), RATE,
                   drill="converted"),
            Figure("premium", _("Premium converted"), money(counts["premium"]), MONEY, drill="converted"),
            Figure("repairs", _("Repair opportunities converted"),
                   Rate(repaired["converted"], repaired["noticed"]), RATE, drill="repairs"),
        ]

    def rows(self, ctx):
        board = board_of(referrals(ctx), people=None)
        no_department = str(_("(no department)"))
        rows = []
        for row in board["departments"]:
            department = row["department__name"] or no_department
            rows.append({"dimension": str(_("Department")), "key": "department", "store": row["store__name"],
                         "label": department, "department": department, "count": row["referred"],
                         "converted": row["converted"], "rate": Rate(row["converted"], row["referred"]),
                         "premium": money(row["premium"])})
        for row in board["people"]:
            rows.append({"dimension": str(_("Person")), "key": "person", "store": row["store__name"],
                         "label": person(row, "referred_by"),
                         "department": row["department__name"] or no_department, "count": row["referred"],
                         "converted": row["converted"], "rate": Rate(row["converted"], row["referred"]),
                         "premium": money(row["premium"])})
        for row in (repairs(ctx).values("store__name", "department__name").annotate(**REPAIR_COUNTS)
                    .order_by("-converted", "-noticed", "store__name", "department__name")):
            department = row["department__name"] or no_department
            rows.append({"dimension": str(_("Repair opportunities (留修)")), "key": "repair",
                         "store": row["store__name"], "label": department, "department": department,
                         "count": row["noticed"], "converted": row["converted"],
                         "rate": Rate(row["converted"], row["noticed"]), "premium": None})
        return rows

    def charts(self, ctx, figures, rows):
        departments = [row for row in rows if row["key"] == "department"][:20]
        if not departments:
            return []
        return [Chart("by_department", _("Referrals by department"), "hbar", [row["label"] for row in departments],
                      [{"name": _("Referred"), "data": [row["count"] for row in departments]},
                       {"name": _("Converted"), "data": [row["converted"] for row in departments]}])]

    def drill(self, ctx, key):
        if key == "repairs":
            return (repairs(ctx).select_related("department", "noticed_by").order_by("created_at", "pk"), [
                ("created_at", _("Noticed at")), ("plate", _("Plate")), ("damage", _("Damage noticed")),
                ("department.name", _("Department")), ("noticed_by.username", _("Noticed by")),
                ("get_status_display", _("Status")), ("repair_order", _("Repair order number"))])
        rows = referrals(ctx)
        if key == "converted":
            rows = rows.filter(CONVERTED)
        elif key != "referrals":
            return None
        rows = rows.select_related("department", "referred_by", "converted_policy")
        return rows.order_by("created_at", "pk"), [
            ("created_at", _("Referred at")), ("name", _("Name")), ("department.name", _("Department")),
            ("referred_by.username", _("Referred by")), ("get_status_display", _("Status")),
            ("converted_policy.number", _("Policy number")), ("converted_policy.premium", _("Premium"))]


# ---------------------------------------------------------------- customers not bought here
def insured_not_sold_here(ctx, since: dt.date, until: dt.date):
    """Motor policies of the scope issued from ``since`` to ``until`` for cars the store did not sell."""
    return issued_in(ctx, since, until).filter(line__in=MOTOR, vehicle__sold_here=False)


def growth_counts(ctx) -> dict:
    """Distinct customers (policyholders) this period and the previous one, for ``aggregate``/``annotate``."""
    previous = ctx.period.previous()
    return {"this": Count("policyholder", distinct=True, filter=Q(issued_on__gte=ctx.period.start)),
            "previous": Count("policyholder", distinct=True, filter=Q(issued_on__lte=previous.end))}


@register
class NonSoldHereGrowth(Report):
    code = "non_sold_here_growth"
    title = _("Growth of customers not bought here (非本店投保客户增长率)")
    definition = _("Customers (policyholders) with a compulsory or commercial policy issued at the store in the "
                   "period for a car the store did not sell, counted once each; growth = (this period − the "
                   "previous period) ÷ the previous period. A period under way counts up to today.")
    columns = (Column("label", _("Business type"), TEXT), Column("this", _("This period"), INT),
               Column("previous", _("Previous period"), INT), Column("growth", _("Growth"), RATE))

    def _base(self, ctx):
        return insured_not_sold_here(ctx, ctx.period.previous().start, ctx.until)

    def figures(self, ctx):
        counts = self._base(ctx).aggregate(**growth_counts(ctx))
        return [
            Figure("customers", _("Customers not bought here"), counts["this"], INT, drill="customers"),
            Figure("growth", _("Growth over the previous period"),
                   Rate(counts["this"] - counts["previous"], counts["previous"]), RATE, drill="customers"),
        ]

    def rows(self, ctx):
        # A customer with policies of two business types counts under each: the rows do not add up to the total.
        return [{"key": row["business_type"], "label": str(BUSINESS_TYPES.get(row["business_type"],
                                                                              row["business_type"])),
                 "this": row["this"], "previous": row["previous"],
                 "growth": Rate(row["this"] - row["previous"], row["previous"])}
                for row in self._base(ctx).values("business_type").annotate(**growth_counts(ctx))
                .order_by("business_type")]

    def charts(self, ctx, figures, rows):
        if not rows:
            return []
        return [Chart("by_business_type", _("Customers not bought here, by business type"), "bar",
                      [row["label"] for row in rows],
                      [{"name": _("Previous period"), "data": [row["previous"] for row in rows]},
                       {"name": _("This period"), "data": [row["this"] for row in rows]}])]

    def drill(self, ctx, key):
        if key == "customers":
            since, until = ctx.period.start, ctx.until
        elif key == "previous":
            previous = ctx.period.previous()
            since, until = previous.start, previous.end
        else:
            return None
        insured = insured_not_sold_here(ctx, since, until).filter(policyholder=OuterRef("pk"))
        rows = (Customer.objects.filter(Exists(insured)).select_related("store")
                .annotate(mobile_masked=masked_mobile("mobile"),
                          first_issued=Subquery(insured.order_by("issued_on").values("issued_on")[:1],
                                                output_field=DateField())))
        return rows.order_by("first_issued", "pk"), [
            ("store.code", _("Store")), ("name", _("Customer")), ("mobile_masked", _("Mobile")),
            ("get_source_display", _("Source")), ("first_issued", _("First policy issued"))]
