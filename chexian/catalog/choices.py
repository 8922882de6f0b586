from django.db import models
from django.utils.translation import gettext_lazy as _


class ClauseFamily(models.TextChoices):
    """Which set of clauses a coverage belongs to (DOMAIN.md §1–§2)."""

    CTPL = "ctpl", _("Compulsory traffic accident liability (CTPL)")
    COMMERCIAL_2020 = "commercial_2020", _("Commercial model clauses (2020 reform)")
    NEV_2021 = "nev_2021", _("New-energy vehicle exclusive clauses (2021)")
    NON_MOTOR = "non_motor", _("Non-motor")


class CoverageKind(models.TextChoices):
    MAIN = "main", _("Main coverage")
    ADDON = "addon", _("Add-on")
    SERVICE = "service", _("Value-added service clause")


class LimitKind(models.TextChoices):
    NONE = "none", _("No limit to choose")
    TIER = "tier", _("One of the listed tiers")
    AMOUNT = "amount", _("An amount")
    PER_SEAT = "per_seat", _("An amount per seat")
    PERCENT = "percent", _("One of the listed rates")
    PER_DAY = "per_day", _("An amount per day")


class ProtectionLevel(models.TextChoices):
    """The seed's five protection levels (seed-002 §3)."""

    MINIMUM = "minimum", _("Minimum (最低保障)")
    LOW = "low", _("Low (次低保障)")
    BASIC = "basic", _("Basic (基本保障)")
    ECONOMY = "economy", _("Economy (经济保障)")
    FULL = "full", _("Full (完全保障)")


class OwnerProfile(models.TextChoices):
    """The seed's three owner profiles."""

    NEW_DRIVER_NEW_CAR = "new_driver_new_car", _("New driver, new car (新手开新车)")
    NEW_DRIVER_OLD_CAR = "new_driver_old_car", _("New driver, old car (新手开老车)")
    EXPERIENCED_OLD_CAR = "experienced_old_car", _("Experienced driver, old car (老手开老车)")
