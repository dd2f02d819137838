"""The finance pages, mounted at `/finance/` under the namespace `settlement`."""

from tradepost.settlement.views import invoices, payments, rebates, receivables, setup

app_name = "settlement"

urlpatterns = [
    *invoices.urlpatterns,
    *payments.urlpatterns,
    *receivables.urlpatterns,
    *setup.urlpatterns,
]

# Rebates (返利): the rebates, their review and the rules.
urlpatterns += rebates.urlpatterns
