"""Activity pages: stats (being written)."""

from django.http import Http404
from django.urls import path


def _pending(request, *args, **kwargs):  # TEMPORARY: replaced by the statistics pages
    raise Http404


urlpatterns: list = [path("stats/", _pending, name="stats")]
