from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "chibo.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("job_kinds")

        from chibo.core.history import register_actions

        register_actions({
            "job.submit": _("Background job started"),
            "job.succeed": _("Background job finished"),
            "job.fail": _("Background job failed"),
            "job.expire": _("Background job result expired"),
            "job.download": _("Background job result downloaded"),
        })
