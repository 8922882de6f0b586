from django.db import models
from django.utils.translation import gettext_lazy as _


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Asking insurers")
    CHOSEN = "chosen", _("Insurer chosen")
    ISSUED = "issued", _("Issued")
    EXPIRED = "expired", _("Expired")
