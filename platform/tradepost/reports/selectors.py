"""A month's stock report (进销存月报): one row per product and location that had stock
or moves in the month, read from the rollup (`StockMonthly`), never from the ledger.

A product and location without moves in the month still shows when it held stock: its
row is the latest earlier month's closing carried over (opening = closing, nothing in
or out). `StockMonthlyReport` is a lazy, sliceable list (Django's `Paginator` and the
API's pagination page through it): its count and totals take one query, each page one
more. Filters: location, product category (with its sub-categories), a search over SKU
and name.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, overload

from django.db import connection

from tradepost.inventory.models import StockBalance
from tradepost.masterdata.models import Location, Product, ProductCategory
from tradepost.reports.models import FIGURE_NAMES, FIGURES, StockMonthly

TABLE = StockMonthly._meta.db_table
FIGURE_COLUMNS = [f"{name}_{unit}" for name in FIGURE_NAMES for unit in ("qty", "value")]
ZERO = Decimal("0")


@dataclass(frozen=True)
class StockMonthlyFilter:
    month: datetime.date
    location_id: int | None = None
    product_id: int | None = None
    category_id: int | None = None
    search: str = ""


@dataclass(frozen=True)
class FigureCell:
    name: str
    label: str
    qty: Decimal
    value: Decimal


def figure_cells(figures: dict[str, Decimal]) -> list[FigureCell]:
    """`figures` (`opening_qty` … `closing_value`) in column order, for the page."""
    return [
        FigureCell(name, str(label), figures[f"{name}_qty"], figures[f"{name}_value"])
        for name, label in FIGURES
    ]


@dataclass
class StockMonthlyRow:
    product_id: int
    sku: str
    product: str
    unit: str
    category: str
    location_id: int
    location: str
    location_code: str
    figures: dict[str, Decimal] = field(default_factory=dict)

    @property
    def cells(self) -> list[FigureCell]:
        return figure_cells(self.figures)

    def __getattr__(self, name: str) -> Any:
        # `row.closing_qty` in templates and serializers.
        try:
            return self.__dict__["figures"][name]
        except KeyError:
            raise AttributeError(name) from None


def _carried(column: str) -> str:
    """The month's figure of the latest row: itself when that row is the month's, the
    closing carried over (opening) or nothing (movements) when it is earlier."""
    name = column.rsplit("_", 1)[0]
    unit = column.rsplit("_", 1)[1]
    if name == "closing":
        return f"r.{column}"
    if name == "opening":
        return f"CASE WHEN r.month = %(month)s THEN r.{column} ELSE r.closing_{unit} END"
    return f"CASE WHEN r.month = %(month)s THEN r.{column} ELSE 0 END"


def _report_sql(report: StockMonthlyFilter) -> tuple[str, dict[str, Any]]:
    conditions = ["(r.month = %(month)s OR r.closing_qty <> 0 OR r.closing_value <> 0)"]
    params: dict[str, Any] = {"month": report.month}
    if report.location_id is not None:
        conditions.append("b.location_id = %(location)s")
        params["location"] = report.location_id
    if report.product_id is not None:
        conditions.append("b.product_id = %(product)s")
        params["product"] = report.product_id
    if report.category_id is not None:
        categories = ProductCategory._meta.db_table
        conditions.append(
            f"p.category_id IN (SELECT c.id FROM {categories} AS c"  # noqa: S608 - a model's table
            f" JOIN {categories} AS chosen"
            " ON c.path LIKE chosen.path || '%%' WHERE chosen.id = %(category)s)"
        )
        params["category"] = report.category_id
    if report.search:
        conditions.append("(p.sku ILIKE %(search)s OR p.name ILIKE %(search)s)")
        escaped = report.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["search"] = f"%{escaped}%"
    figures = ",\n".join(f"{_carried(c)} AS {c}" for c in FIGURE_COLUMNS)
    sql = f"""
    SELECT b.product_id, b.location_id, {figures}
      FROM {StockBalance._meta.db_table} AS b
      JOIN {Product._meta.db_table} AS p ON p.id = b.product_id
     CROSS JOIN LATERAL (
           SELECT * FROM {TABLE} AS s
            WHERE s.product_id = b.product_id AND s.location_id = b.location_id
              AND s.month <= %(month)s
            ORDER BY s.month DESC LIMIT 1
     ) AS r
     WHERE {" AND ".join(conditions)}
    """  # noqa: S608 - names are the models'; every value is a parameter
    return sql, params


class StockMonthlyReport:
    """The rows of one month's report under a filter, ordered by SKU and location; a
    lazy sequence: `len()` / `count()` and `totals` share one query, a slice runs one."""

    def __init__(self, report: StockMonthlyFilter):
        self.filter = report
        self._summary: dict[str, Any] | None = None

    def _summarise(self) -> dict[str, Any]:
        if self._summary is None:
            sql, params = _report_sql(self.filter)
            sums = ", ".join(f"COALESCE(SUM({c}), 0)" for c in FIGURE_COLUMNS)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*), {sums} FROM ({sql}) AS report", params)  # noqa: S608
                count, *values = cursor.fetchone()
            self._summary = {
                "count": count,
                "totals": dict(zip(FIGURE_COLUMNS, values, strict=True)),
            }
        return self._summary

    def count(self) -> int:
        return int(self._summarise()["count"])

    def __len__(self) -> int:
        return self.count()

    @property
    def totals(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = self._summarise()["totals"]
        return totals

    @overload
    def __getitem__(self, index: int) -> StockMonthlyRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[StockMonthlyRow]: ...
    def __getitem__(self, index: int | slice) -> StockMonthlyRow | list[StockMonthlyRow]:
        if isinstance(index, int):
            rows = self._rows(index, 1)
            if not rows:
                raise IndexError(index)
            return rows[0]
        start = index.start or 0
        limit = None if index.stop is None else max(0, index.stop - start)
        return self._rows(start, limit)

    def __iter__(self) -> Iterator[StockMonthlyRow]:
        return iter(self._rows(0, None))

    def _rows(self, offset: int, limit: int | None) -> list[StockMonthlyRow]:
        sql, params = _report_sql(self.filter)
        params = {**params, "offset": offset, "limit": limit}
        query = f"""
        SELECT p.sku, p.name, p.unit, COALESCE(c.name, ''), l.name, l.code, report.*
          FROM ({sql}) AS report
          JOIN {Product._meta.db_table} AS p ON p.id = report.product_id
          JOIN {Location._meta.db_table} AS l ON l.id = report.location_id
          LEFT JOIN {ProductCategory._meta.db_table} AS c ON c.id = p.category_id
         ORDER BY p.sku, l.name, report.product_id, report.location_id
         LIMIT %(limit)s OFFSET %(offset)s
        """  # noqa: S608 - names are the models'; every value is a parameter
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            found = cursor.fetchall()
        return [
            StockMonthlyRow(
                sku=sku,
                product=name,
                unit=unit,
                category=category,
                location=location,
                location_code=code,
                product_id=product_id,
                location_id=location_id,
                figures=dict(zip(FIGURE_COLUMNS, figures, strict=True)),
            )
            for (sku, name, unit, category, location, code, product_id, location_id, *figures) in (
                found
            )
        ]


def stock_monthly_report(report: StockMonthlyFilter) -> StockMonthlyReport:
    """The month's report under `report`'s filters (see the module docstring). Who may
    read it is the caller's check (`reports.view_stockmonthly`)."""
    return StockMonthlyReport(report)
