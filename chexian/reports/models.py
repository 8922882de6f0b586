"""What the reports keep: the stores' yearly commission targets (for the group
ranking, seed-002 §4.7.2) and the month close — a month's reports frozen as
submitted, so later corrections show as differences, never as silent changes."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from chexian.core.models import AuditedModel, TimeStampedModel
from chexian.core.querysets import RestrictedQuerySet


class StoreTarget(AuditedModel, TimeStampedModel):
    """A store's commission target for a year, set by the group office."""

    store = models.ForeignKey("org.Store", models.CASCADE, related_name="+", verbose_name=_("store"))
    year = models.PositiveSmallIntegerField(_("year"))
    commission_target = models.DecimalField(_("commission target"), max_digits=14, decimal_places=2,
                                            validators=[MinValueValidator(0)])

    objects = RestrictedQuerySet.as_manager()
    permission_object = "report"

    class Meta:
        verbose_name = _("store commission target")
        verbose_name_plural = _("store commission targets")
        ordering = ["-year", "store__code"]
        constraints = [models.UniqueConstraint(fields=["store", "year"], name="reports_target_once_per_year")]

    def __str__(self):
        return f"{self.store.code} {self.year}: ¥{self.commission_target}"


class MonthClose(AuditedModel):
    """A store's month, closed by its supervisor: the reports as submitted."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    closed_at = models.DateTimeField(_("closed at"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                  verbose_name=_("closed by"))
    on_time = models.BooleanField(_("closed on time"), help_text=_("By the deadline: the group's day of the next "
                                                                   "month (CHEXIAN_CLOSE_DAY)."))

    objects = RestrictedQuerySet.as_manager()
    permission_object = "report"

    class Meta:
        verbose_name = _("month close")
        verbose_name_plural = _("month closes")
        ordering = ["-month", "store__code"]
        constraints = [models.UniqueConstraint(fields=["store", "month"], name="reports_close_once")]

    def __str__(self):
        return f"{self.store.code} {self.month:%Y-%m}"


class FrozenReport(models.Model):
    """One report of a closed month, as it was submitted (its JSON, docs/reports-json.md)."""

    close = models.ForeignKey(MonthClose, models.CASCADE, related_name="reports", verbose_name=_("month close"))
    code = models.CharField(_("report"), max_length=40)
    options = models.JSONField(_("options"), default=dict)
    payload = models.JSONField(_("report as submitted"))

    class Meta:
        verbose_name = _("frozen report")
        verbose_name_plural = _("frozen reports")
        constraints = [models.UniqueConstraint(fields=["close", "code"], name="reports_frozen_once")]

    def __str__(self):
        return f"{self.close} · {self.code}"
