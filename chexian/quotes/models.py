from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from chexian.catalog.choices import ClauseFamily
from chexian.core.models import AuditedModel, TimeStampedModel
from chexian.core.querysets import RestrictedQuerySet
from chexian.quotes.choices import QuoteStatus

MONEY = {"max_digits": 12, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(0)]
COEFFICIENT = {"max_digits": 6, "decimal_places": 4}


class Quote(AuditedModel, TimeStampedModel):
    """A quote (报价) for a vehicle: a coverage plan and what each insurer asked
    returned. Chexian never computes a premium: every figure is the insurer's."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="quotes", verbose_name=_("store"))
    vehicle = models.ForeignKey("customers.Vehicle", models.PROTECT, related_name="quotes", verbose_name=_("vehicle"))
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="quotes", verbose_name=_("customer")
    )
    clause_family = models.CharField(_("commercial clause family"), max_length=20, choices=ClauseFamily.choices)
    template = models.ForeignKey(
        "catalog.PlanTemplate", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("template")
    )
    status = models.CharField(_("status"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT)
    start_date = models.DateField(_("proposed start date"))
    valid_until = models.DateField(_("valid until"))
    previous_policy = models.ForeignKey(
        "policies.Policy", models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("last year's commercial policy"),
    )
    chosen_offer = models.OneToOneField(
        "QuoteOffer", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("chosen offer")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by"))
    note = models.TextField(_("note"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    permission_object = "quote"

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.vehicle} {self.start_date:%Y-%m-%d}"


class QuoteItem(models.Model):
    """One coverage of the quoted plan, with its limit."""

    quote = models.ForeignKey(Quote, models.CASCADE, related_name="items", verbose_name=_("quote"))
    coverage = models.ForeignKey("catalog.Coverage", models.PROTECT, related_name="+", verbose_name=_("coverage"))
    limit = models.DecimalField(_("limit"), max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("quoted coverage")
        verbose_name_plural = _("quoted coverages")
        constraints = [
            models.UniqueConstraint(fields=["quote", "coverage"], name="%(app_label)s_%(class)s_unique_coverage")
        ]

    def __str__(self):
        return f"{self.coverage} {self.limit or ''}".strip()


class QuoteOffer(AuditedModel, TimeStampedModel):
    """What one insurer's system returned for the plan (DOMAIN.md §3)."""

    quote = models.ForeignKey(Quote, models.CASCADE, related_name="offers", verbose_name=_("quote"))
    insurer = models.ForeignKey("insurers.Insurer", models.PROTECT, related_name="+", verbose_name=_("insurer"))
    commercial_premium = models.DecimalField(_("commercial premium"), validators=NON_NEGATIVE, **MONEY)
    commercial_premium_without_vat = models.DecimalField(
        _("commercial premium excluding VAT"), validators=NON_NEGATIVE, **MONEY
    )
    ctpl_premium = models.DecimalField(_("CTPL premium"), default=0, validators=NON_NEGATIVE, **MONEY)
    ctpl_premium_without_vat = models.DecimalField(
        _("CTPL premium excluding VAT"), default=0, validators=NON_NEGATIVE, **MONEY
    )
    vehicle_tax = models.DecimalField(_("vehicle and vessel tax"), default=0, validators=NON_NEGATIVE, **MONEY)
    ncd_coefficient = models.DecimalField(_("NCD coefficient (无赔款优待系数)"), null=True, blank=True, **COEFFICIENT)
    pricing_coefficient = models.DecimalField(
        _("pricing coefficient (自主定价系数)"), null=True, blank=True, **COEFFICIENT
    )
    ctpl_floating_rate = models.DecimalField(
        _("CTPL floating rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    ctpl_float_reason = models.CharField(_("CTPL floating reason"), max_length=100, blank=True)
    query_code = models.CharField(_("query code (投保查询码)"), max_length=60, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by"))

    class Meta:
        verbose_name = _("insurer offer")
        verbose_name_plural = _("insurer offers")
        ordering = ["quote", "commercial_premium"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "insurer"], name="%(app_label)s_%(class)s_unique_insurer")
        ]

    def __str__(self):
        return f"{self.insurer} {self.total}"

    @property
    def total(self):
        return self.commercial_premium + self.ctpl_premium + self.vehicle_tax

    def audit_store_id(self):
        return self.quote.store_id


class QuoteOfferLine(models.Model):
    """Premium per coverage as the insurer returned it."""

    offer = models.ForeignKey(QuoteOffer, models.CASCADE, related_name="lines", verbose_name=_("offer"))
    coverage = models.ForeignKey("catalog.Coverage", models.PROTECT, related_name="+", verbose_name=_("coverage"))
    premium = models.DecimalField(_("premium"), validators=NON_NEGATIVE, **MONEY)

    class Meta:
        verbose_name = _("offer line")
        verbose_name_plural = _("offer lines")
        constraints = [
            models.UniqueConstraint(fields=["offer", "coverage"], name="%(app_label)s_%(class)s_unique_coverage")
        ]

    def __str__(self):
        return f"{self.coverage} {self.premium}"
