"""The finance pages, mounted at `/finance/` under the namespace `settlement`."""

from tradepost.settlement.views import expenses, invoices, journal, payments, receivables, setup

app_name = "settlement"

urlpatterns = [
    *invoices.urlpatterns,
    *payments.urlpatterns,
    *receivables.urlpatterns,
    *setup.urlpatterns,
]
# Expenses and the accounting export.
urlpatterns += [
    *expenses.urlpatterns,
    *journal.urlpatterns,
]
