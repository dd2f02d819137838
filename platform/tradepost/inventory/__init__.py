"""Inventory and delivery (seed S1 仓库管理, S10): the stock ledger and its balances,
order reservations, and the documents that move stock.

* `models.py` — ledger (`StockMove`), balances, lots, reservations, documents.
* `ledger.py` — the one place that writes moves and balances, under row locks.
* `fulfilment.py` — how a sales order reserves, ships, is delivered and takes returns
  (registered with `sales.fulfilment` at start-up: sales does not import inventory).
* `deliveries.py`, `receipts.py`, `transfers.py`, `stocktakes.py`,
  `adjustments.py` — the documents' services, each on its declared lifecycle.
* `selectors.py` — reads: balances, the stock card, who sees which document.
"""
