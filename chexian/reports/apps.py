from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "chexian.reports"
    label = "reports"
    verbose_name = _("KPIs and reports")

    def ready(self):
        # Every report module registers its classes with the engine on import.
        from chexian.reports import catalogue  # noqa: F401
