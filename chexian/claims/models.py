"""Claim cases (理赔案件) and what travels with them — SPEC §3.6, seed-002 §4.3.

A claim case is an accident car the store repairs and claims from an insurer on
the customer's behalf (直赔): insured at the store or elsewhere. It moves through
the seed's eleven steps (``choices.Step``); ``services.advance_claim`` is the one
place that moves it, checks the data each step needs and records a
``ClaimTransition``. Documents and photos are ``ClaimDocument`` files; cases go
to the insurer in a ``HandoverBatch`` (交接单) and their old parts in an
``OldPartsHandover``; the insurer's money arrives as remittance lines
(``chexian.remittances``) allocated to the case; money owed to the customer or a
third party leaves as a ``ThirdPartyPayout`` with five signatures.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chexian.claims.choices import (
    REQUIRED_DOCUMENTS,
    ClaimType,
    Coverage,
    DocumentKind,
    OldPartsOutcome,
    PayeeKind,
    PayoutStatus,
    Step,
    Tier,
)
from chexian.core import crypto
from chexian.core.models import AuditedModel, TimeStampedModel
from chexian.core.querysets import RestrictedQuerySet
from chexian.org.choices import Role

ZERO = Decimal("0")


class CaseChildQuerySet(RestrictedQuerySet):
    """Rows of a case: scoped by the case's store."""

    store_field = "case__store"


def _money(verbose, **kwargs):
    return models.DecimalField(verbose, max_digits=12, decimal_places=2, validators=[MinValueValidator(ZERO)],
                               **kwargs)


