"""Messages to customers and staff (SPEC §3.12): what was sent, to whom, through
which adapter, and how the delivery went. One row per idempotency key: a message
is never sent twice."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from chexian.core.models import AuditedModel, TimeStampedModel
from chexian.core.querysets import RestrictedQuerySet
from chexian.notifications.choices import Delivery, MessageStatus


class Message(AuditedModel, TimeStampedModel):
    store = models.ForeignKey("org.Store", models.PROTECT, related_name="messages", verbose_name=_("store"))
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, null=True, blank=True, related_name="messages",
        verbose_name=_("customer"),
    )
    channel = models.CharField(_("channel"), max_length=10)
    recipient = models.CharField(_("recipient"), max_length=200)
    body = models.TextField(_("text"))
    params = models.JSONField(_("template values"), default=dict, blank=True,
                              help_text=_("The values an SMS template is filled with (name, plate, date)."))
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices,
                              default=MessageStatus.QUEUED)
    adapter = models.CharField(_("adapter"), max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    provider_id = models.CharField(_("gateway's message id"), max_length=64, blank=True, db_index=True,
                                   help_text=_("e.g. the BizId Alibaba Cloud returns; its delivery receipt names it."))
    delivery = models.CharField(_("delivery"), max_length=12, choices=Delivery.choices, blank=True, default="")
    delivered_at = models.DateTimeField(_("receipt time"), null=True, blank=True)
    delivery_error = models.CharField(_("receipt error"), max_length=200, blank=True)

    objects = RestrictedQuerySet.as_manager()
    permission_object = "message"
    # The text names the customer and the plate; the log keeps who, when and how it went.
    audit_exclude = ("created_at", "updated_at", "body")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="message_status_next_idx")]

    def __str__(self):
        return f"{self.channel} {self.recipient}"
