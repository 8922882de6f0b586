"""Intention customers (意向客户) and referrals (联动) — SPEC §3.5.

A lead is someone who may insure here: a walk-in who asked a price, a phone
enquiry, or a referral logged by another department (wash, maintenance, body and
paint, sales…) with the person who referred them. The desk follows it up; when a
policy is issued for its car (by plate) or its customer (by mobile) the lead is
converted and the referring department and person are credited."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chexian.core.models import AuditedModel, TimeStampedModel
from chexian.core.querysets import RestrictedQuerySet
from chexian.leads.choices import LeadSource, LeadStatus


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
