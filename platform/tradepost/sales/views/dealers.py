"""Sales pages: dealers."""

urlpatterns: list = []
