from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chexian.catalog.choices import ClauseFamily, CoverageKind, LimitKind, OwnerProfile, ProtectionLevel
from chexian.core.models import AuditedModel, TimeStampedModel


class CoverageQuerySet(models.QuerySet):
    def effective_on(self, date):
        return self.filter(Q(effective_until__isnull=True) | Q(effective_until__gte=date), effective_from__lte=date)


class Coverage(AuditedModel, TimeStampedModel):
    """One insurable coverage as the clauses define it today (险种/附加险).

    The catalog is data with effective dates: a future clause change is a new row
    or an end date, not code. ``limit_choices`` lists the allowed limits for
    tiered coverages (e.g. 三者险 ¥100k–¥10m), as decimal strings.
    """

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    family = models.CharField(_("clause family"), max_length=20, choices=ClauseFamily.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=CoverageKind.choices)
    limit_kind = models.CharField(_("limit kind"), max_length=10, choices=LimitKind.choices, default=LimitKind.NONE)
    limit_choices = models.JSONField(_("allowed limits"), default=list, blank=True)
    requires = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="addons", verbose_name=_("requires"),
        help_text=_("The main coverage this add-on attaches to."),
    )
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    description = models.TextField(_("description"), blank=True)

    objects = CoverageQuerySet.as_manager()

    class Meta:
        verbose_name = _("coverage")
        verbose_name_plural = _("coverages")
        ordering = ["family", "sort_order", "code"]

    def __str__(self):
        return self.name

    def validate_limit(self, limit):
        """Refuse a limit the clause does not offer (e.g. a 三者险 limit that is not a tier)."""
        if self.limit_kind == LimitKind.NONE:
            return None
        if limit is None:
            raise ValidationError(_("%(coverage)s needs a limit.") % {"coverage": self.name}, code="limit_required")
        limit = Decimal(str(limit))
        if self.limit_kind in (LimitKind.TIER, LimitKind.PERCENT):
            allowed = {Decimal(str(c)) for c in self.limit_choices}
            if limit not in allowed:
                raise ValidationError(
                    _("%(limit)s is not an offered limit of %(coverage)s; choose one of %(choices)s.")
                    % {"limit": limit, "coverage": self.name, "choices": ", ".join(map(str, self.limit_choices))},
                    code="limit_not_a_tier",
                )
        elif limit <= 0:
            raise ValidationError(_("The limit must be positive."), code="limit_positive")
        return limit


class PlanTemplate(AuditedModel, TimeStampedModel):
    """A recommendation template: the seed's protection levels and owner profiles
    expressed in today's coverages, one per clause family, with a note saying
    why and how it maps from the seed's 2019 wording."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=60)
    family = models.CharField(_("clause family"), max_length=20, choices=ClauseFamily.choices)
    level = models.CharField(_("protection level"), max_length=20, choices=ProtectionLevel.choices, blank=True)
    profile = models.CharField(_("owner profile"), max_length=30, choices=OwnerProfile.choices, blank=True)
    note = models.TextField(_("why and how it maps from the seed"))
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("plan template")
        verbose_name_plural = _("plan templates")
        ordering = ["family", "sort_order"]

    def __str__(self):
        return self.name


class PlanTemplateItem(models.Model):
    template = models.ForeignKey(PlanTemplate, models.CASCADE, related_name="items", verbose_name=_("template"))
    coverage = models.ForeignKey(Coverage, models.PROTECT, related_name="+", verbose_name=_("coverage"))
    limit = models.DecimalField(_("limit"), max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("template coverage")
        verbose_name_plural = _("template coverages")
        constraints = [
            models.UniqueConstraint(fields=["template", "coverage"], name="%(app_label)s_%(class)s_unique_coverage")
        ]

    def __str__(self):
        return f"{self.template} · {self.coverage}"
