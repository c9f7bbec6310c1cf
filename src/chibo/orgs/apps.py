from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "chibo.orgs"
    label = "orgs"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        from . import history

        history.register()
        from django.db.models.signals import post_migrate

        from .kinds import ensure_kinds

        post_migrate.connect(ensure_kinds, sender=self)
