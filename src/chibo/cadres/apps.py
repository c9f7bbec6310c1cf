from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CadresConfig(AppConfig):
    name = "chibo.cadres"
    label = "cadres"
    verbose_name = _("Cadres")

    def ready(self) -> None:
        from . import history

        history.register()
