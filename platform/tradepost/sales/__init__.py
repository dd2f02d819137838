"""Sales (seed S1, S2): quotes, orders with review and returns, and the settlement
credits owed to customers. The sales menu also holds the pipeline, pricing
(promotions) and channel (agreements, dealers' stock and plans, price adjustments)
apps, which keep their own models, services, pages and API.

Where things are:

* `models.py` — quotes, orders, returns and their lines (`DocumentLine` and
  `DocumentTotals` are the abstract bases), settlement credits;
* services, one module per area (each write: one transaction, permission and scope
  check, audit entry): `orders.py`, `quotes.py`; `order_terms.py` — how an order meets
  a master agreement (the channel app registers its rules there);
* `selectors.py` — who sees which document (the customer scope, plus the warehouse's
  view of confirmed orders);
* `views/` and `api/` — one module per area, joined by `urls.py` and `api/__init__.py`;
  `forms.py` — the shared line formset; `pdf.py` — quote PDFs; `demo.py` — demo data;
  `panels.py` — the sections on the customer 360° page; `navigation.py` and
  `templatetags/` — the sales menu the four apps share.
"""
