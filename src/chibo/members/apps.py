from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "chibo.members"
    label = "members"
    verbose_name = _("Party members")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import history, search_index

        history.register()
        post_migrate.connect(search_index.on_post_migrate, sender=self,
                             dispatch_uid="members.ensure_search_index")
