"""Sales (seed S1, S2, S4, S7): pipeline, quotes, orders with review and returns,
promotions, price adjustments (调价补差), dealers' stock and demand plans, agreements.

Where things are:

* `models.py` — every table; `lines.py` — the money arithmetic of a line and which
  promotion it gets; `documents.py` — line input and pricing shared by quotes and orders;
* services, one module per area (each write: one transaction, permission and scope
  check, audit entry): `orders.py`, `quotes.py`, `pipeline.py`, `promotions.py`,
  `adjustments.py`, `plans.py`, `agreements.py`;
* `selectors.py` — who sees which document (the customer scope, plus the warehouse's
  view of confirmed orders);
* `views/` and `api/` — one module per area, joined by `urls.py` and `api/__init__.py`;
  `forms.py` — the shared line formset; `pdf.py` — quote PDFs; `demo.py` — demo data;
  `panels.py` — the sections on the customer 360° page.
"""
