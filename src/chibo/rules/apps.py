from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesConfig(AppConfig):
    name = "chibo.rules"
    label = "rules"
    verbose_name = _("Rulebook")

    def ready(self) -> None:
        from . import history

        history.register()
        from django.db.models.signals import post_migrate

        from .seed import ensure_rulebook

        post_migrate.connect(ensure_rulebook, sender=self)
