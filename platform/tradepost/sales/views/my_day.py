"""Sales pages: my_day."""

urlpatterns: list = []
