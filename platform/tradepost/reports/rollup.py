"""Keeping the monthly stock rollup (`StockMonthly`) equal to the stock ledger.

As moves post: the ledger (`inventory.ledger.Posting.save`) calls
`stock_monthly_record(moves)` inside the posting's transaction. One statement reads the
moves back as stored and adds their figures to their month's row of each product and
location —
`INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x`, so two postings never lose
each other's figures whatever order they commit in — and shifts the opening and closing
of any later month's rows by the same net change. A new row opens with the closing of
the latest earlier row of its product and location. (Postings of one product and
location are serialised anyway by the balance row they lock; the rollup does not rely
on it.)

From the ledger: `stock_monthly_rebuild(month=…)` recomputes the rows of `month` and
every later month from the moves alone (the opening from every move before `month`),
and writes a row for each product and location that holds stock in a month without
moves, so a closed month reads complete. It holds a lock on the rollup table that
postings' writes wait for (and that waits for theirs), so nothing posted meanwhile is
lost or counted twice. The beat runs it on the 1st for last month
(`tasks.stock_monthly_close`); the report page runs it on demand.

Months are calendar months in the workspace's time zone (`settings.TIME_ZONE`); a move
belongs to the month of its `created_at` there.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from tradepost.inventory.models import StockMove
from tradepost.reports.models import MOVEMENTS, StockMonthly

K = StockMove.Kind
# Where each kind of move is counted, and with which sign (out-figures are positive).
KIND_FIGURE: dict[str, tuple[str, int]] = {
    K.RECEIPT: ("receipts", 1),
    K.TRANSFER_IN: ("transfers_in", 1),
    K.RETURN: ("returns", 1),
    K.DELIVERY: ("deliveries", -1),
    K.TRANSFER_OUT: ("transfers_out", -1),
    K.ADJUSTMENT: ("adjustments", 1),
    K.STOCKTAKE: ("adjustments", 1),
    K.OPENING: ("adjustments", 1),
}
TABLE = StockMonthly._meta.db_table
COLUMNS = [f"{name}_{unit}" for name in MOVEMENTS for unit in ("qty", "value")]


def report_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month_of(moment: datetime.datetime) -> datetime.date:
    """The first day of the month `moment` falls in (in the workspace's time zone)."""
    return moment.astimezone(report_zone()).date().replace(day=1)


def month_start(month: datetime.date) -> datetime.datetime:
    """The moment `month` begins, in the workspace's time zone."""
    return datetime.datetime(month.year, month.month, 1, tzinfo=report_zone())


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def previous_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def current_month() -> datetime.date:
    return month_of(datetime.datetime.now(tz=datetime.UTC))


# --- As moves post -------------------------------------------------------------------
def _sum_sql(figure: str, unit: str, also: str = "") -> str:
    """The SQL of one movement figure: the signed sum over its kinds (and `also`)."""
    kinds = [kind for kind, (name, _sign) in KIND_FIGURE.items() if name == figure]
    sign = KIND_FIGURE[kinds[0]][1]
    amount = "m.quantity" if unit == "qty" else "m.quantity * m.unit_cost"
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    return f"COALESCE(SUM({sign} * {amount}) FILTER (WHERE m.kind IN ({listed}){also}), 0)"


_SUMS = ",\n".join(
    f"{_sum_sql(figure, unit)} AS {figure}_{unit}"
    for figure in MOVEMENTS
    for unit in ("qty", "value")
)
MOVES_TABLE = StockMove._meta.db_table
# The posting's moves are read back as stored (rounded to their columns' places), and
# bucketed by month exactly as the rebuild and the ledger check do.
_RECORD_SQL = f"""
WITH delta AS (
    SELECT date_trunc('month', m.created_at AT TIME ZONE %(zone)s)::date AS month,
           m.product_id, m.location_id,
           {_SUMS},
           SUM(m.quantity) AS net_qty, SUM(m.quantity * m.unit_cost) AS net_value
      FROM {MOVES_TABLE} AS m
     WHERE m.id = ANY(%(ids)s)
     GROUP BY 1, 2, 3
),
shifted AS (
    UPDATE {TABLE} AS s
       SET opening_qty = s.opening_qty + d.net_qty,
           opening_value = s.opening_value + d.net_value,
           closing_qty = s.closing_qty + d.net_qty,
           closing_value = s.closing_value + d.net_value
      FROM delta AS d
     WHERE s.product_id = d.product_id AND s.location_id = d.location_id
       AND s.month > d.month
    RETURNING 1
)
INSERT INTO {TABLE} (month, product_id, location_id, opening_qty, opening_value,
                     {", ".join(COLUMNS)}, closing_qty, closing_value)
SELECT d.month, d.product_id, d.location_id,
       COALESCE(p.closing_qty, 0), COALESCE(p.closing_value, 0),
       {", ".join(f"d.{c}" for c in COLUMNS)},
       COALESCE(p.closing_qty, 0) + d.net_qty, COALESCE(p.closing_value, 0) + d.net_value
  FROM delta AS d
  LEFT JOIN LATERAL (
       SELECT e.closing_qty, e.closing_value FROM {TABLE} AS e
        WHERE e.product_id = d.product_id AND e.location_id = d.location_id
          AND e.month < d.month
        ORDER BY e.month DESC LIMIT 1
  ) AS p ON TRUE
ON CONFLICT (month, product_id, location_id) DO UPDATE SET
    {", ".join(f"{c} = {TABLE}.{c} + excluded.{c}" for c in COLUMNS)},
    closing_qty = {TABLE}.closing_qty + (excluded.closing_qty - excluded.opening_qty),
    closing_value = {TABLE}.closing_value + (excluded.closing_value - excluded.opening_value)
"""  # noqa: S608 - names are the model's; every value is a parameter


def stock_monthly_record(moves: Sequence[StockMove]) -> None:
    """Add `moves` (just written, in the caller's transaction) to the rollup: one
    statement, exact under concurrent postings (see the module docstring)."""
    ids = [move.pk for move in moves if move.pk is not None]
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(_RECORD_SQL, {"zone": settings.TIME_ZONE, "ids": ids})


# --- From the ledger -----------------------------------------------------------------
_REBUILD_SQL = f"""
WITH before AS (
    SELECT product_id, location_id,
           SUM(quantity) AS qty, SUM(quantity * unit_cost) AS value
      FROM {MOVES_TABLE}
     WHERE created_at < %(start)s
     GROUP BY product_id, location_id
),
moved AS (
    SELECT date_trunc('month', m.created_at AT TIME ZONE %(zone)s)::date AS month,
           m.product_id, m.location_id,
           {_SUMS},
           SUM(m.quantity) AS net_qty, SUM(m.quantity * m.unit_cost) AS net_value
      FROM {MOVES_TABLE} AS m
     WHERE m.created_at >= %(start)s
     GROUP BY 1, 2, 3
),
months AS (
    SELECT generate_series(%(month)s::date, %(last)s::date, interval '1 month')::date AS month
),
pairs AS (
    SELECT product_id, location_id FROM before
    UNION SELECT product_id, location_id FROM moved
),
grid AS (
    SELECT g.month, p.product_id, p.location_id, mv.month IS NOT NULL AS has_moves,
           {", ".join(f"COALESCE(mv.{c}, 0) AS {c}" for c in COLUMNS)},
           COALESCE(mv.net_qty, 0) AS net_qty, COALESCE(mv.net_value, 0) AS net_value,
           COALESCE(b.qty, 0) + SUM(COALESCE(mv.net_qty, 0)) OVER w AS closing_qty,
           COALESCE(b.value, 0) + SUM(COALESCE(mv.net_value, 0)) OVER w AS closing_value
      FROM months AS g
     CROSS JOIN pairs AS p
      LEFT JOIN moved AS mv
        ON mv.month = g.month AND mv.product_id = p.product_id
       AND mv.location_id = p.location_id
      LEFT JOIN before AS b ON b.product_id = p.product_id AND b.location_id = p.location_id
    WINDOW w AS (PARTITION BY p.product_id, p.location_id ORDER BY g.month)
)
INSERT INTO {TABLE} (month, product_id, location_id, opening_qty, opening_value,
                     {", ".join(COLUMNS)}, closing_qty, closing_value)
SELECT month, product_id, location_id, closing_qty - net_qty, closing_value - net_value,
       {", ".join(COLUMNS)}, closing_qty, closing_value
  FROM grid
 WHERE has_moves OR closing_qty - net_qty <> 0 OR closing_value - net_value <> 0
"""  # noqa: S608 - names are the model's; every value is a parameter


@transaction.atomic
def stock_monthly_rebuild(*, month: datetime.date) -> int:
    """Recompute the rollup of `month` and every month after it, up to the current one,
    from the stock ledger alone (idempotent: the same ledger gives the same rows).
    Returns how many rows `month` has now."""
    month = month.replace(day=1)
    last = max(current_month(), month)
    with connection.cursor() as cursor:
        # Postings' writes to the rollup wait for this and it waits for theirs (the mode
        # conflicts with ROW EXCLUSIVE and with itself), so the ledger read below holds
        # every move whose figures the rollup had.
        cursor.execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {TABLE} WHERE month >= %s", [month])  # noqa: S608
        cursor.execute(
            _REBUILD_SQL,
            {
                "start": month_start(month),
                "zone": settings.TIME_ZONE,
                "month": month,
                "last": last,
            },
        )
    return StockMonthly.objects.filter(month=month).count()


_LEDGER_MONTH_SQL = f"""
SELECT m.product_id, m.location_id,
       COALESCE(SUM(m.quantity) FILTER (WHERE m.created_at < %(start)s), 0) AS opening_qty,
       COALESCE(SUM(m.quantity * m.unit_cost) FILTER (WHERE m.created_at < %(start)s), 0)
           AS opening_value,
       {
    ", ".join(
        f"{_sum_sql(figure, unit, ' AND m.created_at >= %(start)s')} AS {figure}_{unit}"
        for figure in MOVEMENTS
        for unit in ("qty", "value")
    )
},
       SUM(m.quantity) AS closing_qty, SUM(m.quantity * m.unit_cost) AS closing_value,
       BOOL_OR(m.created_at >= %(start)s) AS moved
  FROM {MOVES_TABLE} AS m
 WHERE m.created_at < %(end)s
 GROUP BY m.product_id, m.location_id
"""  # noqa: S608 - names are the model's; every value is a parameter


def ledger_month_figures(month: datetime.date) -> dict[tuple[int, int], dict[str, Decimal]]:
    """The figures of `month` per (product id, location id) summed straight from the
    ledger's lines (one GROUP BY over every move before the month's end), for the
    products and locations the report lists: moves in the month, or stock (quantity or
    value) at its start. What the rollup must equal; the benchmark's raw-lines query."""
    names = ["opening_qty", "opening_value", *COLUMNS, "closing_qty", "closing_value"]
    with connection.cursor() as cursor:
        cursor.execute(
            _LEDGER_MONTH_SQL,
            {"start": month_start(month), "end": month_start(next_month(month))},
        )
        found = cursor.fetchall()
    return {
        (product_id, location_id): dict(zip(names, figures, strict=True))
        for product_id, location_id, *figures, moved in found
        if moved or figures[0] != 0 or figures[1] != 0
    }
