from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BlankFormsConfig(AppConfig):
    name = "chexian.blankforms"
    label = "blankforms"
    verbose_name = _("Blank-form register")

    def ready(self):
        from chexian.policies.models import Policy
        from chexian.policies.signals import policies_recorded

        policies_recorded.connect(_use_serials, sender=Policy, dispatch_uid="blankforms_use_serials")


def _use_serials(sender, policies=(), **kwargs):
    """Mark the serials printed on newly recorded policies as used. Never raises
    for a serial the register does not know: that is recorded as a mismatch."""
    from chexian.blankforms.services import use_for_policy

    for policy in policies:
        if policy.blank_form_serial:
            use_for_policy(actor=kwargs.get("actor"), policy=policy)
