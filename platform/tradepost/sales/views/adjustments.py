"""Sales pages: adjustments."""

urlpatterns: list = []
