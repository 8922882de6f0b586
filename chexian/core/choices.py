from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    UNMASK = "unmask", _("Unmasked identity number")
    EXPORT = "export", _("Exported")
    MERGE = "merge", _("Merged")
    TRANSFER = "transfer", _("Transferred")
    BULK_CREATE = "bulk_create", _("Created in bulk")