class ClaimCase(AuditedModel, TimeStampedModel):
    """One accident car's claim, from the customer's report to the insurer's payment."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="claims", verbose_name=_("store"))
    number = models.CharField(_("case number"), max_length=30, unique=True, editable=False,
                              help_text=_("The store's own number: store code, year and a sequence."))
    insurer = models.ForeignKey("insurers.Insurer", models.PROTECT, related_name="claims",
                                verbose_name=_("insurer"))
    report_no = models.CharField(_("report number (报案号)"), max_length=40,
                                 help_text=_("The insurer's number for the report; remittances name it."))
    vehicle = models.ForeignKey("customers.Vehicle", models.PROTECT, related_name="claims", verbose_name=_("vehicle"))
    customer = models.ForeignKey("customers.Customer", models.PROTECT, related_name="claims",
                                 verbose_name=_("customer"))
    policy = models.ForeignKey("policies.Policy", models.PROTECT, null=True, blank=True, related_name="claims",
                               verbose_name=_("policy"),
                               help_text=_("The store's policy in force on the accident date, when there is one."))
    insured_here = models.BooleanField(_("insured at this store"), default=False, editable=False)
    claim_type = models.CharField(_("claim type"), max_length=12, choices=ClaimType.choices)
    coverage = models.CharField(_("cover that pays"), max_length=12, choices=Coverage.choices,
                                default=Coverage.OWN_DAMAGE)
    accident_at = models.DateTimeField(_("accident time"))
    accident_place = models.CharField(_("accident place"), max_length=200)
    accident_description = models.TextField(_("what happened"), max_length=2000)
    documents_received = models.JSONField(
        _("documents received"), default=list, blank=True,
        help_text=_("Kinds of document seen on paper or uploaded; the report step needs the claim type's list."))
    step = models.CharField(_("step"), max_length=12, choices=Step.choices, default=Step.REPORT, db_index=True)
    step_since = models.DateTimeField(_("at this step since"))
    adjuster = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="claims",
                                 verbose_name=_("adjuster"))
    # Step 2
    assessed_amount = _money(_("assessed amount (定损金额)"), null=True, blank=True)
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    assessor = models.CharField(_("insurer's assessor (定损员)"), max_length=50, blank=True)
    # Step 3
    repair_order_no = models.CharField(_("repair order number (派工单号)"), max_length=30, blank=True)
    quality_checked_by = models.CharField(_("quality checked by"), max_length=50, blank=True)
    quality_checked_on = models.DateField(_("quality checked on"), null=True, blank=True)
    # Step 4
    settlement_amount = _money(_("settlement amount (结算金额)"), null=True, blank=True,
                               help_text=_("The repair bill: what the insurer pays plus any part the customer pays."))
    insurer_amount = _money(_("due from the insurer"), null=True, blank=True,
                            help_text=_("What the insurer is to pay for this case, third-party money included."))
    third_party_amount = _money(_("owed on to the customer or a third party"), default=ZERO,
                                help_text=_("Part of the insurer's payment that the store pays on (三者回款)."))
    # Step 5
    invoice_no = models.CharField(_("invoice number"), max_length=30, blank=True)
    signed_on = models.DateField(_("settlement signed on"), null=True, blank=True,
                                 help_text=_("Adjuster, customer, finance clerk, after-sales supervisor and manager "
                                             "signed the settlement with the assessment sheet."))
    # Step 6
    tier = models.CharField(_("filing tier"), max_length=8, choices=Tier.choices, blank=True)
    # Step 7
    handover_batch = models.ForeignKey("HandoverBatch", models.PROTECT, null=True, blank=True, related_name="cases",
                                       verbose_name=_("handover batch"))
    handed_over_on = models.DateField(_("handed over on"), null=True, blank=True)
    payment_due_on = models.DateField(_("payment due on"), null=True, blank=True,
                                      help_text=_("Handover plus the insurer's promised claim-payment days."))
    # Step 8
    old_parts = models.ForeignKey("OldPartsHandover", models.PROTECT, null=True, blank=True, related_name="cases",
                                  verbose_name=_("old parts record"))
    # Step 9: the sum of the remittance allocations, kept here under the case's row lock.
    paid_amount = _money(_("paid by the insurer"), default=ZERO, editable=False)
    paid_on = models.DateField(_("paid in full on"), null=True, blank=True, editable=False)
    # Step 10
    returned_count = models.PositiveSmallIntegerField(_("times returned by the insurer"), default=0, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("opened by"))

    objects = RestrictedQuerySet.as_manager()
    permission_object = "claim"

    class Meta:
        verbose_name = _("claim case")
        verbose_name_plural = _("claim cases")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["store", "step"], name="claims_store_step_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["insurer", "report_no"], name="%(app_label)s_%(class)s_unique_report",
                violation_error_message=_("This insurer's report number already has a claim case."),
            ),
            models.CheckConstraint(
                condition=Q(insurer_amount__isnull=True) | Q(paid_amount__lte=models.F("insurer_amount")),
                name="%(app_label)s_%(class)s_not_paid_twice",
                violation_error_message=_("A case cannot be paid more than is due from the insurer."),
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.report_no}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("claims:claim_detail", args=[self.pk])

    @property
    def required_documents(self) -> tuple[str, ...]:
        return REQUIRED_DOCUMENTS.get(self.claim_type, ())

    @property
    def missing_documents(self) -> list[str]:
        have = set(self.documents_received or [])
        return [kind for kind in self.required_documents if kind not in have]

    @property
    def outstanding(self) -> Decimal:
        """What the insurer still owes for this case."""
        return (self.insurer_amount or ZERO) - self.paid_amount

    def clean(self):
        errors = {}
        if self.settlement_amount is not None and self.insurer_amount is not None \
                and self.insurer_amount > self.settlement_amount + self.third_party_amount:
            errors["insurer_amount"] = _("Due from the insurer is at most the settlement plus the third-party money.")
        if self.insurer_amount is not None and self.third_party_amount > self.insurer_amount:
            errors["third_party_amount"] = _("The money owed on is part of what the insurer pays: at most that.")
        unknown = [k for k in self.documents_received or [] if k not in DocumentKind.values]
        if unknown:
            errors["documents_received"] = _("Unknown document kinds: %(kinds)s.") % {"kinds": ", ".join(unknown)}
        if self.vehicle_id and self.store_id and getattr(self, "vehicle", None) \
                and self.vehicle.store_id != self.store_id:
            errors["vehicle"] = _("The vehicle belongs to another store.")
        if errors:
            raise ValidationError(errors)


class ClaimTransition(models.Model):
    """One move of a case between steps: who, when, from where to where, and why when it went back."""

    case = models.ForeignKey(ClaimCase, models.CASCADE, related_name="transitions", verbose_name=_("claim case"))
    from_step = models.CharField(_("from"), max_length=12, choices=Step.choices, blank=True)
    to_step = models.CharField(_("to"), max_length=12, choices=Step.choices)
    backwards = models.BooleanField(_("went back"), default=False)
    by_insurer = models.BooleanField(_("returned by the insurer (核赔退回)"), default=False)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    data = models.JSONField(_("data recorded"), default=dict, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("claim step change")
        verbose_name_plural = _("claim step changes")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.from_step or '—'} → {self.to_step}"


def _document_path(instance, filename):
    return f"claims/{instance.case.store_id}/{instance.case_id}/{filename}"


class ClaimDocument(AuditedModel, TimeStampedModel):
    """A photo or a scanned document of a case, stored through Django's storage API."""

    case = models.ForeignKey(ClaimCase, models.PROTECT, related_name="documents", verbose_name=_("claim case"))
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=_document_path, max_length=300)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=_document_path, max_length=300, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    step = models.CharField(_("taken at step"), max_length=12, choices=Step.choices)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))

    objects = CaseChildQuerySet.as_manager()
    permission_object = "claim"

    class Meta:
        verbose_name = _("claim document")
        verbose_name_plural = _("claim documents")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.original_name

    def audit_store_id(self):
        return self.case.store_id


