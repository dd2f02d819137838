"""Sales pages: pipeline."""

urlpatterns: list = []
