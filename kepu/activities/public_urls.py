from .views import public

app_name = "public"
urlpatterns = public.urlpatterns
