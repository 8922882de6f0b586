from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from chexian.catalog.choices import ClauseFamily
from chexian.core.models import AuditedModel, TimeStampedModel
from chexian.core.querysets import RestrictedQuerySet
from chexian.policies.choices import (
    BusinessType,
    CancellationReason,
    EndorsementKind,
    PolicyLine,
    PolicySource,
    PolicyStatus,
    ShortTermReason,
)

MONEY = {"max_digits": 12, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(0)]


class PolicyQuerySet(RestrictedQuerySet):
    def in_force_on(self, date):
        return self.filter(status=PolicyStatus.IN_FORCE, start_date__lte=date, end_date__gte=date)


class Policy(AuditedModel, TimeStampedModel):
    """An insurance policy (保单) the store issued or imported, for one line.

    The period runs from 00:00 of ``start_date`` to 24:00 of ``end_date``. The
    commission rate and amount are copied from the agency contract in force on the
    issue date, so a later contract change never rewrites history. On PostgreSQL
    an exclusion constraint (migration 0003) refuses a second CTPL overlapping in
    time for the same vehicle, even under concurrent requests.
    """

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="policies", verbose_name=_("store"))
    vehicle = models.ForeignKey(
        "customers.Vehicle", models.PROTECT, related_name="policies", verbose_name=_("vehicle")
    )
    policyholder = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="policies", verbose_name=_("policyholder")
    )
    insured_name = models.CharField(_("insured"), max_length=100)
    insurer = models.ForeignKey("insurers.Insurer", models.PROTECT, related_name="policies", verbose_name=_("insurer"))
    contract = models.ForeignKey(
        "insurers.AgencyContract", models.PROTECT, related_name="policies", verbose_name=_("agency contract")
    )
    line = models.CharField(_("line"), max_length=12, choices=PolicyLine.choices)
    clause_family = models.CharField(_("clause family"), max_length=20, choices=ClauseFamily.choices)
    number = models.CharField(_("policy number"), max_length=40)
    confirm_code = models.CharField(_("confirmation code (投保确认码)"), max_length=40, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    short_term_reason = models.CharField(
        _("short-term reason"), max_length=20, choices=ShortTermReason.choices, blank=True,
        help_text=_("Only for a CTPL shorter than one year."),
    )
    premium = models.DecimalField(_("premium"), validators=NON_NEGATIVE, **MONEY)
    premium_without_vat = models.DecimalField(_("premium excluding VAT"), validators=NON_NEGATIVE, **MONEY)
    vat = models.DecimalField(_("VAT"), validators=NON_NEGATIVE, **MONEY)
    vehicle_tax = models.DecimalField(
        _("vehicle and vessel tax"), default=0, validators=NON_NEGATIVE, help_text=_("CTPL only."), **MONEY
    )
    commission_rate = models.DecimalField(_("commission rate (%)"), max_digits=5, decimal_places=2)
    commission_base_amount = models.DecimalField(_("commission base"), **MONEY)
    commission_amount = models.DecimalField(_("commission"), **MONEY)
    business_type = models.CharField(_("business type"), max_length=20, choices=BusinessType.choices)
    status = models.CharField(_("status"), max_length=12, choices=PolicyStatus.choices, default=PolicyStatus.IN_FORCE)
    source = models.CharField(_("source"), max_length=10, choices=PolicySource.choices, default=PolicySource.DIRECT)
    quote = models.ForeignKey(
        "quotes.Quote", models.SET_NULL, null=True, blank=True, related_name="policies", verbose_name=_("quote")
    )
    issued_on = models.DateField(_("issue date"))
    issuer = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("issuer")
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("salesperson"),
    )
    lead_source = models.CharField(_("lead source"), max_length=50, blank=True)
    payment_ref = models.CharField(_("payment reference"), max_length=60, blank=True)
    payer_is_policyholder = models.BooleanField(
        _("paid by the policyholder (实名缴费)"), null=True, blank=True,
        help_text=_("Ticked by the issuer at payment; unknown for an imported policy."),
    )
    blank_form_serial = models.CharField(_("blank form serial"), max_length=40, blank=True)
    documents = models.JSONField(_("documents checked"), default=list, blank=True)

    objects = PolicyQuerySet.as_manager()
    permission_object = "policy"

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["insurer", "number"], name="%(app_label)s_%(class)s_unique_insurer_number",
                violation_error_message=_("This insurer already has a policy with this number."),
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="%(app_label)s_%(class)s_end_after_start",
                violation_error_message=_("A policy cannot end before it starts."),
            ),
        ]
        indexes = [
            models.Index(fields=["store", "end_date"], name="policy_store_end_idx"),
            models.Index(fields=["vehicle", "line", "start_date"], name="policy_vehicle_line_idx"),
            models.Index(fields=["store", "issued_on"], name="policy_store_issued_idx"),
            # An import looks policies up by number before it knows the insurer of each.
            models.Index(fields=["number"], name="policy_number_idx"),
        ]

    def __str__(self):
        return f"{self.insurer} {self.number}"

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("A policy cannot end before it starts.")}, code="end_before_start")


