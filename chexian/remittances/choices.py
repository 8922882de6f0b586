from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    """What an insurer's payment is for; it decides what its lines are matched to.

    Claim payments (赔款) are matched to claim cases by report number. Commission
    (手续费) will be matched to the month's commission statements (SPEC §3.7) once
    they exist: the remittance, its lines and the import already take it.
    """

    CLAIMS = "claims", _("Claim payments (赔款)")
    COMMISSIONS = "commissions", _("Commission (手续费)")


class RemittanceSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("Imported from the insurer's file")
