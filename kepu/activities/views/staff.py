"""Activity pages: staff (being written)."""

from django.http import Http404
from django.urls import path


def _pending(request, *args, **kwargs):  # TEMPORARY: replaced by the staff pages
    raise Http404


urlpatterns: list = [path("", _pending, name="list")]
