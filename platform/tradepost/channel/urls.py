"""The channel pages — price adjustments, dealer stock, demand plans, agreements —
under `/sales/` in the sales menu (namespace `sales`, see `tradepost.urls_tenant`)."""

from tradepost.channel.views import adjustments, agreements, plans, stock

urlpatterns = [
    *adjustments.urlpatterns,
    *stock.urlpatterns,
    *plans.urlpatterns,
    *agreements.urlpatterns,
]
