"""Global search: one box that finds customers, contacts, orders, quotes, products and
opportunities by name, code or number — in Chinese, in pinyin (杭州明达 is found by
"hangzhoumingda", "mingda" and "hzmd") and in Latin letters — and shows only what the
caller could open.

* `keys.py`: the pinyin key of a text (pure functions).
* `documents.py`: one row of `SearchDocument` per record — the words it is found by —
  kept up to date as records are saved, deleted or imported.
* `selectors.py`: the search itself, every group through its own app's scope selector
  (`customers_visible_to`, `orders_visible_to` …) and only with the group's view
  permission.
* `views.py` (the page `/search/?q=`) and `api.py` (`GET /api/v1/search/?q=`).

The app sits on top of the domain apps it searches (masterdata, customers, pipeline,
sales); none of them imports it.
"""
