"""Activity pages: checkin (being written)."""

urlpatterns: list = []
