from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "chibo.supervision"
    label = "supervision"
    verbose_name = _("Supervision and dialogue")

    def ready(self) -> None:
        from . import history

        history.register()
