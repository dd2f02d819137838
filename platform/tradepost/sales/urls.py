"""`/sales/` pages of a workspace; each area's view module brings its own patterns."""

from tradepost.sales.views import (
    adjustments,
    dealers,
    my_day,
    orders,
    pipeline,
    promotions,
    quotes,
)

app_name = "sales"

urlpatterns = [
    *my_day.urlpatterns,
    *pipeline.urlpatterns,
    *quotes.urlpatterns,
    *orders.urlpatterns,
    *promotions.urlpatterns,
    *adjustments.urlpatterns,
    *dealers.urlpatterns,
]
