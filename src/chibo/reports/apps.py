from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "chibo.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # every app declares its indicators in its own `indicators.py` (as Django finds admin.py)
        autodiscover_modules("indicators")

        from chibo.core.history import register_actions

        register_actions({"report.export": _("Report exported")})
