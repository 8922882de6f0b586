from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles of SPEC §1. A person can hold several, per store."""

    GROUP_OFFICE = "group_office", _("Group insurance office")
    AUDITOR = "auditor", _("Auditor")
    STORE_MANAGER = "store_manager", _("Store manager")
    SUPERVISOR = "supervisor", _("Insurance supervisor")
    ISSUER = "issuer", _("Policy issuer / renewal specialist")
    ADJUSTER = "adjuster", _("Claims adjuster")
    SALES = "sales", _("Sales consultant")
    DEPARTMENT = "department", _("Department staff")
    FINANCE = "finance", _("Finance")
    AFTERSALES_MANAGER = "aftersales_manager", _("After-sales manager")
    # The third-party payout needs the cashier's and the finance manager's own signatures (seed-002 §4.3 step 11).
    CASHIER = "cashier", _("Cashier")
    FINANCE_MANAGER = "finance_manager", _("Finance manager")


# Roles that see every store of their group rather than one store.
GROUP_WIDE_ROLES = frozenset({Role.GROUP_OFFICE, Role.AUDITOR})


class DepartmentKind(models.TextChoices):
    INSURANCE = "insurance", _("Insurance desk")
    SALES = "sales", _("New-car sales")
    AFTERSALES = "aftersales", _("After-sales reception")
    QUICK_REPAIR = "quick_repair", _("Quick repair")
    WASH = "wash", _("Car wash")
    BEAUTY = "beauty", _("Car beauty")
    MAINTENANCE = "maintenance", _("Maintenance")
    BODY_PAINT = "body_paint", _("Body and paint")
    FINANCE = "finance", _("Finance")
