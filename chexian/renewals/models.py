"""Renewal cases (续保任务), the reminder rules that schedule their contacts, the
tasks and messages the daily job produces, and the contacts logged (SPEC §3.4)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from chexian.core.models import AuditedModel, TimeStampedModel
from chexian.core.querysets import RestrictedQuerySet
from chexian.renewals.choices import CallOutcome, CaseStatus, Channel, LostReason, Segment, TaskStatus

MONEY = {"max_digits": 12, "decimal_places": 2}
DEFAULT_SMS_TEXT = "【{store}】尊敬的{name}，您的爱车{plate}保险将于{date}到期，欢迎回店续保，详询本店保险专员。"


class ReminderRule(AuditedModel, TimeStampedModel):
    """When a store contacts a customer about a renewal: from ``start_days_before``
    the expiry, then every ``interval_days``, until the expiry. The seed's default:
    an SMS from 45 days, every two weeks; a call with a quote from 30 days, every half month."""

    store = models.ForeignKey("org.Store", models.CASCADE, related_name="reminder_rules", verbose_name=_("store"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    start_days_before = models.PositiveSmallIntegerField(
        _("from (days before expiry)"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    interval_days = models.PositiveSmallIntegerField(
        _("every (days)"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    template = models.CharField(
        _("message text"), max_length=300, blank=True, default=DEFAULT_SMS_TEXT,
        help_text=_("For SMS: {store}, {name}, {plate} and {date} (the expiry date) are filled in."),
    )

    objects = RestrictedQuerySet.as_manager()
    permission_object = "renewal"

    class Meta:
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        ordering = ["store", "-start_days_before", "channel"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_days_before__gte=1) & models.Q(interval_days__gte=1),
                name="%(app_label)s_%(class)s_positive",
                violation_error_message=_("A reminder starts at least one day before expiry and repeats at least "
                                          "every day."),
            ),
        ]

    def clean(self):
        if self.channel == Channel.SMS:
            if not self.template.strip():
                raise ValidationError({"template": _("An SMS rule needs its message text.")}, code="required")
            try:
                self.template.format(store="", name="", plate="", date="")
            except (KeyError, IndexError, ValueError):
                raise ValidationError(
                    {"template": _("Only {store}, {name}, {plate} and {date} can be filled in.")}, code="placeholder"
                ) from None

    def render(self, **values) -> str:
        return self.template.format(**values)

    def __str__(self):
        return _("%(channel)s from %(start)s days before, every %(every)s days") % {
            "channel": self.get_channel_display(), "start": self.start_days_before, "every": self.interval_days,
        }


class RenewalCaseQuerySet(RestrictedQuerySet):
    def open(self):
        return self.filter(status=CaseStatus.OPEN)


class RenewalCase(AuditedModel, TimeStampedModel):
    """One per vehicle and expiring period: the work of winning its renewal.

    ``due_date`` is the last day of cover of the earliest of the vehicle's
    policies at the store that end in the period; the others ending within
    ``PERIOD_DAYS`` of it belong to the same case."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="renewal_cases", verbose_name=_("store"))
    vehicle = models.ForeignKey(
        "customers.Vehicle", models.PROTECT, related_name="renewal_cases", verbose_name=_("vehicle")
    )
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="renewal_cases", verbose_name=_("customer")
    )
    expiring_policy = models.ForeignKey(
        "policies.Policy", models.PROTECT, related_name="renewal_cases", verbose_name=_("expiring policy")
    )
    due_date = models.DateField(_("expiry date"))
    expiring_premium = models.DecimalField(_("expiring premium"), default=0, **MONEY)
    segment = models.CharField(_("segment"), max_length=30, choices=Segment.choices)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="renewal_cases",
        verbose_name=_("specialist"),
    )
    status = models.CharField(_("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    renewed_policy = models.ForeignKey(
        "policies.Policy", models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("renewal policy"),
    )
    lost_reason = models.CharField(_("reason lost"), max_length=20, choices=LostReason.choices, blank=True)
    lost_to_insurer = models.ForeignKey(
        "insurers.Insurer", models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("insurer that won it"),
    )
    lost_to_channel = models.CharField(_("channel that won it"), max_length=100, blank=True)
    outcome_note = models.CharField(_("note"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("closed by")
    )
    likelihood = models.DecimalField(_("likelihood to renew"), max_digits=4, decimal_places=3, null=True,
                                     blank=True)
    likelihood_reasons = models.JSONField(_("why"), default=dict, blank=True)

    objects = RenewalCaseQuerySet.as_manager()
    # The score is recomputed every day from the store's history: not a change anyone made.
    audit_exclude = ("created_at", "updated_at", "likelihood", "likelihood_reasons")
    permission_object = "renewal"

    class Meta:
        verbose_name = _("renewal case")
        verbose_name_plural = _("renewal cases")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle", "due_date"], name="%(app_label)s_%(class)s_one_per_vehicle_period",
                violation_error_message=_("This vehicle already has a renewal case for this period."),
            ),
        ]
        indexes = [
            models.Index(fields=["store", "status", "due_date"], name="renewal_store_status_due_idx"),
            models.Index(fields=["assigned_to", "status"], name="renewal_assigned_status_idx"),
        ]

    def __str__(self):
        return f"{self.vehicle} {self.due_date:%Y-%m-%d}"

    def clean(self):
        if self.status == CaseStatus.LOST and not self.lost_reason:
            raise ValidationError({"lost_reason": _("A lost renewal needs its reason.")}, code="lost_reason_required")


