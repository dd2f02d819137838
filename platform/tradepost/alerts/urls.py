"""The alert pages, mounted at `/alerts/` under the namespace `alerts`."""

from tradepost.alerts.views import app_name, urlpatterns

__all__ = ["app_name", "urlpatterns"]
