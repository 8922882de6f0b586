"""Monthly commission statements (月度业务明细清单) — SPEC §3.7, seed-002 §4.6.

At month end the store draws up, per insurer, the list of every policy it
issued in the month (and every cancellation that took effect in it) with
premium, commission base, rate and commission, as the store's books have them.
The insurer answers with its own figures; each line then carries both sides
and, where they differ, the reason. The figure the insurer confirms is what it
owes; the statement is invoiced, paid through commission remittances
(``remittances.Allocation.statement``) and closed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from chexian.core.models import AuditedModel, TimeStampedModel
from chexian.core.querysets import RestrictedQuerySet
from chexian.statements.choices import Difference, Entry, State

ZERO = Decimal("0.00")
MONEY = {"max_digits": 14, "decimal_places": 2}


class StatementQuerySet(RestrictedQuerySet):
    def unpaid(self):
        from chexian.statements.choices import UNPAID_STATES

        return self.filter(state__in=UNPAID_STATES)


class Statement(AuditedModel, TimeStampedModel):
    """One store's commission statement with one insurer for one month."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    insurer = models.ForeignKey("insurers.Insurer", models.PROTECT, related_name="+", verbose_name=_("insurer"))
    month = models.DateField(_("month"), help_text=_("The first day of the month the statement covers."))
    number = models.CharField(_("statement number"), max_length=40, unique=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    # Our side, summed from the lines when built.
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    premium = models.DecimalField(_("premium"), default=ZERO, **MONEY)
    base = models.DecimalField(_("commission base"), default=ZERO, **MONEY)
    commission = models.DecimalField(_("commission (ours)"), default=ZERO, **MONEY)
    # The insurer's side, once confirmed.
    insurer_commission = models.DecimalField(_("commission (insurer's)"), null=True, blank=True, **MONEY)
    difference_count = models.PositiveIntegerField(_("lines that differ"), default=0)
    built_at = models.DateTimeField(_("built at"))
    built_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                 verbose_name=_("built by"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmation_file = models.CharField(_("confirmation file"), max_length=200, blank=True)
    invoice_no = models.CharField(_("invoice number"), max_length=40, blank=True)
    invoiced_on = models.DateField(_("invoiced on"), null=True, blank=True)
    # The sum of the active remittance allocations, kept here under the statement's row lock.
    paid_amount = models.DecimalField(_("paid"), default=ZERO, editable=False, **MONEY)
    paid_on = models.DateField(_("paid in full on"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = StatementQuerySet.as_manager()
    permission_object = "statement"

    class Meta:
        verbose_name = _("commission statement")
        verbose_name_plural = _("commission statements")
        ordering = ["-month", "store__code", "insurer__short_name"]
        constraints = [
            models.UniqueConstraint(fields=["store", "insurer", "month"], name="statements_one_per_store_insurer_month",
                                    violation_error_message=_("This store already has a statement with this insurer "
                                                              "for this month.")),
            models.CheckConstraint(condition=Q(month__day=1), name="statements_month_first_day",
                                   violation_error_message=_("A statement's month is given by its first day.")),
        ]
        indexes = [models.Index(fields=["store", "state", "month"])]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("statements:statement_detail", args=[self.pk])

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def due_amount(self) -> Decimal:
        """What the insurer owes: its confirmed figure, else ours (not yet confirmed)."""
        return self.insurer_commission if self.insurer_commission is not None else self.commission

    @property
    def outstanding(self) -> Decimal:
        return max(self.due_amount - self.paid_amount, ZERO)

    @property
    def flag_from(self) -> dt.date:
        """The first day on which the commission counts as unpaid for more than three months
        after the statement month (seed-002 §4.9.4)."""
        return add_months(self.month, 4)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


class LineQuerySet(RestrictedQuerySet):
    store_field = "statement__store"


class StatementLine(AuditedModel):
    """One policy (or cancellation) on a statement: our figures, and the insurer's once they answer."""

    statement = models.ForeignKey(Statement, models.CASCADE, related_name="lines", verbose_name=_("statement"))
    policy = models.ForeignKey("policies.Policy", models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("policy"))
    entry = models.CharField(_("entry"), max_length=10, choices=Entry.choices, default=Entry.ISSUED)
    policy_number = models.CharField(_("policy number"), max_length=40)
    line = models.CharField(_("line"), max_length=12, blank=True)
    day = models.DateField(_("date"), null=True, blank=True,
                           help_text=_("Issue date, or the day a cancellation took effect."))
    # Ours (empty on a line that only the insurer's list has).
    premium = models.DecimalField(_("premium"), null=True, blank=True, **MONEY)
    base = models.DecimalField(_("commission base"), null=True, blank=True, **MONEY)
    rate = models.DecimalField(_("rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    commission = models.DecimalField(_("commission"), null=True, blank=True, **MONEY)
    # Theirs.
    their_premium = models.DecimalField(_("insurer's premium"), null=True, blank=True, **MONEY)
    their_rate = models.DecimalField(_("insurer's rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    their_commission = models.DecimalField(_("insurer's commission"), null=True, blank=True, **MONEY)
    difference = models.CharField(_("difference"), max_length=20, choices=Difference.choices, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = LineQuerySet.as_manager()
    permission_object = "statement"

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement", "day", "policy_number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "policy_number", "entry"],
                                    name="statements_line_once_per_entry",
                                    violation_error_message=_("A policy is listed once per entry on a statement.")),
        ]

    def __str__(self):
        return f"{self.statement} · {self.policy_number}"

    def audit_store_id(self):
        return self.statement.store_id

    @property
    def commission_gap(self) -> Decimal | None:
        """Theirs − ours, where both exist."""
        if self.commission is None or self.their_commission is None:
            return None
        return self.their_commission - self.commission
