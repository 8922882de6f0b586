"""The blank-form register (重要单证登记簿) — SPEC §3.9, seed-002 §2.3.4.

Insurers hand a store numbered paper: policy forms, compulsory-insurance marks,
invoices. The store manages them like bank cheques. A ``FormBatch`` is one
serial range received from an insurer; it creates one ``BlankForm`` per serial,
in stock. A form is then issued to a person, used by a policy, voided (the
spoilt original kept), returned to the insurer or reported lost; every change
is a ``FormMovement``, so who held what on any day can be counted. A policy
whose serial the register cannot account for leaves a ``SerialMismatch``.

The identity that must hold at every moment, per batch and overall:
received = in stock + issued + used + voided + returned + lost.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from chexian.blankforms.choices import FormKind, FormStatus, MismatchReason, Move
from chexian.core.models import AuditedModel, TimeStampedModel
from chexian.core.querysets import RestrictedQuerySet

# One batch at most: a box of forms is a few thousand; a typo of an extra digit is refused.
MAX_BATCH = 10_000


def format_serial(prefix: str, number: int, digits: int) -> str:
    return f"{prefix}{number:0{digits}d}"


class FormBatch(AuditedModel, TimeStampedModel):
    """One serial range of one kind of form, received from an insurer on a day."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    insurer = models.ForeignKey("insurers.Insurer", models.PROTECT, related_name="+", verbose_name=_("insurer"))
    kind = models.CharField(_("kind"), max_length=20, choices=FormKind.choices)
    prefix = models.CharField(_("prefix"), max_length=20, blank=True,
                              help_text=_("The letters printed before the number, if any."))
    first_number = models.PositiveBigIntegerField(_("first number"))
    last_number = models.PositiveBigIntegerField(_("last number"))
    digits = models.PositiveSmallIntegerField(
        _("digits"), default=8, validators=[MinValueValidator(1), MaxValueValidator(18)],
        help_text=_("How many digits the number is printed with, zero-padded."))
    received_on = models.DateField(_("received on"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("received by"))

    objects = RestrictedQuerySet.as_manager()
    permission_object = "blankform"

    class Meta:
        verbose_name = _("blank-form batch")
        verbose_name_plural = _("blank-form batches")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_number__gte=F("first_number")), name="%(app_label)s_%(class)s_range_in_order",
                violation_error_message=_("The last number cannot be before the first."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.first_serial}–{self.last_serial}"

    @property
    def count(self) -> int:
        return self.last_number - self.first_number + 1

    @property
    def first_serial(self) -> str:
        return format_serial(self.prefix, self.first_number, self.digits)

    @property
    def last_serial(self) -> str:
        return format_serial(self.prefix, self.last_number, self.digits)


class BlankForm(AuditedModel, TimeStampedModel):
    """One numbered form: where it is now and who answers for it."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    batch = models.ForeignKey(FormBatch, models.PROTECT, related_name="forms", verbose_name=_("batch"))
    kind = models.CharField(_("kind"), max_length=20, choices=FormKind.choices)
    serial = models.CharField(_("serial"), max_length=40)
    # The number without prefix and padding, so that a sub-range is one indexed query.
    number = models.PositiveBigIntegerField(_("number"))
    status = models.CharField(_("status"), max_length=12, choices=FormStatus.choices, default=FormStatus.IN_STOCK,
                              db_index=True)
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("holder"),
                               help_text=_("The person it was issued to; kept after use, void or loss."))
    policy = models.ForeignKey("policies.Policy", models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("policy"))
    reason = models.CharField(_("reason"), max_length=300, blank=True,
                              help_text=_("Why it was voided, returned or reported lost."))
    original_kept = models.BooleanField(_("voided original kept"), default=False,
                                        help_text=_("A voided form's spoilt original is kept for the insurer."))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("last changed by"))

    objects = RestrictedQuerySet.as_manager()
    permission_object = "blankform"

    class Meta:
        verbose_name = _("blank form")
        verbose_name_plural = _("blank forms")
        ordering = ["kind", "serial"]
        constraints = [
            # Insurers' serials are unique nationwide: one serial of a kind exists once in the whole register.
            models.UniqueConstraint(
                fields=["kind", "serial"], name="%(app_label)s_%(class)s_unique_serial",
                violation_error_message=_("This serial is already in the register."),
            ),
            models.CheckConstraint(
                condition=~Q(status=FormStatus.VOIDED) | Q(original_kept=True),
                name="%(app_label)s_%(class)s_voided_original_kept",
                violation_error_message=_("A voided form's original must be kept."),
            ),
        ]
        indexes = [
            models.Index(fields=["batch", "number"], name="blankforms_batch_number_idx"),
            models.Index(fields=["store", "holder", "status"], name="blankforms_holder_idx"),
        ]

    def __str__(self):
        return self.serial

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("blankforms:form_detail", kwargs={"pk": self.pk})


class FormMovement(models.Model):
    """One change of one form's status: the register's history and the day count's source."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    form = models.ForeignKey(BlankForm, models.PROTECT, related_name="movements", verbose_name=_("form"))
    move = models.CharField(_("move"), max_length=10, choices=Move.choices)
    from_status = models.CharField(_("from"), max_length=12, choices=FormStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=FormStatus.choices)
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("person accountable"),
                               help_text=_("Who held the form when it moved (or received it, for an issue)."))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("by"))
    at = models.DateTimeField(_("at"), db_index=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()
    permission_object = "blankform"

    class Meta:
        verbose_name = _("blank-form movement")
        verbose_name_plural = _("blank-form movements")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.form} {self.get_move_display()}"


class SerialMismatch(TimeStampedModel):
    """A policy recorded with a serial the register could not mark as used by its issuer."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="+", verbose_name=_("store"))
    policy = models.ForeignKey("policies.Policy", models.PROTECT, related_name="+", verbose_name=_("policy"))
    serial = models.CharField(_("serial"), max_length=40)
    reason = models.CharField(_("reason"), max_length=20, choices=MismatchReason.choices)
    issuer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("issuer"))
    day = models.DateField(_("day"), db_index=True)

    objects = RestrictedQuerySet.as_manager()
    permission_object = "blankform"

    class Meta:
        verbose_name = _("serial mismatch")
        verbose_name_plural = _("serial mismatches")
        ordering = ["-day", "-pk"]

    def __str__(self):
        return f"{self.serial} {self.get_reason_display()}"
