from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "chexian.leads"
    label = "leads"
    verbose_name = _("Intention customers and referrals")

    def ready(self):
        from chexian.policies.models import Policy
        from chexian.policies.signals import policies_recorded

        policies_recorded.connect(_convert, sender=Policy, dispatch_uid="leads_convert")


def _convert(sender, vehicle_ids, **kwargs):
    from chexian.leads.services import convert_by_policies

    convert_by_policies(vehicle_ids)
