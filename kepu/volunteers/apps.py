from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "kepu.volunteers"
    label = "volunteers"
    verbose_name = _("科技志愿服务")
