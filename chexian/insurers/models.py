from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from chexian.core.models import AuditedModel, TimeStampedModel
from chexian.core.querysets import RestrictedQuerySet
from chexian.insurers.choices import CommissionBase, ContractStatus

RATE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class InsurerQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view"):
        # Insurers are the group's master data: everyone with a role reads them.
        from chexian.org.permissions import can

        return self if can(user, "insurer.view") else self.none()


class Insurer(AuditedModel, TimeStampedModel):
    """A property-and-casualty insurer (保险公司) that stores may sell for."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=20)
    is_active = models.BooleanField(_("active"), default=True)

    objects = InsurerQuerySet.as_manager()
    permission_object = "insurer"

    class Meta:
        verbose_name = _("insurer")
        verbose_name_plural = _("insurers")
        ordering = ["code"]

    def __str__(self):
        return self.short_name


class AgencyLicence(AuditedModel, TimeStampedModel):
    """The store's part-time agency licence (兼业代理许可, Insurance Law Art 117, 119)."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="agency_licences", verbose_name=_("store"))
    licence_no = models.CharField(_("licence number"), max_length=50)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    registered_staff = models.TextField(_("registered staff"), blank=True, help_text=_("One name per line."))

    objects = RestrictedQuerySet.as_manager()
    permission_object = "contract"

    class Meta:
        verbose_name = _("agency licence")
        verbose_name_plural = _("agency licences")

    def __str__(self):
        return self.licence_no


class AgencyContract(AuditedModel, TimeStampedModel):
    """The agency contract (兼业代理合同) between a store and an insurer.

    Commission rates are agreement data per line and period, never constants; the
    base (premium with or without VAT) is part of the agreement. A contract counts
    only once ACTIVE and only within its period.
    """

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="contracts", verbose_name=_("store"))
    insurer = models.ForeignKey(Insurer, models.PROTECT, related_name="contracts", verbose_name=_("insurer"))
    status = models.CharField(
        _("status"), max_length=20, choices=ContractStatus.choices, default=ContractStatus.PROPOSED
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    rate_ctpl = models.DecimalField(_("CTPL commission rate (%)"), max_digits=5, decimal_places=2, validators=RATE)
    rate_commercial = models.DecimalField(
        _("commercial commission rate (%)"), max_digits=5, decimal_places=2, validators=RATE
    )
    rate_nev_commercial = models.DecimalField(
        _("new-energy commercial commission rate (%)"), max_digits=5, decimal_places=2, validators=RATE
    )
    rate_non_motor = models.DecimalField(
        _("non-motor commission rate (%)"), max_digits=5, decimal_places=2, validators=RATE
    )
    commission_base = models.CharField(
        _("commission base"), max_length=20, choices=CommissionBase.choices, default=CommissionBase.WITHOUT_VAT
    )
    parts_terms = models.CharField(_("parts price terms"), max_length=200, blank=True)
    labour_terms = models.CharField(_("labour price terms"), max_length=200, blank=True)
    claim_payment_days = models.PositiveSmallIntegerField(
        _("promised claim-payment days"), default=30, help_text=_("Days from handover to the insurer's payment.")
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("decision reason"), max_length=300, blank=True)
    legal_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("legal review by"),
    )
    legal_reviewed_at = models.DateTimeField(_("legal review at"), null=True, blank=True)
    legal_opinion = models.TextField(_("legal opinion"), blank=True)
    replaces = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="replaced_by", verbose_name=_("replaces"),
        help_text=_("Changing a partner goes through the same approval."),
    )

    objects = RestrictedQuerySet.as_manager()
    permission_object = "contract"

    class Meta:
        verbose_name = _("agency contract")
        verbose_name_plural = _("agency contracts")
        ordering = ["store", "insurer", "-valid_from"]
        indexes = [models.Index(fields=["store", "insurer", "status"], name="contract_store_insurer_idx")]

    def __str__(self):
        return f"{self.store.code} · {self.insurer} · {self.valid_from:%Y-%m-%d}"

    def clean(self):
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The contract ends before it starts.")})

    def rate_for(self, line: str, clause_family: str) -> Decimal:
        """Commission rate (%) for a policy line; NEV commercial has its own rate."""
        from chexian.catalog.choices import ClauseFamily
        from chexian.policies.choices import PolicyLine

        if line == PolicyLine.CTPL:
            return self.rate_ctpl
        if line == PolicyLine.NON_MOTOR:
            return self.rate_non_motor
        return self.rate_nev_commercial if clause_family == ClauseFamily.NEV_2021 else self.rate_commercial


class ContractEvent(models.Model):
    """One move of a contract through its approval flow (history row per change)."""

    contract = models.ForeignKey(AgencyContract, models.CASCADE, related_name="events", verbose_name=_("contract"))
    from_status = models.CharField(_("from"), max_length=20, choices=ContractStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=ContractStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("contract event")
        verbose_name_plural = _("contract events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.contract_id}: {self.from_status or '—'} → {self.to_status}"
