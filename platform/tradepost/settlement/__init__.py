"""Settlement (seed S1 财务结算, S5, S7): invoices and credit notes, payments received
(回款) and their allocation, the receivables ledger with aging, adjustments (调帐),
exchange rates and credit control.

Every table lives in the workspace's schema. See `settlement.models` for the shape
of the ledger and `settlement.ledger` for the one place that writes it.
"""
