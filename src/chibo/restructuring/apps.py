from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RestructuringConfig(AppConfig):
    name = "chibo.restructuring"
    label = "restructuring"
    verbose_name = _("Restructuring")

    def ready(self) -> None:
        from . import history

        history.register()
