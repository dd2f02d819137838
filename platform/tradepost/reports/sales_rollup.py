"""The sales rollups the drill-down reads (`SalesMonthly`, `SalesCube`), kept as sales
and stock post.

**What counts as a sale.** An order's lines count as sold when the order is confirmed
(confirmed and every later status: partially shipped, shipped, delivered, closed) —
the customer-value report's rule. Drafts, orders in review and rejected orders count
nothing; cancelling a confirmed order takes its lines back out; goods returned
(`OrderReturn`) take their quantity and net amount back out. Profitability
(`settlement.profitability`) books revenue when invoices are issued instead: the
drill-down answers "what did we sell", profitability "what did we book"; both read
the **cost of goods** the same way, from the stock ledger — the delivery moves less
the customer-return moves, each at the unit cost the move recorded, rounded to the
cent per move — so the cost figures of a period agree with profitability's.

**When.** An order's lines fall in the month of its order date (a cancellation takes
them out of that same month); a return's lines in the month the return was recorded
and a cost move in the month it was posted (both in the workspace's time zone).

**Money.** Net sales are excl. tax in the company's base currency: a line in another
currency converts at the exchange rate of its order date (the latest rate entered on
or before it, as `settlement.money.rate_on`), rounded to the cent per line; a return
line converts at the rate of its order's date, so a full return takes back exactly
what the sale booked. A line whose currency has no rate by then is left out of net
sales and counted in `unconverted` (the page says so; rebuild once the rate is in).
Stock costs are kept in the base currency already.

**Where.** Every figure carries the dimensions the drill-down groups by: the customer,
the product, the salesperson (the order's, else the customer's owner), the customer's
branch, region and channel and the product's category — as they were when the figure
posted. A customer moved to another branch keeps their history where it was until
the rollup is rebuilt, which re-reads them.

**Kept as documents post.** The order services call `sales_posting_record`
(registered with `sales.postings.register_sales_listener`) and the stock ledger calls
`sales_moves_record` (`inventory.ledger.register_moves_listener`), inside the posting's
transaction. One statement groups the posting's figures by key and adds them to both
tables — `INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x`, rows taken in key
order — so concurrent postings never lose each other's figures, whatever order they
commit in.

**From the documents.** `sales_rollup_rebuild()` recomputes both tables from the
orders, returns and stock moves alone, holding a lock that postings' writes wait for
(and that waits for theirs), so nothing posted meanwhile is lost or counted twice.
`raw_sales_figures()` is the same sum grouped straight from the document lines: what
the rollup must equal (the reconciliation test) and the benchmark's raw-lines query.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from tradepost.customers.models import Customer
from tradepost.inventory.models import Delivery, StockMove
from tradepost.masterdata.models import Product
from tradepost.reports.models import SalesCube, SalesMonthly
from tradepost.sales.models import Order, OrderLine, OrderReturn, OrderReturnLine
from tradepost.sales.postings import CANCELLED, CONFIRMED, RETURNED, SalesPosting
from tradepost.settlement import money
from tradepost.settlement.models import ExchangeRate

SALE_STATUSES = (
    Order.Status.CONFIRMED,
    Order.Status.PARTIALLY_SHIPPED,
    Order.Status.SHIPPED,
    Order.Status.DELIVERED,
    Order.Status.CLOSED,
)
FINE = SalesMonthly._meta.db_table
CUBE = SalesCube._meta.db_table
KEYS = ["salesperson_id", "branch_id", "region_id", "channel", "category_id"]
FINE_KEYS = ["month", "customer_id", "product_id", *KEYS]
CUBE_KEYS = ["month", *KEYS]
MEASURES = ["quantity", "sales", "cost", "unconverted"]

_T = {
    "line": OrderLine._meta.db_table,
    "order": Order._meta.db_table,
    "customer": Customer._meta.db_table,
    "product": Product._meta.db_table,
    "rate": ExchangeRate._meta.db_table,
    "return": OrderReturn._meta.db_table,
    "return_line": OrderReturnLine._meta.db_table,
    "move": StockMove._meta.db_table,
    "delivery": Delivery._meta.db_table,
}

# The dimensions of a figure, from its order `o`, customer `c` and product `p`.
_DIMENSIONS = """
    o.customer_id, {product} AS product_id,
    COALESCE(o.owner_id, c.owner_id) AS salesperson_id,
    c.branch_id, c.region_id, c.channel, p.category_id"""

# The latest rate of the order's currency on or before its order date (none for the
# base currency, which needs none).
_RATE = f"""
  LEFT JOIN LATERAL (
       SELECT x.rate FROM {_T["rate"]} AS x
        WHERE x.currency = o.currency AND x.rate_date <= o.order_date
          AND o.currency <> %(base)s
        ORDER BY x.rate_date DESC LIMIT 1
  ) AS r ON TRUE"""  # noqa: S608 - names are the models'


def _converted(amount: str) -> str:
    return (
        f"CASE WHEN o.currency = %(base)s THEN {amount}"
        f" ELSE COALESCE(ROUND({amount} * r.rate, 2), 0) END"
    )


_UNCONVERTED = "CASE WHEN o.currency <> %(base)s AND r.rate IS NULL THEN 1 ELSE 0 END"

# Sold: the lines of orders, signed (+1 confirmed, −1 cancelled).
_SOLD = f"""
SELECT date_trunc('month', o.order_date)::date AS month,
       {_DIMENSIONS.format(product="l.product_id")},
       %(sign)s * l.quantity AS quantity,
       %(sign)s * {_converted("l.net_amount")} AS sales,
       0 AS cost,
       %(sign)s * {_UNCONVERTED} AS unconverted
  FROM {_T["line"]} AS l
  JOIN {_T["order"]} AS o ON o.id = l.order_id
  JOIN {_T["customer"]} AS c ON c.id = o.customer_id
  JOIN {_T["product"]} AS p ON p.id = l.product_id
  {_RATE}
 WHERE {{where}}"""  # noqa: S608 - names are the models'; every value is a parameter

# Returned: the lines of returns, taken back out in the month they were recorded.
_RETURNED = f"""
SELECT date_trunc('month', rt.created_at AT TIME ZONE %(zone)s)::date AS month,
       {_DIMENSIONS.format(product="ol.product_id")},
       -rl.quantity AS quantity,
       -{_converted("rl.net_amount")} AS sales,
       0 AS cost,
       -{_UNCONVERTED} AS unconverted
  FROM {_T["return_line"]} AS rl
  JOIN {_T["return"]} AS rt ON rt.id = rl.order_return_id
  JOIN {_T["line"]} AS ol ON ol.id = rl.order_line_id
  JOIN {_T["order"]} AS o ON o.id = rt.order_id
  JOIN {_T["customer"]} AS c ON c.id = o.customer_id
  JOIN {_T["product"]} AS p ON p.id = ol.product_id
  {_RATE}
 WHERE {{where}}"""  # noqa: S608 - names are the models'; every value is a parameter

# Cost of goods: delivery moves less customer-return moves, at their recorded cost.
_COST_MOVES = (
    "((m.kind = 'delivery' AND m.document_type = 'delivery')"
    " OR (m.kind = 'return' AND m.document_type = 'return'))"
)
_COST = f"""
SELECT date_trunc('month', m.created_at AT TIME ZONE %(zone)s)::date AS month,
       {_DIMENSIONS.format(product="m.product_id")},
       0 AS quantity, 0 AS sales,
       ROUND(-m.quantity * m.unit_cost, 2) AS cost,
       0 AS unconverted
  FROM {_T["move"]} AS m
  LEFT JOIN {_T["delivery"]} AS d
         ON m.kind = 'delivery' AND m.document_type = 'delivery' AND d.id = m.document_id
  LEFT JOIN {_T["return"]} AS rt
         ON m.kind = 'return' AND m.document_type = 'return' AND rt.id = m.document_id
  JOIN {_T["order"]} AS o ON o.id = COALESCE(d.order_id, rt.order_id)
  JOIN {_T["customer"]} AS c ON c.id = o.customer_id
  JOIN {_T["product"]} AS p ON p.id = m.product_id
 WHERE {_COST_MOVES} AND {{where}}"""  # noqa: S608 - names are the models'


def _sums(prefix: str = "") -> str:
    return ", ".join(f"SUM({prefix}{name})" for name in MEASURES)


def _upsert(table: str, keys: list[str]) -> str:
    """Add the `delta` rows, grouped by `keys`, to `table` (rows taken in key order)."""
    listed = ", ".join(keys)
    adds = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in MEASURES)
    return (
        f"INSERT INTO {table} ({listed}, {', '.join(MEASURES)})"  # noqa: S608 - model names
        f" SELECT {listed}, {_sums()} FROM delta GROUP BY {listed} ORDER BY {listed}"
        f" ON CONFLICT ({listed}) DO UPDATE SET {adds}"
    )


def _apply(source: str) -> str:
    """One statement adding the figures `source` selects to both rollups: the fine
    table first, then the cube, each in key order (so two postings take their row
    locks in the same order and never wait on each other in a circle)."""
    return (
        f"WITH delta AS ({source}),"
        f" fine AS ({_upsert(FINE, FINE_KEYS)} RETURNING 1)"
        f" {_upsert(CUBE, CUBE_KEYS)}"
    )


def _params(**extra: Any) -> dict[str, Any]:
    return {"base": money.base_currency(), "zone": settings.TIME_ZONE, **extra}


# --- As documents post ---------------------------------------------------------------
def sales_posting_record(posting: SalesPosting) -> None:
    """Add an order's lines (confirmed), take them back out (cancelled), or take a
    return's lines out (returned): in the caller's transaction, one statement."""
    if posting.kind == RETURNED:
        sql = _apply(_RETURNED.format(where="rt.id = %(document)s"))
        params = _params(document=posting.order_return_id)
    elif posting.kind in (CONFIRMED, CANCELLED):
        sql = _apply(_SOLD.format(where="o.id = %(document)s"))
        params = _params(document=posting.order_id, sign=1 if posting.kind == CONFIRMED else -1)
    else:  # pragma: no cover - every kind is listed above
        raise ValueError(posting.kind)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def sales_moves_record(moves: Sequence[StockMove]) -> None:
    """Add the cost of a posting's delivery and customer-return moves (other moves
    carry no cost of goods), in the caller's transaction."""
    ids = [
        move.pk
        for move in moves
        if move.pk is not None
        and (move.kind, move.document_type) in (("delivery", "delivery"), ("return", "return"))
    ]
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(_apply(_COST.format(where="m.id = ANY(%(ids)s)")), _params(ids=ids))


