"""Insurer remittances (保险公司回款) — SPEC §3.8.

A remittance is one payment an insurer made to a store — one bank transfer —
with the insurer's list of what it pays for (回款明细). Each entry of the list
is a ``RemittanceLine``: for claim payments a report number (报案号) and an
amount. A line's money reaches what it pays for through ``Allocation`` rows:
today a claim case (``claims.ClaimCase``); commission statements (SPEC §3.7)
will be the second kind of target. A line may be split over several targets
and a case paid from several lines (partial payments); what a line has not
allocated stays on the unmatched list until someone matches it.

``services`` makes every change. The money on the case side moves only through
``claims.services.apply_payment``, under the case's row lock, so that a case is
never paid twice.
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
from chexian.remittances.choices import Purpose, RemittanceSource

ZERO = Decimal("0")
CENT = Decimal("0.01")


def _money(verbose, **kwargs):
    return models.DecimalField(verbose, max_digits=12, decimal_places=2, **kwargs)


class Remittance(AuditedModel, TimeStampedModel):
    """One payment from an insurer to a store, with the list of what it pays for.

    Entered by hand from the bank slip and the insurer's list, or imported from
    the insurer's export (.xlsx/.csv). The lines add up to the total.
    """

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="remittances", verbose_name=_("store"))
    insurer = models.ForeignKey("insurers.Insurer", models.PROTECT, related_name="remittances",
                                verbose_name=_("insurer"))
    number = models.CharField(_("remittance number"), max_length=30, unique=True, editable=False,
                              help_text=_("The store's own number: store code, year and a sequence."))
    purpose = models.CharField(_("paid for"), max_length=12, choices=Purpose.choices, default=Purpose.CLAIMS)
    received_on = models.DateField(_("received on"), help_text=_("The day the money reached the store's account."))
    reference = models.CharField(_("bank reference (回款流水号)"), max_length=60, blank=True,
                                 help_text=_("The bank transfer's serial number; one remittance per reference."))
    total_amount = _money(_("total amount"), validators=[MinValueValidator(CENT)])
    source = models.CharField(_("entered as"), max_length=8, choices=RemittanceSource.choices,
                              default=RemittanceSource.MANUAL, editable=False)
    file_name = models.CharField(_("imported file"), max_length=200, blank=True, editable=False)
    # The same file imported twice for the same store and insurer is refused by this hash.
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True, editable=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("recorded by"))

    objects = RestrictedQuerySet.as_manager()
    permission_object = "remittance"

    class Meta:
        verbose_name = _("insurer remittance")
        verbose_name_plural = _("insurer remittances")
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["store", "received_on"], name="remittance_store_received_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_amount__gt=0), name="%(app_label)s_%(class)s_total_positive",
                violation_error_message=_("A remittance's total is more than zero."),
            ),
            models.UniqueConstraint(
                fields=["store", "insurer", "file_sha256"], condition=~Q(file_sha256=""),
                name="%(app_label)s_%(class)s_unique_file",
                violation_error_message=_("This file was already imported for this store and insurer."),
            ),
            models.UniqueConstraint(
                fields=["store", "insurer", "reference"], condition=~Q(reference=""),
                name="%(app_label)s_%(class)s_unique_reference",
                violation_error_message=_("A remittance with this bank reference is already recorded."),
            ),
        ]

    def __str__(self):
        return f"{self.number} ¥{self.total_amount}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("remittances:remittance_detail", args=[self.pk])

    @staticmethod
    def lines_total_error(total, amounts) -> ValidationError | None:
        """The rule "the lines add up to the total", for lines saved or still in a form."""
        lines_total = sum((amount or ZERO for amount in amounts), ZERO)
        if total is not None and lines_total != total:
            return ValidationError(
                {"total_amount": [ValidationError(
                    _("The lines add up to ¥%(lines)s but the total is ¥%(total)s: they must be equal.")
                    % {"lines": lines_total, "total": total}, code="total_mismatch")]})
        return None

    def clean(self):
        if self.pk:
            error = self.lines_total_error(self.total_amount, self.lines.values_list("amount", flat=True))
            if error:
                raise error


class LineQuerySet(RestrictedQuerySet):
    """Lines are scoped by their remittance's store."""

    store_field = "remittance__store"

    def unmatched(self):
        """Lines with money not yet allocated to anything."""
        return self.filter(allocated_amount__lt=F("amount"))


