from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kepu.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self):
        # Apps register measures and importers in these modules; load them once at start.
        autodiscover_modules("measures")
        autodiscover_modules("importers")
        autodiscover_modules("reference")
        autodiscover_modules("demo")
        autodiscover_modules("gendata")
