"""Gifts and rebates (礼包与返利) — SPEC §3.7, DOMAIN §4.

Stores still hand part of their commission back to customers: a gift package of
services (ten washes, five maintenance services, detailing) or a cash rebate.
Since the Insurance Law (Art 131(4)) and the 2024 commission rules (报行合一) this
is unlawful, but what is given must still be recorded honestly, at cost. So:

- ``GiftItem`` is the store's catalogue of what can be given, with the department
  that provides it and its unit cost;
- ``Incentive`` is one gift package or rebate recorded against a policy, pending
  until an insurance supervisor approves or rejects it with a reason
  (``services.decide``); anything not approved is flagged wherever it shows;
- ``IncentiveLine`` is one item of a gift package with its quantity and the unit
  cost as it was when granted;
- ``Redemption`` is a department recording that a granted item was used, at its
  real cost — so the real cost of the package becomes known.

Only ``services`` writes these rows. The money fields on ``Incentive`` are kept up
to date under the incentive's row lock so that reports and profit add them up in
one query.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from chexian.core.models import AuditedModel, TimeStampedModel
from chexian.core.querysets import RestrictedQuerySet
from chexian.incentives.choices import GiftDepartment, IncentiveKind, IncentiveStatus, RebateMethod

MONEY = {"max_digits": 12, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]
ZERO = Decimal("0.00")


class IncentiveChildQuerySet(RestrictedQuerySet):
    """Rows of an incentive: scoped by the incentive's store."""

    store_field = "incentive__store"


