from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenewalsConfig(AppConfig):
    name = "chexian.renewals"
    label = "renewals"
    verbose_name = _("Renewals")

    def ready(self):
        from chexian.policies.models import Policy
        from chexian.policies.signals import policies_recorded

        policies_recorded.connect(_close_renewed, sender=Policy, dispatch_uid="renewals_close_renewed")


def _close_renewed(sender, vehicle_ids, **kwargs):
    from chexian.renewals.services import close_renewed

    close_renewed(vehicle_ids=vehicle_ids)