# --- From the documents --------------------------------------------------------------
def _everything() -> str:
    statuses = ", ".join(f"'{status}'" for status in SALE_STATUSES)
    return " UNION ALL ".join(
        [
            _SOLD.format(where=f"o.status IN ({statuses})"),
            _RETURNED.format(where="TRUE"),
            _COST.format(where="TRUE"),
        ]
    )


@transaction.atomic
def sales_rollup_rebuild() -> int:
    """Recompute both rollups from the orders, returns and stock moves alone
    (idempotent: the same documents give the same rows). Returns the fine table's row
    count."""
    with connection.cursor() as cursor:
        # Postings' writes wait for this and it waits for theirs (the mode conflicts
        # with ROW EXCLUSIVE and with itself), so the documents read below hold every
        # figure the rollup had.
        cursor.execute(f"LOCK TABLE {FINE}, {CUBE} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {FINE}")  # noqa: S608 - a model's table
        cursor.execute(f"DELETE FROM {CUBE}")  # noqa: S608 - a model's table
        cursor.execute(_apply(_everything()), _params(sign=1))
        cursor.execute(f"SELECT COUNT(*) FROM {FINE}")  # noqa: S608 - a model's table
        (rows,) = cursor.fetchone()
    return int(rows)


RAW_KEYS = ("month", "customer_id", "product_id", *KEYS)


