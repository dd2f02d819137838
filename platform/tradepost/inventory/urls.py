"""The inventory pages, mounted at `/inventory/` under the namespace `inventory`."""

from tradepost.inventory.views import (
    adjustments,
    deliveries,
    places,
    receipts,
    stock,
    stocktakes,
    transfers,
)

app_name = "inventory"

urlpatterns = [
    *stock.urlpatterns,
    *deliveries.urlpatterns,
    *receipts.urlpatterns,
    *transfers.urlpatterns,
    *stocktakes.urlpatterns,
    *adjustments.urlpatterns,
    *places.urlpatterns,
]
