from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdmissionConfig(AppConfig):
    name = "chibo.admission"
    label = "admission"
    verbose_name = _("Admission")

    def ready(self) -> None:
        from chibo.members import procedures as member_procedures

        from . import history, procedures

        history.register()
        member_procedures.register(procedures.admission_owns)