def raw_sales_figures(group_by: Sequence[str]) -> dict[tuple[Any, ...], dict[str, Decimal]]:
    """The measures summed straight from the documents' lines, grouped by `group_by`
    (names of `RAW_KEYS`): what the rollup must equal. Keys whose figures are all zero
    are left out."""
    keys = [key for key in group_by if key in RAW_KEYS]
    if len(keys) != len(group_by):
        raise ValueError(f"Group by {RAW_KEYS}, not {group_by}")
    sql = f"SELECT {_select(keys)} FROM ({_everything()}) AS raw {_grouped(keys)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(sign=1))
        found = cursor.fetchall()
    return _keyed(found, len(keys))


def rollup_sales_figures(
    group_by: Sequence[str], *, cube: bool = False
) -> dict[tuple[Any, ...], dict[str, Decimal]]:
    """The same sums read from the fine rollup (or the cube, whose keys hold no
    customer or product)."""
    allowed = CUBE_KEYS if cube else RAW_KEYS
    if any(key not in allowed for key in group_by):
        raise ValueError(f"Group by {allowed}, not {group_by}")
    table = CUBE if cube else FINE
    sql = f"SELECT {_select(group_by)} FROM {table} {_grouped(group_by)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        found = cursor.fetchall()
    return _keyed(found, len(group_by))


def _select(keys: Sequence[str]) -> str:
    return ", ".join([*keys, _sums()])


def _grouped(keys: Sequence[str]) -> str:
    return f"GROUP BY {', '.join(keys)}" if keys else ""


def _keyed(found: list[tuple[Any, ...]], width: int) -> dict[tuple[Any, ...], dict[str, Decimal]]:
    figures: dict[tuple[Any, ...], dict[str, Decimal]] = {}
    for row in found:
        key = tuple(row[:width])
        values = dict(zip(MEASURES, row[width:], strict=True))
        if any(value for value in values.values()):
            figures[key] = values
    return figures