class HandoverBatch(AuditedModel, TimeStampedModel):
    """A batch of filed cases handed to one insurer with a signed handover list (交接单, step 7)."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="claim_handovers", verbose_name=_("store"))
    insurer = models.ForeignKey("insurers.Insurer", models.PROTECT, related_name="+", verbose_name=_("insurer"))
    number = models.CharField(_("handover number"), max_length=30, unique=True, editable=False)
    handed_over_on = models.DateField(_("handed over on"))
    received_by = models.CharField(_("received by (insurer's staff)"), max_length=50,
                                   help_text=_("The assessor or claims clerk who checked and signed the list."))
    total_amount = _money(_("total due"), default=ZERO, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("handed over by"))

    objects = RestrictedQuerySet.as_manager()
    permission_object = "claim"

    class Meta:
        verbose_name = _("handover batch")
        verbose_name_plural = _("handover batches")
        ordering = ["-handed_over_on", "-pk"]

    def __str__(self):
        return self.number


class HandoverItem(models.Model):
    """A case in a batch, kept when the insurer returns the case and it is handed over again."""

    batch = models.ForeignKey(HandoverBatch, models.CASCADE, related_name="items", verbose_name=_("batch"))
    case = models.ForeignKey(ClaimCase, models.PROTECT, related_name="handover_items", verbose_name=_("case"))
    # As handed over: a returned case may be settled and filed differently before it goes again.
    tier = models.CharField(_("filing tier"), max_length=8, choices=Tier.choices)
    settlement_amount = _money(_("settlement amount"))
    amount = _money(_("due"))

    class Meta:
        verbose_name = _("handover line")
        verbose_name_plural = _("handover lines")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["batch", "case"], name="%(app_label)s_%(class)s_unique")]

    def __str__(self):
        return f"{self.batch_id}: {self.case_id}"


class OldPartsHandover(AuditedModel, TimeStampedModel):
    """Old parts of one or more cases handed to the insurer, or destroyed, with signatures (step 8)."""

    store = models.ForeignKey("org.Store", models.PROTECT, related_name="old_parts_handovers",
                              verbose_name=_("store"))
    insurer = models.ForeignKey("insurers.Insurer", models.PROTECT, related_name="+", verbose_name=_("insurer"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=OldPartsOutcome.choices)
    done_on = models.DateField(_("date"))
    signed_by_insurer = models.CharField(_("signed by (insurer)"), max_length=50, blank=True)
    signed_by_store = models.CharField(_("signed by (store)"), max_length=50)
    note = models.CharField(_("parts and note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("recorded by"))

    objects = RestrictedQuerySet.as_manager()
    permission_object = "claim"

    class Meta:
        verbose_name = _("old parts handover")
        verbose_name_plural = _("old parts handovers")
        ordering = ["-done_on", "-pk"]

    def __str__(self):
        return f"{self.get_outcome_display()} {self.done_on}"

    def clean(self):
        if self.outcome == OldPartsOutcome.HANDED_OVER and not self.signed_by_insurer:
            raise ValidationError({"signed_by_insurer": _("Parts handed to the insurer need its signature.")})


class ThirdPartyPayout(AuditedModel, TimeStampedModel):
    """Money from the insurer's payment that the store pays on to the customer or a third
    party (三者回款, step 11). Five signatures in order, the payee's confirmation, then paid."""

    case = models.ForeignKey(ClaimCase, models.PROTECT, related_name="payouts", verbose_name=_("claim case"))
    payee_kind = models.CharField(_("payee"), max_length=12, choices=PayeeKind.choices)
    payee_name = models.CharField(_("payee name"), max_length=100)
    bank_name = models.CharField(_("bank"), max_length=100)
    account_name = models.CharField(_("account holder"), max_length=100,
                                    help_text=_("As the bank has it; must be the payee."))
    account_encrypted = models.TextField(_("account number (encrypted)"), editable=False)
    account_masked = models.CharField(_("account number"), max_length=40, editable=False)
    amount = _money(_("amount"))
    status = models.CharField(_("status"), max_length=12, choices=PayoutStatus.choices, default=PayoutStatus.SIGNING)
    payee_confirmed_on = models.DateField(_("payee signed the receipt on"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("paid by"))
    bank_reference = models.CharField(_("bank transfer reference"), max_length=50, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("requested by"))

    objects = CaseChildQuerySet.as_manager()
    permission_object = "claim"
    audit_exclude = ("created_at", "updated_at", "account_encrypted")

    class Meta:
        verbose_name = _("third-party payout")
        verbose_name_plural = _("third-party payouts")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.payee_name} ¥{self.amount}"

    def audit_store_id(self):
        return self.case.store_id

    @property
    def account_number(self) -> str:
        return crypto.decrypt(self.account_encrypted) if self.account_encrypted else ""

    @account_number.setter
    def account_number(self, value: str):
        self.account_encrypted = crypto.encrypt(value)
        self.account_masked = crypto.mask_identifier(value, head=4, tail=4)


class PayoutSignature(AuditedModel):
    """One of the five signatures on a payout's approval form, by a holder of the position's role."""

    payout = models.ForeignKey(ThirdPartyPayout, models.CASCADE, related_name="signatures",
                               verbose_name=_("payout"))
    position = models.PositiveSmallIntegerField(_("position"))
    role = models.CharField(_("signed as"), max_length=30, choices=Role.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("signed by"))
    signed_at = models.DateTimeField(_("signed at"))

    def audit_store_id(self):
        return self.payout.case.store_id

    class Meta:
        verbose_name = _("payout signature")
        verbose_name_plural = _("payout signatures")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["payout", "position"], name="%(app_label)s_%(class)s_unique_position",
                                    violation_error_message=_("This signature is already on the form.")),
            models.UniqueConstraint(fields=["payout", "user"], name="%(app_label)s_%(class)s_unique_user",
                                    violation_error_message=_("One person signs a payout once.")),
        ]
