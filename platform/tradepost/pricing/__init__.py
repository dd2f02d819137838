"""Pricing: what a customer pays for a product and how a document's lines add up.

* `resolution.py` — the one price rule (customer's list, group's list, list price) over
  the price lists, which belong to customers and stay in `tradepost.customers`;
* `lines.py` — the pure arithmetic of a line and a document's totals (no queries);
  `selectors.py` — which promotions apply to a customer's lines;
* `documents.py` — line input and pricing shared by quotes, orders and agreements;
* promotions: `models.py`, `promotions.py` (services), `views.py`, `api.py`, `demo.py`;
  its pages are in the sales menu (`/sales/promotions/`, URL namespace `sales`).
"""
