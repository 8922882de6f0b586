from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractStatus(models.TextChoices):
    """The approval flow of SPEC §3.10: proposed → approved → (legal review) active."""

    PROPOSED = "proposed", _("Proposed by the store")
    APPROVED = "approved", _("Approved by the group, awaiting legal review")
    ACTIVE = "active", _("Active")
    REJECTED = "rejected", _("Rejected")
    TERMINATED = "terminated", _("Terminated")


# Statuses that occupy one of the store's partner places.
PARTNER_STATUSES = (ContractStatus.PROPOSED, ContractStatus.APPROVED, ContractStatus.ACTIVE)


class CommissionBase(models.TextChoices):
    WITH_VAT = "with_vat", _("Premium including VAT")
    WITHOUT_VAT = "without_vat", _("Premium excluding VAT")
