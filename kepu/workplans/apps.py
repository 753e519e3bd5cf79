from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkplansConfig(AppConfig):
    name = "kepu.workplans"
    label = "workplans"
    verbose_name = _("工作计划与督查")

    def ready(self):
        # The files of tasks linked to an indicator are offered on the indicator's page.
        from . import evidence  # noqa: F401
