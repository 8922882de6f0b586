from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    """What an insurer's payment is for; it decides what its lines are matched to.

    Claim payments (赔款) are matched to claim cases by report number; commission
    (手续费) to the month's commission statements (SPEC §3.7, ``statements``), by the
    statement or invoice number, or by the amount one invoiced statement still owes.
    """

    CLAIMS = "claims", _("Claim payments (赔款)")
    COMMISSIONS = "commissions", _("Commission (手续费)")


class RemittanceSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("Imported from the insurer's file")
