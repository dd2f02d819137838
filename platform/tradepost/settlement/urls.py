"""The finance pages, mounted at `/finance/` under the namespace `settlement`."""

from tradepost.settlement.views import (
    expenses,
    invoices,
    journal,
    payments,
    profitability,
    rebates,
    receivables,
    setup,
)

app_name = "settlement"

urlpatterns = [
    *invoices.urlpatterns,
    *payments.urlpatterns,
    *receivables.urlpatterns,
    *setup.urlpatterns,
]

# Rebates (返利): the rebates, their review and the rules.
urlpatterns += rebates.urlpatterns
# Expenses and the accounting export.
urlpatterns += [
    *expenses.urlpatterns,
    *journal.urlpatterns,
]
# Profitability by branch, salesperson and product line.
urlpatterns += profitability.urlpatterns
