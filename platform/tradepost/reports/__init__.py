"""Decision support (seed S1 决策支持): reports built on the domain apps' records.

* `models.py` — `StockMonthly`, the monthly stock rollup (进销存月报) per product and
  location, kept as stock moves post.
* `rollup.py` — keeping it: the listener the stock ledger calls in every posting, and
  the rebuild from the ledger (month end, by beat, and on demand).
* `selectors.py` — a month's report with its filters and totals.
* `exports.py` — the report as CSV, Excel and PDF.
* `views.py`, `api.py`, `tasks.py` — the page, `/api/v1/reports/stock-monthly/` and the
  beat task.

Reports import the apps they report on (inventory, masterdata); no app imports reports.
"""
