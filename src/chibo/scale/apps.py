from django.apps import AppConfig


class ScaleConfig(AppConfig):
    """Synthetic datasets at scale (`chibo generate`) and their consistency checks. No models."""

    name = "chibo.scale"
    label = "scale"
    verbose_name = "Scale"
