"""Writing the audit log.

Saves and deletes of ``AuditedModel`` rows are logged by signals (so the admin
and any service are covered); services add the business actions (unmask,
export, merge, transfer) with ``log_action``. The acting user comes from
``audit_actor`` — set per request by the middleware and by services from their
``actor`` argument.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import uuid
from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.db.models.fields.files import FieldFile

_actor: contextvars.ContextVar = contextvars.ContextVar("chexian_audit_actor", default=None)
# The request is kept rather than its user: DRF authenticates tokens inside the
# view and replaces request.user after the middleware has run.
_request: contextvars.ContextVar = contextvars.ContextVar("chexian_audit_request", default=None)


@contextmanager
def audit_actor(user):
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor():
    actor = _actor.get()
    if actor is None and (request := _request.get()) is not None:
        actor = getattr(request, "user", None)
    return actor


def serialize_value(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return "<binary>"
    if isinstance(value, FieldFile):  # an uploaded file: its stored name
        return value.name or ""
    return value


def _actor_fields(actor):
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "system"
    return actor, actor.get_username()


def log_action(action, obj=None, *, actor=None, before=None, after=None, reason="", store_id=None, object_repr=None):
    from chexian.core.models import AuditLog

    actor = actor if actor is not None else current_actor()
    user, name = _actor_fields(actor)
    if obj is not None and store_id is None:
        store_id = obj.audit_store_id() if hasattr(obj, "audit_store_id") else getattr(obj, "store_id", None)
    return AuditLog.objects.create(
        actor=user,
        actor_name=name,
        action=action,
        store_id=store_id,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr if object_repr is not None else str(obj) if obj is not None else "")[:200],
        before=before,
        after=after,
        reason=reason[:300],
    )


def log_created(objs, *, actor=None):
    """One CREATE entry per object saved with ``bulk_create`` (which sends no
    signals), written in one statement: the same entries a save one by one makes."""
    from chexian.core.choices import AuditAction
    from chexian.core.models import AuditLog

    objs = list(objs)
    if not objs:
        return []
    user, name = _actor_fields(actor if actor is not None else current_actor())
    content_type = ContentType.objects.get_for_model(objs[0])
    entries = []
    for obj in objs:
        entries.append(AuditLog(
            actor=user, actor_name=name, action=AuditAction.CREATE, store_id=obj.audit_store_id(),
            content_type=content_type, object_id=str(obj.pk), object_repr=str(obj)[:200], before=None,
            after=obj.audit_snapshot(),
        ))
        obj._audit_loaded = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    return AuditLog.objects.bulk_create(entries)


def log_updated(model, rows, *, before: dict, after: dict, actor=None):
    """One UPDATE entry per row changed by a bulk ``update()`` (which sends no
    signals): ``rows`` are (pk, store id, repr) and every row changed the same way."""
    from chexian.core.choices import AuditAction
    from chexian.core.models import AuditLog

    user, name = _actor_fields(actor if actor is not None else current_actor())
    content_type = ContentType.objects.get_for_model(model)
    return AuditLog.objects.bulk_create(
        AuditLog(actor=user, actor_name=name, action=AuditAction.UPDATE, store_id=store_id,
                 content_type=content_type, object_id=str(pk), object_repr=str(text)[:200],
                 before=before, after=after)
        for pk, store_id, text in rows
    )