class RemittanceLine(AuditedModel):
    """One entry of the insurer's list: what it pays and, for a claim, the report number."""

    remittance = models.ForeignKey(Remittance, models.PROTECT, related_name="lines", verbose_name=_("remittance"))
    line_no = models.PositiveIntegerField(_("line"))
    report_no = models.CharField(_("report number (报案号)"), max_length=40, blank=True, db_index=True,
                                 help_text=_("The insurer's claim report number, as on the claim case."))
    policy_number = models.CharField(_("policy number"), max_length=40, blank=True)
    plate = models.CharField(_("plate"), max_length=20, blank=True)
    payee = models.CharField(_("payee (as the insurer lists it)"), max_length=100, blank=True)
    paid_on = models.DateField(_("paid on (insurer's date)"), null=True, blank=True)
    amount = _money(_("amount"), validators=[MinValueValidator(CENT)])
    # The sum of the line's allocations still in force, kept here under the line's row lock.
    allocated_amount = _money(_("allocated"), default=ZERO, editable=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    source_row = models.PositiveIntegerField(_("row in the file"), null=True, blank=True, editable=False)

    objects = LineQuerySet.as_manager()
    permission_object = "remittance"
    # The allocations carry the audit of matching; the running sum would only repeat it.
    audit_exclude = ("allocated_amount",)

    class Meta:
        verbose_name = _("remittance line")
        verbose_name_plural = _("remittance lines")
        ordering = ["remittance", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["remittance", "line_no"], name="%(app_label)s_%(class)s_unique_line_no"),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="%(app_label)s_%(class)s_amount_positive",
                violation_error_message=_("A line's amount is more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(allocated_amount__gte=0) & Q(allocated_amount__lte=F("amount")),
                name="%(app_label)s_%(class)s_not_over_allocated",
                violation_error_message=_("A line cannot allocate more money than it carries."),
            ),
        ]

    def __str__(self):
        return f"{self.remittance.number} #{self.line_no} {self.report_no} ¥{self.amount}".replace("  ", " ")

    @property
    def unallocated(self) -> Decimal:
        return (self.amount or ZERO) - self.allocated_amount

    def audit_store_id(self):
        return self.remittance.store_id


class AllocationQuerySet(RestrictedQuerySet):
    store_field = "line__remittance__store"

    def active(self):
        return self.filter(reversed_at__isnull=True)


class Allocation(AuditedModel):
    """Money of one remittance line put towards one target: a claim case (claim payments)
    or a commission statement (commission).

    An allocation is never deleted: unmatching reverses it with a reason, so the
    line shows what was matched, by whom, and why it was undone.
    """

    line = models.ForeignKey(RemittanceLine, models.PROTECT, related_name="allocations", verbose_name=_("line"))
    claim = models.ForeignKey("claims.ClaimCase", models.PROTECT, null=True, blank=True,
                              related_name="remittance_allocations", verbose_name=_("claim case"))
    statement = models.ForeignKey("statements.Statement", models.PROTECT, null=True, blank=True,
                                  related_name="remittance_allocations", verbose_name=_("commission statement"))
    amount = _money(_("amount"), validators=[MinValueValidator(CENT)])
    auto = models.BooleanField(_("matched automatically"), default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("matched by"))
    at = models.DateTimeField(_("matched at"))
    reversed_at = models.DateTimeField(_("unmatched at"), null=True, blank=True)
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("unmatched by"))
    reversal_reason = models.CharField(_("why unmatched"), max_length=300, blank=True)

    objects = AllocationQuerySet.as_manager()
    permission_object = "remittance"

    class Meta:
        verbose_name = _("remittance allocation")
        verbose_name_plural = _("remittance allocations")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(claim__isnull=False, statement__isnull=True) | Q(claim__isnull=True,
                                                                            statement__isnull=False),
                name="%(app_label)s_%(class)s_one_target",
                violation_error_message=_("An allocation pays exactly one thing: a claim case or a commission "
                                          "statement."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="%(app_label)s_%(class)s_amount_positive",
                violation_error_message=_("An allocated amount is more than zero."),
            ),
        ]

    def __str__(self):
        return f"¥{self.amount} → {self.target}"

    @property
    def target(self):
        return self.claim if self.claim_id else self.statement

    @property
    def is_active(self) -> bool:
        return self.reversed_at is None

    def audit_store_id(self):
        return self.line.remittance.store_id
