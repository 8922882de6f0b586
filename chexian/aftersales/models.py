"""After-sales service orders (工单) — SPEC §2, §3.4, §3.5."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chexian.aftersales.choices import ServiceKind, ServiceSource
from chexian.core.models import AuditedModel, TimeStampedModel
from chexian.core.querysets import RestrictedQuerySet

MONEY = {"max_digits": 12, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(0)]


class ServiceOrder(AuditedModel, TimeStampedModel):
    """A work order of the store's workshop (工单): maintenance, a repair, an
    accident repair, a wash or beauty work on one vehicle, as the DMS records it.

    Orders come from the DMS export (``importer.py``) or are entered by hand. The
    insurance desk reads them, never works them: they show which cars come here
    for service — the cars serviced here but insured elsewhere (在修不在保) are the
    desk's best prospects — and how often, which the likelihood to renew weighs.
    An order is the store's by its number (工单号): importing the DMS file again
    finds it and changes it only where the file changed.
    """

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="service_orders", verbose_name=_("store"))
    vehicle = models.ForeignKey(
        "customers.Vehicle", models.PROTECT, related_name="service_orders", verbose_name=_("vehicle")
    )
    # The vehicle's owner when the order was recorded: a later transfer (过户) does not rewrite history.
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="service_orders", verbose_name=_("customer")
    )
    number = models.CharField(
        _("order number (工单号)"), max_length=30, help_text=_("As the DMS numbers it; unique within the store.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ServiceKind.choices, default=ServiceKind.OTHER)
    opened_on = models.DateField(_("opened on (开单日期)"), help_text=_("The day the car came in."))
    closed_on = models.DateField(
        _("settled on (结算日期)"), null=True, blank=True, help_text=_("Empty while the order is open.")
    )
    amount = models.DecimalField(
        _("amount (结算金额)"), validators=NON_NEGATIVE, help_text=_("Yuan, including VAT, as settled."), **MONEY
    )
    labour_amount = models.DecimalField(
        _("labour (工时费)"), null=True, blank=True, validators=NON_NEGATIVE, **MONEY
    )
    parts_amount = models.DecimalField(
        _("parts and materials (材料费)"), null=True, blank=True, validators=NON_NEGATIVE, **MONEY
    )
    mileage = models.PositiveIntegerField(_("mileage (km)"), null=True, blank=True)
    # A name, not a user: advisors work in the DMS and most have no Chexian login.
    advisor = models.CharField(_("service advisor (服务顾问)"), max_length=50, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=ServiceSource.choices,
                              default=ServiceSource.MANUAL)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()
    permission_object = "service"

    class Meta:
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "number"], name="%(app_label)s_%(class)s_unique_store_number",
                violation_error_message=_("This store already has a service order with this number."),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="%(app_label)s_%(class)s_closed_after_opened",
                violation_error_message=_("A service order cannot be settled before it was opened."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="%(app_label)s_%(class)s_amount_not_negative",
                violation_error_message=_("The amount cannot be negative."),
            ),
        ]
        indexes = [
            # A vehicle's visits in a period: the likelihood's feature, the case page, 在修不在保.
            models.Index(fields=["store", "vehicle", "opened_on"], name="svc_store_vehicle_opened_idx"),
            # The list, newest first, and the last year's visits of a store.
            models.Index(fields=["store", "opened_on"], name="svc_store_opened_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.vehicle}" if self.vehicle_id else self.number

    def clean_fields(self, exclude=None):
        self.number = "".join((self.number or "").split()).upper()
        self.advisor = (self.advisor or "").strip()
        super().clean_fields(exclude=exclude)

    def clean(self):
        errors = {}
        if self.opened_on and self.opened_on > timezone.localdate():
            errors["opened_on"] = [ValidationError(
                _("A service order cannot be opened in the future."), code="opened_in_future")]
        if self.opened_on and self.closed_on and self.closed_on < self.opened_on:
            errors["closed_on"] = [ValidationError(
                _("A service order cannot be settled before it was opened."), code="closed_before_opened")]
        parts = [value for value in (self.labour_amount, self.parts_amount) if value is not None]
        if self.amount is not None and parts and sum(parts) > self.amount:
            errors["amount"] = [ValidationError(
                _("Labour and parts (%(parts)s) add up to more than the amount (%(amount)s).")
                % {"parts": sum(parts), "amount": self.amount}, code="parts_exceed_amount")]
        if self.store_id and self.vehicle_id and self.vehicle.store_id != self.store_id:
            errors["vehicle"] = [ValidationError(_("The vehicle belongs to another store."),
                                                 code="vehicle_other_store")]
        if self.store_id and self.customer_id and self.customer.store_id != self.store_id:
            errors["customer"] = [ValidationError(_("The customer belongs to another store."),
                                                  code="customer_other_store")]
        if errors:
            raise ValidationError(errors)
