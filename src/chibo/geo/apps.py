from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "chibo.geo"
    label = "geo"
    verbose_name = _("Administrative units")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy

        from chibo.core.history import register_actions

        register_actions({"geo.load": gettext_lazy("Administrative units loaded")})
