from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from kepu.accounts import views as account_views
from kepu.core import views as core_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=static("kepu/favicon.svg"), permanent=True)),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/login/", account_views.login_view, name="login"),
    path("accounts/", include("kepu.accounts.urls")),
    path("regions/", include("kepu.regions.urls")),
    path("units/", include("kepu.orgs.urls")),
    path("audit/", include("kepu.core.urls")),
    path("activities/", include("kepu.activities.urls")),
    path("events/", include("kepu.activities.public_urls")),
    path("volunteers/", include("kepu.volunteers.urls")),
    path("venues/", include("kepu.venues.urls")),
    path("base/", include("kepu.orgs.base_urls")),
    path("channels/", include("kepu.channels.urls")),
    path("indicators/", include("kepu.indicators.urls")),
    path("workplans/", include("kepu.workplans.urls")),
    path("notifications/", include("kepu.core.notification_urls")),
    path("api/v1/", include("kepu.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler404 = "kepu.core.views.not_found"
handler403 = "kepu.core.views.forbidden"
handler500 = "kepu.core.views.server_error"
