"""The plans pages, mounted at `/plans/` under the namespace `plans`."""

from tradepost.plans.views import app_name, urlpatterns

__all__ = ["app_name", "urlpatterns"]
