"""The dealer channel (seed S4, S7): master agreements, dealers' stock reports (社会库存),
monthly demand plans and price adjustments with dealer compensation (调价补差).

Services one module per area — `agreements.py`, `stock.py`, `plans.py`,
`adjustments.py` — with `checks.py` (what they check on their input) and `selectors.py`
(who sees which document); `views/` and `api/` one module per area; `forms.py` the
pages' forms; `demo.py`. Channel builds on sales: agreements count orders, price
adjustments read deliveries and post settlement credits. Its pages are in the sales
menu (`/sales/agreements/` …, URL namespace `sales`).
"""