class GiftItem(AuditedModel, TimeStampedModel):
    """One kind of gift a store can give (a car wash, a maintenance service, a
    detailing session), with the department that provides it and what one costs the
    store. Granting snapshots the cost, so a later change never rewrites history."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    name = models.CharField(_("name"), max_length=100)
    department = models.CharField(_("department"), max_length=12, choices=GiftDepartment.choices,
                                  help_text=_("The department that gives it and bears its cost."))
    unit_cost = models.DecimalField(_("unit cost"), validators=NON_NEGATIVE, **MONEY,
                                    help_text=_("What one costs the store (not its retail price), in yuan."))
    is_active = models.BooleanField(_("active"), default=True,
                                    help_text=_("Inactive items stay on old packages but cannot be granted."))

    objects = RestrictedQuerySet.as_manager()
    permission_object = "incentive"

    class Meta:
        verbose_name = _("gift item")
        verbose_name_plural = _("gift items")
        ordering = ["department", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "name"], name="%(app_label)s_%(class)s_unique_store_name",
                violation_error_message=_("The store already has a gift item of this name."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_department_display()})"


class Incentive(AuditedModel, TimeStampedModel):
    """A gift package or a rebate the store gave a policyholder against one policy.

    Exists from the moment the desk records it; pending until the supervisor
    decides; approved or rejected for good. Its cost counts against the policy's
    profit unless rejected (``choices.COUNTED_STATUSES``).
    """

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    policy = models.ForeignKey("policies.Policy", models.PROTECT, related_name="incentives",
                               verbose_name=_("policy"))
    kind = models.CharField(_("kind"), max_length=12, choices=IncentiveKind.choices)
    granted_on = models.DateField(_("granted on"), help_text=_("The day it was given or promised to the customer."))
    reason = models.CharField(_("reason"), max_length=300,
                              help_text=_("Why it was given: who asked, what was promised."))
    rebate_amount = models.DecimalField(_("rebate amount"), null=True, blank=True, validators=NON_NEGATIVE, **MONEY,
                                        help_text=_("Cash handed back, in yuan (rebates only)."))
    rebate_method = models.CharField(_("paid by"), max_length=20, choices=RebateMethod.choices, blank=True,
                                     help_text=_("How the rebate reached the customer (rebates only)."))
    # Money kept under the row lock by the services, so that reports add it up in one query:
    # at grant (lines at their snapshot cost, or the rebate), the real cost of what was redeemed, and the
    # best cost known now — real cost of what was redeemed plus grant cost of what is still owed.
    cost_at_grant = models.DecimalField(_("cost at grant"), default=ZERO, editable=False, **MONEY)
    redeemed_cost = models.DecimalField(_("redeemed cost"), default=ZERO, editable=False, **MONEY,
                                        help_text=_("Real cost of the items redeemed so far."))
    cost = models.DecimalField(_("cost"), default=ZERO, editable=False, **MONEY,
                               help_text=_("Real cost of what was redeemed plus grant cost of what is still "
                                           "owed; a rebate's cash amount. What profit counts."))
    status = models.CharField(_("status"), max_length=10, choices=IncentiveStatus.choices,
                              default=IncentiveStatus.PENDING, db_index=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("approved or rejected by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("reason for the decision"), max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()
    permission_object = "incentive"

    class Meta:
        verbose_name = _("gift or rebate")
        verbose_name_plural = _("gifts and rebates")
        ordering = ["-granted_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=IncentiveStatus.PENDING) | ~Q(decision_reason=""),
                name="%(app_label)s_%(class)s_decision_has_reason",
                violation_error_message=_("An approval or rejection needs its reason."),
            ),
            models.CheckConstraint(
                condition=Q(redeemed_cost__gte=0) & Q(cost__gte=0),
                name="%(app_label)s_%(class)s_costs_not_negative",
                violation_error_message=_("Costs cannot be negative."),
            ),
        ]
        indexes = [
            models.Index(fields=["store", "granted_on"], name="incentive_store_granted_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.policy.number if self.policy_id else ''}".strip(" ·")

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("incentives:incentive_detail", kwargs={"pk": self.pk})

    @property
    def flagged(self) -> bool:
        """Not approved by a supervisor: shown with a flag everywhere."""
        return self.status != IncentiveStatus.APPROVED

    @property
    def self_approved(self) -> bool:
        return self.status == IncentiveStatus.APPROVED and self.decided_by_id == self.recorded_by_id

    def clean(self):
        errors = {}
        if self.kind == IncentiveKind.REBATE:
            if self.rebate_amount is None or self.rebate_amount <= 0:
                errors["rebate_amount"] = _("A rebate needs the cash amount handed back.")
            if not self.rebate_method:
                errors["rebate_method"] = _("Say how the rebate was paid.")
        elif self.kind == IncentiveKind.GIFT_PACKAGE and (self.rebate_amount or self.rebate_method):
            errors["rebate_amount"] = _("A gift package has no cash amount: record the cash as a rebate of its own.")
        if self.policy_id and self.store_id and self.policy.store_id != self.store_id:
            errors["policy"] = _("The policy is of another store.")
        if not (self.reason or "").strip():
            errors["reason"] = _("Give the reason it was given.")
        if errors:
            raise ValidationError(errors)


class IncentiveLine(AuditedModel):
    """One item of a gift package: how many were granted at what unit cost, and how
    many have been redeemed so far."""

    incentive = models.ForeignKey(Incentive, models.PROTECT, related_name="lines", verbose_name=_("gift package"))
    item = models.ForeignKey(GiftItem, models.PROTECT, related_name="+", verbose_name=_("item"))
    quantity = models.PositiveSmallIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_cost = models.DecimalField(_("unit cost at grant"), validators=NON_NEGATIVE, **MONEY,
                                    help_text=_("The item's unit cost on the day it was granted."))
    redeemed_quantity = models.PositiveSmallIntegerField(_("redeemed"), default=0, editable=False)

    objects = IncentiveChildQuerySet.as_manager()
    permission_object = "incentive"

    class Meta:
        verbose_name = _("gift package line")
        verbose_name_plural = _("gift package lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(redeemed_quantity__lte=F("quantity")),
                name="%(app_label)s_%(class)s_redeemed_within_quantity",
                violation_error_message=_("More redeemed than granted."),
            ),
        ]

    def __str__(self):
        return f"{self.item.name} × {self.quantity}"

    def audit_store_id(self):
        return self.incentive.store_id

    @property
    def left(self) -> int:
        return self.quantity - self.redeemed_quantity

    @property
    def cost(self) -> Decimal:
        return self.unit_cost * self.quantity


class Redemption(AuditedModel, TimeStampedModel):
    """A department gave a granted item: when, how many, at what real cost, by whom."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    line = models.ForeignKey(IncentiveLine, models.PROTECT, related_name="redemptions", verbose_name=_("item"))
    redeemed_on = models.DateField(_("redeemed on"))
    quantity = models.PositiveSmallIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_cost = models.DecimalField(_("real cost per unit"), validators=NON_NEGATIVE, **MONEY,
                                    help_text=_("What one really cost the department; the granted unit cost "
                                                "unless told otherwise."))
    real_cost = models.DecimalField(_("real cost"), validators=NON_NEGATIVE, editable=False, **MONEY)
    redeemed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("redeemed by"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = RestrictedQuerySet.as_manager()
    permission_object = "incentive"

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-redeemed_on", "-pk"]

    def __str__(self):
        return f"{self.line.item.name} × {self.quantity} {self.redeemed_on:%Y-%m-%d}"
