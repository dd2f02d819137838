"""The sales pages (`/sales/`): my day, quotes, orders and credits. The pipeline,
pricing and channel apps bring their own pages to the same menu; `urls_tenant` joins
them all under `/sales/` and the URL namespace `sales`."""

from tradepost.sales.views import credits, live_prices, my_day, orders, quotes

urlpatterns = [
    *my_day.urlpatterns,
    *quotes.urlpatterns,
    *orders.urlpatterns,
    *credits.urlpatterns,
    *live_prices.urlpatterns,
]
