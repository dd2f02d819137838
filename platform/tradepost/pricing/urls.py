"""The promotion pages, under `/sales/` in the sales menu (namespace `sales`, see
`tradepost.urls_tenant`)."""

from tradepost.pricing.views import urlpatterns

__all__ = ["urlpatterns"]
