"""Intention customers (意向客户) and referrals (联动) — SPEC §3.5.

A lead is someone who may insure here: a walk-in who asked a price, a phone
enquiry, or a referral logged by another department (wash, maintenance, body and
paint, sales…) with the person who referred them. The desk follows it up; when a
policy is issued for its car (by plate) or its customer (by mobile) the lead is
converted and the referring department and person are credited."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from chexian.core.models import AuditedModel, TimeStampedModel
from chexian.core.querysets import RestrictedQuerySet
from chexian.leads.choices import LeadSource, LeadStatus, RepairStatus, VisitKind


class Lead(AuditedModel, TimeStampedModel):
    store = models.ForeignKey("org.Store", models.PROTECT, related_name="leads", verbose_name=_("store"))
    name = models.CharField(_("name"), max_length=100)
    mobile = models.CharField(_("mobile"), max_length=11)
    plate = models.CharField(_("plate"), max_length=12, blank=True)
    vehicle = models.ForeignKey("customers.Vehicle", models.SET_NULL, null=True, blank=True, related_name="leads",
                                verbose_name=_("vehicle"))
    source = models.CharField(_("source"), max_length=20, choices=LeadSource.choices)
    department = models.ForeignKey("org.Department", models.PROTECT, null=True, blank=True, related_name="leads",
                                   verbose_name=_("referring department"))
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="referrals", verbose_name=_("referred by"))
    note = models.CharField(_("what the customer said"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="leads", verbose_name=_("followed up by"))
    next_follow_up = models.DateField(_("next follow-up"), null=True, blank=True)
    converted_policy = models.ForeignKey("policies.Policy", models.SET_NULL, null=True, blank=True,
                                         related_name="+", verbose_name=_("policy"))
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("logged by"))

    objects = RestrictedQuerySet.as_manager()
    permission_object = "lead"

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["store", "status"], name="lead_store_status_idx"),
            models.Index(fields=["store", "plate"], name="lead_store_plate_idx"),
            models.Index(fields=["store", "mobile"], name="lead_store_mobile_idx"),
        ]

    def __str__(self):
        return f"{self.name} {self.plate}".strip()


class FollowUpQuerySet(RestrictedQuerySet):
    store_field = "lead__store"


class LeadFollowUp(AuditedModel, TimeStampedModel):
    lead = models.ForeignKey(Lead, models.CASCADE, related_name="follow_ups", verbose_name=_("lead"))
    note = models.CharField(_("note"), max_length=300)
    next_follow_up = models.DateField(_("next follow-up"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by"))

    objects = FollowUpQuerySet.as_manager()
    permission_object = "lead"

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-created_at", "-id"]

    def audit_store_id(self):
        return self.lead.store_id


class CustomerVisit(AuditedModel, TimeStampedModel):
    """回访: a call back after first insurance, a renewal or a claim, with the
    customer's satisfaction (1–5) and what they said — it feeds the churn analysis."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="visits", verbose_name=_("store"))
    customer = models.ForeignKey("customers.Customer", models.PROTECT, related_name="visits",
                                 verbose_name=_("customer"))
    policy = models.ForeignKey("policies.Policy", models.PROTECT, null=True, blank=True, related_name="visits",
                               verbose_name=_("policy"))
    claim = models.ForeignKey("claims.ClaimCase", models.PROTECT, null=True, blank=True, related_name="visits",
                              verbose_name=_("claim case"))
    kind = models.CharField(_("kind"), max_length=20, choices=VisitKind.choices)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comments = models.CharField(_("comments"), max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by"))

    objects = RestrictedQuerySet.as_manager()
    permission_object = "lead"

    class Meta:
        verbose_name = _("customer visit")
        verbose_name_plural = _("customer visits")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "kind"], condition=models.Q(policy__isnull=False),
                                    name="%(app_label)s_%(class)s_once_per_policy",
                                    violation_error_message=_("This policy already has its visit.")),
            models.UniqueConstraint(fields=["claim"], condition=models.Q(claim__isnull=False),
                                    name="%(app_label)s_%(class)s_once_per_claim",
                                    violation_error_message=_("This claim already has its visit.")),
        ]

    def __str__(self):
        return f"{self.customer} {self.get_kind_display()} {self.satisfaction}"


class RepairOpportunity(AuditedModel, TimeStampedModel):
    """留修机会: damage noticed on a visiting car — offered, and converted to a
    repair order or not. Repair retention is reported from these."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="repair_opportunities",
                              verbose_name=_("store"))
    plate = models.CharField(_("plate"), max_length=12)
    vehicle = models.ForeignKey("customers.Vehicle", models.SET_NULL, null=True, blank=True,
                                related_name="repair_opportunities", verbose_name=_("vehicle"))
    damage = models.CharField(_("damage noticed"), max_length=300)
    estimate = models.DecimalField(_("estimated amount"), max_digits=12, decimal_places=2, null=True, blank=True,
                                   validators=[MinValueValidator(0)])
    status = models.CharField(_("status"), max_length=12, choices=RepairStatus.choices, default=RepairStatus.NOTICED)
    repair_order = models.CharField(_("repair order number"), max_length=40, blank=True)
    outcome_note = models.CharField(_("note"), max_length=300, blank=True)
    noticed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("noticed by"))
    department = models.ForeignKey("org.Department", models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("department"))

    objects = RestrictedQuerySet.as_manager()
    permission_object = "lead"

    class Meta:
        verbose_name = _("repair opportunity")
        verbose_name_plural = _("repair opportunities")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.plate} {self.damage[:30]}"
