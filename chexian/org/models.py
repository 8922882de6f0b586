from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from chexian.core.models import AuditedModel, TimeStampedModel
from chexian.core.querysets import RestrictedQuerySet
from chexian.org.choices import GROUP_WIDE_ROLES, DepartmentKind, Role


class DealerGroup(AuditedModel, TimeStampedModel):
    """A dealer group (经销商集团) that owns stores and ranks them every month."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("dealer group")
        verbose_name_plural = _("dealer groups")

    def __str__(self):
        return self.name


class Region(AuditedModel, TimeStampedModel):
    """A region (大区) of a group: the middle level of the group → region → store ranking."""

    group = models.ForeignKey(DealerGroup, models.PROTECT, related_name="regions", verbose_name=_("group"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.UniqueConstraint(fields=["group", "code"], name="%(app_label)s_%(class)s_unique_group_code")
        ]

    def __str__(self):
        return self.name


class StoreQuerySet(RestrictedQuerySet):
    store_field = "id"


class Store(AuditedModel, TimeStampedModel):
    """A 4S store or auto-service store (门店): the unit every record belongs to."""

    group = models.ForeignKey(DealerGroup, models.PROTECT, related_name="stores", verbose_name=_("group"))
    region = models.ForeignKey(Region, models.PROTECT, related_name="stores", verbose_name=_("region"))
    code = models.CharField(
        _("code"), max_length=10, unique=True, help_text=_("Short code, the prefix of archive numbers.")
    )
    name = models.CharField(_("name"), max_length=100)
    brand = models.CharField(_("franchise brand"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    renewal_lookahead_days = models.PositiveSmallIntegerField(
        _("renewal look-ahead (days)"), default=90,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("A policy ending within this many days gets its renewal case."),
    )
    wecom_robot_key = models.CharField(
        _("WeCom group robot key"), max_length=100, blank=True,
        help_text=_("The staff group's robot: the linkage leaderboard is posted there every morning."),
    )
    # Profit (SPEC §3.7) counts this share of every claim settlement on a policy sold here: the workshop's
    # gross margin on accident repairs that the policy brought back. A store figure, not a constant.
    accident_repair_margin = models.DecimalField(
        _("accident-repair gross margin (%)"), max_digits=5, decimal_places=2, default=Decimal("30.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("The workshop's gross margin on an accident repair's settlement amount (钣喷事故车毛利率); "
                    "profit counts this share of each claim settled on a policy sold here."),
    )
    # Counter for 一车一档 archive numbers; locked with select_for_update when used.
    next_archive_seq = models.PositiveIntegerField(_("next archive sequence"), default=1, editable=False)

    objects = StoreQuerySet.as_manager()
    permission_object = "store"

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.region_id and self.group_id and self.region.group_id != self.group_id:
            raise ValidationError({"region": _("The region belongs to another group.")})


class Department(AuditedModel, TimeStampedModel):
    """A department within a store (insurance desk, wash, body and paint …)."""

    store = models.ForeignKey(Store, models.PROTECT, related_name="departments", verbose_name=_("store"))
    kind = models.CharField(_("kind"), max_length=20, choices=DepartmentKind.choices)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["store", "kind"], name="%(app_label)s_%(class)s_unique_store_kind")
        ]

    def __str__(self):
        return f"{self.store.code} {self.name}"


class StaffRole(AuditedModel, TimeStampedModel):
    """One role a staff user holds: in one store, or group-wide for the group
    insurance office and auditors (store left empty)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="staff_roles", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    group = models.ForeignKey(DealerGroup, models.PROTECT, related_name="staff_roles", verbose_name=_("group"))
    store = models.ForeignKey(
        Store,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_roles",
        verbose_name=_("store"),
        help_text=_("Empty only for group-wide roles (group insurance office, auditor)."),
    )
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="staff_roles", verbose_name=_("department")
    )

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "store"], name="%(app_label)s_%(class)s_unique_user_role_store"
            )
        ]

    def __str__(self):
        where = self.store.code if self.store_id else self.group.code
        return f"{self.user} · {self.get_role_display()} · {where}"

    def clean(self):
        if self.role in GROUP_WIDE_ROLES:
            if self.store_id:
                raise ValidationError({"store": _("A group-wide role is not tied to one store.")})
        elif not self.store_id:
            raise ValidationError({"store": _("This role needs a store.")})
        if self.store_id and self.group_id and self.store.group_id != self.group_id:
            raise ValidationError({"store": _("The store belongs to another group.")})
        if self.department_id and self.department.store_id != self.store_id:
            raise ValidationError({"department": _("The department belongs to another store.")})
