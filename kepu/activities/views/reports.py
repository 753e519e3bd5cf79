"""Activity pages: reports (being written)."""

urlpatterns: list = []
