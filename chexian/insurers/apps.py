from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsurersConfig(AppConfig):
    name = "chexian.insurers"
    label = "insurers"
    verbose_name = _("Insurers and agency contracts")
