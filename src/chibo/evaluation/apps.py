from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "chibo.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import history
        from .rulesets import ensure_rules

        history.register()
        post_migrate.connect(ensure_rules, sender=self)
