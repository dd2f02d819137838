"""Sales pages: promotions."""

urlpatterns: list = []
