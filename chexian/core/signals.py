from django.db.models.signals import post_delete, post_save

from chexian.core.audit import log_action
from chexian.core.choices import AuditAction
from chexian.core.models import AuditedModel


def _on_save(sender, instance, created, raw=False, **kwargs):
    if raw or not isinstance(instance, AuditedModel):
        return
    after = instance.audit_snapshot()
    before = None if created else instance.audit_before()
    if not created and before == after:
        return  # nothing changed: no entry
    log_action(AuditAction.CREATE if created else AuditAction.UPDATE, instance, before=before, after=after)
    # The next save of the same instance compares against what is now stored.
    instance._audit_loaded = {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _on_delete(sender, instance, **kwargs):
    if isinstance(instance, AuditedModel):
        log_action(AuditAction.DELETE, instance, before=instance.audit_snapshot(), after=None)


post_save.connect(_on_save, dispatch_uid="chexian_audit_save")
post_delete.connect(_on_delete, dispatch_uid="chexian_audit_delete")
