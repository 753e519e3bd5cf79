"""Activity pages: imports (being written)."""

urlpatterns: list = []