class PolicyCoverage(AuditedModel):
    """One coverage of a policy with its limit, premium and deductible as issued."""

    policy = models.ForeignKey(Policy, models.CASCADE, related_name="coverages", verbose_name=_("policy"))
    coverage = models.ForeignKey("catalog.Coverage", models.PROTECT, related_name="+", verbose_name=_("coverage"))
    limit = models.DecimalField(_("limit"), max_digits=12, decimal_places=2, null=True, blank=True)
    premium = models.DecimalField(_("premium"), validators=NON_NEGATIVE, **MONEY)
    deductible = models.CharField(_("deductible"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("policy coverage")
        verbose_name_plural = _("policy coverages")
        constraints = [
            models.UniqueConstraint(fields=["policy", "coverage"], name="%(app_label)s_%(class)s_unique_coverage")
        ]

    def __str__(self):
        return f"{self.coverage} {self.premium}"

    def audit_store_id(self):
        return self.policy.store_id


class EndorsementQuerySet(RestrictedQuerySet):
    store_field = "policy__store"


class Endorsement(AuditedModel, TimeStampedModel):
    """A change to an issued policy (批改): plate, owner or coverage. The policy
    keeps its history here: what changed, from when, and the premium effect."""

    policy = models.ForeignKey(Policy, models.PROTECT, related_name="endorsements", verbose_name=_("policy"))
    kind = models.CharField(_("kind"), max_length=10, choices=EndorsementKind.choices)
    effective_date = models.DateField(_("effective date"))
    before = models.JSONField(_("before"), default=dict)
    after = models.JSONField(_("after"), default=dict)
    premium_change = models.DecimalField(_("premium change"), default=0, **MONEY)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by"))

    objects = EndorsementQuerySet.as_manager()
    permission_object = "policy"

    class Meta:
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")
        ordering = ["policy", "effective_date", "id"]

    def audit_store_id(self):
        return self.policy.store_id


class Cancellation(AuditedModel, TimeStampedModel):
    """The cancellation (退保) of a policy, with its lawful reason and the refund."""

    policy = models.OneToOneField(Policy, models.PROTECT, related_name="cancellation", verbose_name=_("policy"))
    reason = models.CharField(_("reason"), max_length=30, choices=CancellationReason.choices)
    effective_date = models.DateField(_("effective date"))
    refund_amount = models.DecimalField(_("refund"), validators=NON_NEGATIVE, **MONEY)
    commission_clawback = models.DecimalField(_("commission clawed back"), default=0, **MONEY)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by"))

    class Meta:
        verbose_name = _("cancellation")
        verbose_name_plural = _("cancellations")

    def audit_store_id(self):
        return self.policy.store_id
