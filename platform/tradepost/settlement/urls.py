"""The finance pages, mounted at `/finance/` under the namespace `settlement`."""

from tradepost.settlement.views import invoices, payments, receivables, setup

app_name = "settlement"

urlpatterns = [
    *invoices.urlpatterns,
    *payments.urlpatterns,
    *receivables.urlpatterns,
    *setup.urlpatterns,
]
