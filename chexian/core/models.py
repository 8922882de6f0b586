"""Shared abstract bases and the audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from chexian.core.choices import AuditAction
from chexian.core.querysets import RestrictedQuerySet


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditedModel(models.Model):
    """A model whose every create, change and delete is written to the audit log.

    The values loaded from the database are remembered so the log can show the
    record before and after a change without an extra query. Fields listed in
    ``audit_exclude`` are never logged; ``audit_masked`` fields are logged masked.
    """

    audit_exclude: tuple[str, ...] = ("created_at", "updated_at")
    audit_masked: dict[str, str] = {}

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._audit_loaded = dict(zip(field_names, values, strict=True))
        return instance

    def audit_snapshot(self, values: dict | None = None) -> dict:
        from chexian.core.audit import serialize_value

        result = {}
        for field in self._meta.concrete_fields:
            if field.name in self.audit_exclude:
                continue
            if values is None:
                value = getattr(self, field.attname)
            elif field.attname in values:
                value = values[field.attname]
            else:
                continue
            name = self.audit_masked.get(field.name, field.name)
            if name != field.name:
                value = getattr(self, name) if values is None else values.get(name, "")
                if values is not None and name not in values:
                    continue
            result[field.name] = serialize_value(value)
        return result

    def clean_fields(self, exclude=None):
        """Validate each field as Django does, except that a foreign key holding an
        instance loaded from (or saved to) the database is not looked up again: the
        services pass the objects they read, and the database's own constraint still
        guards the insert. Saves one query per relation on every save; unique
        checks and constraints still see every field (they run in ``full_clean``)."""
        exclude = set(exclude or ())
        for field in self._meta.concrete_fields:
            if field.is_relation and field.many_to_one and field.is_cached(self):
                related = field.get_cached_value(self)
                if (related is not None and related.pk is not None and not related._state.adding
                        and related.pk == getattr(self, field.attname)):
                    exclude.add(field.name)
        super().clean_fields(exclude=exclude)

    def audit_before(self) -> dict | None:
        loaded = getattr(self, "_audit_loaded", None)
        return None if loaded is None else self.audit_snapshot(loaded)

    def audit_store_id(self):
        return getattr(self, "store_id", None)


class StoreScopedModel(models.Model):
    """Every operational row carries its store; that is what scoping filters on."""

    store = models.ForeignKey("org.Store", models.PROTECT, verbose_name=_("store"), related_name="+")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True


class AuditLogQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view"):
        from chexian.org.permissions import stores_for

        stores = stores_for(user, "audit.view")
        if stores is None:
            return self
        return self.filter(store__in=stores)

    def for_object(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))


class AuditLog(models.Model):
    """Who did what to which record, when, with the record before and after.

    Also every unmasking of an identity number and every export. Rows are only
    ever inserted.
    """

    timestamp = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, verbose_name=_("user"), related_name="+"
    )
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    store = models.ForeignKey(
        "org.Store", models.SET_NULL, null=True, blank=True, verbose_name=_("store"), related_name="+"
    )
    content_type = models.ForeignKey(
        ContentType, models.PROTECT, null=True, blank=True, verbose_name=_("object type"), related_name="+"
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-timestamp", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="core_audit_object_idx"),
            models.Index(fields=["store", "timestamp"], name="core_audit_store_time_idx"),
        ]

    def __str__(self):
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    def changed_fields(self):
        """[(field, before, after)] for the fields that differ."""
        before, after = self.before or {}, self.after or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
