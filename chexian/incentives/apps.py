from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "chexian.incentives"
    label = "incentives"
    verbose_name = _("Gifts and rebates")
