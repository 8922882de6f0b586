from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceKind(models.TextChoices):
    """What the workshop did, as the DMS types its work orders (工单类型)."""

    MAINTENANCE = "maintenance", _("Maintenance (保养)")
    REPAIR = "repair", _("Repair (一般维修)")
    ACCIDENT_REPAIR = "accident_repair", _("Accident repair (事故维修)")
    WASH = "wash", _("Wash (洗车)")
    BEAUTY = "beauty", _("Beauty and accessories (美容装潢)")
    OTHER = "other", _("Other (其他)")


class ServiceSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("Imported from the DMS")