class TaskQuerySet(RestrictedQuerySet):
    store_field = "case__store"


class ContactTask(AuditedModel, TimeStampedModel):
    """A contact the reminder rules made due: a call for the specialist's queue, or
    an SMS (its ``message`` is what was sent). One per case, rule and due day."""

    case = models.ForeignKey(RenewalCase, models.CASCADE, related_name="tasks", verbose_name=_("renewal case"))
    rule = models.ForeignKey(
        ReminderRule, models.PROTECT, null=True, blank=True, related_name="tasks", verbose_name=_("rule"),
        help_text=_("Empty for a follow-up the specialist scheduled."),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.DUE)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    objects = TaskQuerySet.as_manager()
    permission_object = "renewal"

    class Meta:
        verbose_name = _("contact task")
        verbose_name_plural = _("contact tasks")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "rule", "due_on"], name="%(app_label)s_%(class)s_once"),
        ]
        indexes = [models.Index(fields=["status", "channel", "due_on"], name="task_status_channel_due_idx")]

    def __str__(self):
        return f"{self.get_channel_display()} {self.due_on:%Y-%m-%d}"

    def audit_store_id(self):
        return self.case.store_id


class ContactLogQuerySet(RestrictedQuerySet):
    store_field = "case__store"


class ContactLog(AuditedModel, TimeStampedModel):
    """A call (or other contact) the specialist made, its outcome and the next step."""

    case = models.ForeignKey(RenewalCase, models.CASCADE, related_name="contacts", verbose_name=_("renewal case"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.CALL)
    outcome = models.CharField(_("outcome"), max_length=20, choices=CallOutcome.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    next_contact_on = models.DateField(_("next contact on"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by"))

    objects = ContactLogQuerySet.as_manager()
    permission_object = "renewal"

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_outcome_display()} {self.created_at:%Y-%m-%d}"

    def audit_store_id(self):
        return self.case.store_id


class RenewalModel(models.Model):
    """A fitted likelihood-to-renew model (``renewals.likelihood``): the group's
    (``store`` empty) or one store's, with its holdout quality."""

    group = models.ForeignKey("org.DealerGroup", models.CASCADE, related_name="+", verbose_name=_("group"))
    store = models.ForeignKey("org.Store", models.CASCADE, null=True, blank=True, related_name="+",
                              verbose_name=_("store"))
    trained_on = models.DateField(_("trained on"))
    parameters = models.JSONField(_("parameters"), default=dict)

    objects = RestrictedQuerySet.as_manager()
    permission_object = "renewal"

    class Meta:
        verbose_name = _("renewal model")
        verbose_name_plural = _("renewal models")
        ordering = ["group", "store"]

    def __str__(self):
        return f"{self.store or self.group} {self.trained_on:%Y-%m-%d}"


class RenewalTarget(AuditedModel, TimeStampedModel):
    """A specialist's renewal target for a month (cases renewed here), set by the supervisor."""

    store = models.ForeignKey("org.Store", models.CASCADE, related_name="renewal_targets", verbose_name=_("store"))
    specialist = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="renewal_targets",
                                   verbose_name=_("specialist"))
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    target = models.PositiveIntegerField(_("renewals targeted"))

    objects = RestrictedQuerySet.as_manager()
    permission_object = "renewal"

    class Meta:
        verbose_name = _("renewal target")
        verbose_name_plural = _("renewal targets")
        ordering = ["-month", "store", "specialist"]
        constraints = [
            models.UniqueConstraint(fields=["store", "specialist", "month"], name="%(app_label)s_%(class)s_once"),
        ]

    def __str__(self):
        return f"{self.specialist} {self.month:%Y-%m} {self.target}"
