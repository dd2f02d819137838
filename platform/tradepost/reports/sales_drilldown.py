"""The sales drill-down (决策支持 — 钻取查询): sales, gross margin or receivables grouped
by up to two of branch, region, channel, customer, salesperson, category, product and
period (month, quarter or year), filtered by the others, over a range of months; down
to the documents of a slice. The page (`/reports/sales/`) and the API
(`/api/v1/reports/sales/`) read it through `drilldown_query` and `sales_drilldown`, so
they accept and refuse the same input with the same words.

Sales and gross margin read the rollups (`reports.sales_rollup`, whose docstring says
what counts as a sale and where each figure lands), never the order lines: the cube
(`SalesCube`) when neither the customer nor the product is asked for and the reader
sees every customer, else the fine table (`SalesMonthly`) limited to the customers the
reader sees. Receivables are the customers' balances now (the sum of their ledger
entries, converted at today's rate into the base currency) grouped by the customer's
branch, region, channel or salesperson (their owner): a balance has no product or
period.

Who: `reports.view_salesmonthly` reads the report, each reader within their customer
scope (`customers.selectors.customer_scope`: a salesperson their own customers, a
sales manager their branch, region and team, finance and executives everything).
Cost and gross margin take `inventory.view_stock_cost` as well (as profitability);
receivables take `settlement.view_ledgerentry`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from tradepost.accounts.models import User
from tradepost.customers.models import Channel, Customer
from tradepost.customers.selectors import customer_scope, customers_visible_to
from tradepost.masterdata.models import Branch, Product, ProductCategory, SalesRegion
from tradepost.principals import Actor
from tradepost.reports import rollup
from tradepost.reports.models import SalesCube, SalesMonthly
from tradepost.reports.sales_rollup import SALE_STATUSES
from tradepost.sales.models import Order, OrderLine
from tradepost.sales.selectors import orders_visible_to
from tradepost.settlement import money
from tradepost.settlement.models import ExchangeRate, LedgerEntry

VIEW = "reports.view_salesmonthly"
COST = "inventory.view_stock_cost"
RECEIVABLES = "settlement.view_ledgerentry"
ZERO = Decimal("0.00")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR = 2000
MAX_MONTHS = 120
MAX_DIMENSIONS = 2
PERCENT_PLACES = Decimal("0.1")

DIMENSIONS: dict[str, Any] = {
    "region": pgettext_lazy("drill-down by", "Region"),
    "branch": pgettext_lazy("drill-down by", "Branch"),
    "channel": pgettext_lazy("drill-down by", "Channel"),
    "salesperson": pgettext_lazy("drill-down by", "Salesperson"),
    "customer": pgettext_lazy("drill-down by", "Customer"),
    "category": pgettext_lazy("drill-down by", "Category"),
    "product": pgettext_lazy("drill-down by", "Product"),
    "period": pgettext_lazy("drill-down by", "Period"),
}
# Clicking a row filters by it and groups by the next dimension not filtered yet.
DRILL_ORDER = ("region", "branch", "channel", "salesperson", "customer", "category", "product")
FILTERS = ("region", "branch", "channel", "salesperson", "customer", "category", "product")
CUSTOMER_DIMENSIONS = frozenset({"region", "branch", "channel", "salesperson", "customer"})
PERIODS: dict[str, Any] = {
    "month": pgettext_lazy("period", "Month"),
    "quarter": pgettext_lazy("period", "Quarter"),
    "year": pgettext_lazy("period", "Year"),
}
MEASURES: dict[str, Any] = {
    "sales": gettext_lazy("Sales"),
    "margin": gettext_lazy("Gross margin"),
    "receivables": gettext_lazy("Receivables"),
}
NONE = "none"  # a filter value: the figures without a branch, region, salesperson …
PARAMETERS = ("measure", "dimensions", "period", "start", "end", *FILTERS)


# --- The question ----------------------------------------------------------------------
@dataclass(frozen=True)
class DrilldownQuery:
    measure: str
    dimensions: tuple[str, ...]
    period: str
    start: datetime.date  # first month
    end: datetime.date  # last month (its first day)
    filters: tuple[tuple[str, int | str | None], ...] = ()  # in the order they were given

    @property
    def filter_map(self) -> dict[str, int | str | None]:
        return dict(self.filters)

    @property
    def end_day(self) -> datetime.date:
        return rollup.next_month(self.end) - datetime.timedelta(days=1)

    @property
    def uses_customer_or_product(self) -> bool:
        names = set(self.dimensions) | {name for name, _value in self.filters}
        return bool(names & {"customer", "product"})


def default_range() -> tuple[datetime.date, datetime.date]:
    """The last twelve months, this one included."""
    end = rollup.current_month()
    start = end
    for _month_back in range(11):
        start = rollup.previous_month(start)
    return start, end


def _month(text: str) -> datetime.date:
    found = MONTH.match(text.strip())
    number = int(found.group(2)) if found else 0
    if not found or not 1 <= number <= 12:  # noqa: PLR2004 - months of a year
        raise ValidationError(
            _("Enter a month as YYYY-MM, e.g. %(example)s.")
            % {"example": f"{rollup.current_month():%Y-%m}"}
        )
    month = datetime.date(int(found.group(1)), number, 1)
    if month.year < FIRST_YEAR:
        raise ValidationError(_("Choose a month from %(year)s on.") % {"year": FIRST_YEAR})
    return month


def _filter_value(name: str, text: str) -> int | str | None:
    if text == NONE and name not in ("customer", "product", "channel"):
        return None
    if name == "channel":
        if text not in Channel.values:
            raise ValidationError(
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(Channel.values)}
            )
        return text
    if not (text.isascii() and text.isdigit() and len(text) < 19):  # noqa: PLR2004 - bigint
        raise ValidationError(_("Enter an id (a whole number) or “none”."))
    return int(text)


def drilldown_query(params: Mapping[str, Any], *, page: bool = False) -> DrilldownQuery:
    """The question in `params` (a QueryDict or a dict of lists or strings); a
    ValidationError whose dict names every parameter to fix. `page`: the page's form,
    where an empty box means "not chosen" rather than a mistake."""
    errors: dict[str, list[str]] = {}

    def values(name: str) -> list[str]:
        got = params.getlist(name) if hasattr(params, "getlist") else params.get(name, [])
        listed = [got] if isinstance(got, str) else list(got)
        return [value for value in listed if value != ""] if page else listed

    def one(name: str) -> str | None:
        given = values(name)
        if len(given) > 1:
            errors[name] = [_("Give this parameter once.")]
            return None
        if given == [""]:
            errors[name] = [_("Must not be empty; leave the parameter out instead.")]
            return None
        return given[0].strip() if given else None

    measure = one("measure") or "sales"
    if measure not in MEASURES:
        errors["measure"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(MEASURES)}]
    dimensions_text = one("dimensions") or "region"
    dimensions = tuple(name.strip() for name in dimensions_text.split(",") if name.strip())
    if (
        not dimensions
        or len(dimensions) > MAX_DIMENSIONS
        or len(set(dimensions)) != len(dimensions)
        or any(name not in DIMENSIONS for name in dimensions)
    ):
        errors["dimensions"] = [
            _("Choose one or two of: %(choices)s, separated by a comma.")
            % {"choices": ", ".join(DIMENSIONS)}
        ]
    elif measure == "receivables" and not set(dimensions) <= CUSTOMER_DIMENSIONS:
        errors["dimensions"] = [
            _("Receivables group by %(choices)s only.")
            % {"choices": ", ".join(sorted(CUSTOMER_DIMENSIONS))}
        ]
    period = one("period") or "month"
    if period not in PERIODS:
        errors["period"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(PERIODS)}]
    start, end = default_range()
    for name in ("start", "end"):
        text = one(name)
        if text:
            try:
                month = _month(text)
            except ValidationError as exc:
                errors[name] = list(exc.messages)
                continue
            if name == "start":
                start = month
            else:
                end = month
    if "start" not in errors and "end" not in errors:
        if end < start:
            errors["end"] = [_("The end of the period is before its start.")]
        elif (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS:
            errors["end"] = [
                _("Choose a period of at most %(months)d months.") % {"months": MAX_MONTHS}
            ]
    chosen: list[tuple[str, int | str | None]] = []
    given_order = list(params.keys()) if hasattr(params, "keys") else list(FILTERS)
    for name in sorted(FILTERS, key=lambda n: given_order.index(n) if n in given_order else 99):
        text = one(name)
        if text is None:
            continue
        try:
            chosen.append((name, _filter_value(name, text)))
        except ValidationError as exc:
            errors[name] = list(exc.messages)
    if measure == "receivables":
        for name, _value in chosen:
            if name not in CUSTOMER_DIMENSIONS:
                errors.setdefault(name, []).append(
                    _("Receivables are filtered by the customer's dimensions only.")
                )
    if errors:
        raise ValidationError(errors)
    return DrilldownQuery(
        measure=measure,
        dimensions=dimensions,
        period=period,
        start=start,
        end=end,
        filters=tuple(chosen),
    )


def authorize(actor: Actor, query: DrilldownQuery) -> None:
    """PermissionDenied for a reader who may not see what `query` asks."""
    if not actor.has_perm(VIEW):
        raise PermissionDenied(_("You do not have permission to do this."))
    if query.measure == "margin" and not actor.has_perm(COST):
        raise PermissionDenied(_("You may not see what stock cost."))
    if query.measure == "receivables" and not actor.has_perm(RECEIVABLES):
        raise PermissionDenied(_("You may not see receivables."))


# --- The answer ------------------------------------------------------------------------
@dataclass
class DrillKey:
    dimension: str
    value: Any  # id, channel code, period start or None
    label: str

    @property
    def dimension_label(self) -> str:
        return str(DIMENSIONS.get(self.dimension, ""))

    @property
    def param(self) -> str:
        """The key as a filter value (for periods: the period's first month)."""
        if self.value is None:
            return NONE
        if isinstance(self.value, datetime.date):
            return f"{self.value:%Y-%m}"
        return str(self.value)


@dataclass
class DrillRow:
    keys: list[DrillKey]
    quantity: Decimal = ZERO
    sales: Decimal = ZERO
    cost: Decimal | None = ZERO
    receivables: Decimal = ZERO
    unconverted: int = 0

    @property
    def label(self) -> str:
        return " · ".join(key.label for key in self.keys)

    @property
    def gross_margin(self) -> Decimal | None:
        return None if self.cost is None else self.sales - self.cost

    @property
    def margin_percent(self) -> Decimal | None:
        margin = self.gross_margin
        if margin is None or self.sales <= 0:
            return None
        return (margin * 100 / self.sales).quantize(PERCENT_PLACES)

    def add(self, other: DrillRow) -> None:
        self.quantity += other.quantity
        self.sales += other.sales
        if self.cost is not None and other.cost is not None:
            self.cost += other.cost
        self.receivables += other.receivables
        self.unconverted += other.unconverted


@dataclass
class Drilldown:
    query: DrilldownQuery
    currency: str
    show_cost: bool
    rows: list[DrillRow]
    totals: DrillRow
    trend: list[DrillRow] = field(default_factory=list)
    filter_labels: dict[str, str] = field(default_factory=dict)

    @property
    def unconverted(self) -> int:
        return self.totals.unconverted


def _period_sql(period: str, column: str) -> str:
    return f"date_trunc('{period}', {column})::date"


def period_label(period: str, start: datetime.date) -> str:
    if period == "year":
        return f"{start:%Y}"
    if period == "quarter":
        return f"{start:%Y}-Q{(start.month - 1) // 3 + 1}"
    return f"{start:%Y-%m}"


def period_end(period: str, start: datetime.date) -> datetime.date:
    """The last month (first day) of the period beginning `start`."""
    months = {"month": 0, "quarter": 2, "year": 11}[period]
    end = start
    for _month_on in range(months):
        end = rollup.next_month(end)
    return end


_SALES_COLUMNS = {
    "region": "r.region_id",
    "branch": "r.branch_id",
    "channel": "r.channel",
    "salesperson": "r.salesperson_id",
    "customer": "r.customer_id",
    "category": "r.category_id",
    "product": "r.product_id",
}
_CUSTOMER_COLUMNS = {
    "region": "c.region_id",
    "branch": "c.branch_id",
    "channel": "c.channel",
    "salesperson": "c.owner_id",
    "customer": "c.id",
}


def _scope_sql(actor: Actor, column: str) -> tuple[str, list[Any]]:
    """`column IN (the customers the actor sees)`, or nothing for who sees all."""
    if customer_scope(actor).everything:
        return "", []
    sql, params = customers_visible_to(actor).values("pk").query.sql_with_params()
    return f"{column} IN ({sql})", list(params)


def _filters_sql(query: DrilldownQuery, columns: Mapping[str, str]) -> tuple[list[str], list[Any]]:
    conditions: list[str] = []
    params: list[Any] = []
    for name, value in query.filters:
        column = columns[name]
        if value is None:
            conditions.append(f"{column} IS NULL")
        elif name == "category":
            table = ProductCategory._meta.db_table
            conditions.append(
                f"{column} IN (SELECT k.id FROM {table} AS k JOIN {table} AS chosen"  # noqa: S608
                " ON k.path LIKE chosen.path || '%%' WHERE chosen.id = %s)"
            )
            params.append(value)
        else:
            conditions.append(f"{column} = %s")
            params.append(value)
    return conditions, params


def _sales_rows(
    actor: Actor, query: DrilldownQuery, dimensions: Sequence[str]
) -> list[tuple[Any, ...]]:
    """The grouped sums of the rollup: one row per key of `dimensions` — the keys,
    then quantity, sales, cost, unconverted."""
    everything = customer_scope(actor).everything
    fine = not everything or query.uses_customer_or_product
    table = SalesMonthly._meta.db_table if fine else SalesCube._meta.db_table
    keys = [
        _period_sql(query.period, "r.month") if name == "period" else _SALES_COLUMNS[name]
        for name in dimensions
    ]
    conditions, params = _filters_sql(query, _SALES_COLUMNS)
    conditions = ["r.month BETWEEN %s AND %s", *conditions]
    params = [query.start, query.end, *params]
    scope, scope_params = _scope_sql(actor, "r.customer_id")
    if scope:
        conditions.append(scope)
        params += scope_params
    listed = ", ".join(keys)
    order = ", ".join(
        [f"{k}" for k, n in zip(keys, dimensions, strict=True) if n == "period"]
        + ["SUM(r.sales) DESC"]
        + keys
    )
    sql = (
        f"SELECT {listed}, SUM(r.quantity), SUM(r.sales), SUM(r.cost), SUM(r.unconverted)"  # noqa: S608
        f" FROM {table} AS r WHERE {' AND '.join(conditions)}"
        f" GROUP BY {listed} ORDER BY {order}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _receivable_rows(actor: Actor, query: DrilldownQuery) -> list[tuple[Any, ...]]:
    """Per key of the query's dimensions: the customers' balances now, in the base
    currency (each customer's balance per currency converted at today's rate), and
    how many balances lacked a rate."""
    keys = [_CUSTOMER_COLUMNS[name] for name in query.dimensions]
    conditions, params = _filters_sql(query, _CUSTOMER_COLUMNS)
    scope, scope_params = _scope_sql(actor, "c.id")
    if scope:
        conditions.append(scope)
    listed = ", ".join(keys)
    where = " AND ".join(conditions) or "TRUE"
    sql = f"""
    WITH balances AS (
        SELECT e.customer_id, e.currency, SUM(e.amount) AS amount
          FROM {LedgerEntry._meta.db_table} AS e GROUP BY e.customer_id, e.currency
    ), converted AS (
        SELECT b.customer_id,
               CASE WHEN b.currency = %s THEN b.amount
                    ELSE COALESCE(ROUND(b.amount * x.rate, 2), 0) END AS amount,
               CASE WHEN b.currency <> %s AND x.rate IS NULL THEN 1 ELSE 0 END AS missing
          FROM balances AS b
          LEFT JOIN LATERAL (
               SELECT rate FROM {ExchangeRate._meta.db_table}
                WHERE currency = b.currency AND rate_date <= CURRENT_DATE
                ORDER BY rate_date DESC LIMIT 1
          ) AS x ON TRUE
    )
    SELECT {listed}, SUM(v.amount), SUM(v.missing)
      FROM converted AS v JOIN {Customer._meta.db_table} AS c ON c.id = v.customer_id
     WHERE {where}
     GROUP BY {listed} ORDER BY SUM(v.amount) DESC, {listed}
    """  # noqa: S608 - names are the models'; every value is a parameter
    base = money.base_currency()
    with connection.cursor() as cursor:
        cursor.execute(sql, [base, base, *params, *scope_params])
        return list(cursor.fetchall())


def _labels(
    actor: Actor, dimension: str, values: set[Any], period: str = "month"
) -> dict[Any, str]:
    """Names of the keys of one dimension (one query at most; none for channel and
    period). Customers' names only of customers the actor sees."""
    keys = {value for value in values if value is not None}
    if not keys:
        return {}
    if dimension == "period":
        return {value: period_label(period, value) for value in keys}
    if dimension == "channel":
        return {value: str(Channel(value).label) for value in keys if value in Channel.values}
    if dimension == "branch":
        return dict(Branch.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "region":
        return dict(SalesRegion.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "category":
        return dict(ProductCategory.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "salesperson":
        return {
            pk: name or email
            for pk, name, email in User.objects.filter(pk__in=keys).values_list(
                "pk", "full_name", "email"
            )
        }
    if dimension == "product":
        return {
            pk: f"{sku} {name}"
            for pk, sku, name in Product.objects.filter(pk__in=keys).values_list(
                "pk", "sku", "name"
            )
        }
    return dict(customers_visible_to(actor).filter(pk__in=keys).values_list("pk", "name"))


def _unassigned(dimension: str) -> str:
    if dimension == "period":
        return ""
    return str(pgettext_lazy("drill-down row", "Unassigned"))


def _rows(
    actor: Actor,
    query: DrilldownQuery,
    dimensions: Sequence[str],
    found: list[tuple[Any, ...]],
    *,
    show_cost: bool,
) -> list[DrillRow]:
    width = len(dimensions)
    labels = {
        name: _labels(actor, name, {row[i] for row in found}, query.period)
        for i, name in enumerate(dimensions)
    }
    rows: list[DrillRow] = []
    for record in found:
        keys = [
            DrillKey(name, record[i], labels[name].get(record[i]) or _unassigned(name))
            for i, name in enumerate(dimensions)
        ]
        if query.measure == "receivables":
            amount, missing = record[width:]
            rows.append(DrillRow(keys, receivables=amount, unconverted=int(missing), cost=None))
            continue
        quantity, sales, cost, unconverted = record[width:]
        row = DrillRow(
            keys,
            quantity=quantity,
            sales=sales,
            cost=cost if show_cost else None,
            unconverted=int(unconverted),
        )
        if quantity or sales or cost or unconverted:  # a cancelled order's zeroes
            rows.append(row)
    return rows


def filter_labels(actor: Actor, query: DrilldownQuery) -> dict[str, str]:
    """What each filter of the query reads as (for the breadcrumbs): one query per
    filtered dimension with a name."""
    labels: dict[str, str] = {}
    for name, value in query.filters:
        if value is None:
            labels[name] = _unassigned(name)
        else:
            labels[name] = _labels(actor, name, {value}).get(value, str(value))
    return labels


def sales_drilldown(actor: Actor, query: DrilldownQuery, *, trend: bool = True) -> Drilldown:
    """The rows of `query` for `actor` (PermissionDenied for what they may not see),
    their totals and — for sales and margin, when asked — the trend by period under the
    same filters. A fixed number of queries whatever the number of rows."""
    authorize(actor, query)
    show_cost = bool(actor.has_perm(COST))
    if query.measure == "receivables":
        rows = _rows(
            actor, query, query.dimensions, _receivable_rows(actor, query), show_cost=False
        )
    else:
        found = _sales_rows(actor, query, query.dimensions)
        rows = _rows(actor, query, query.dimensions, found, show_cost=show_cost)
    totals = DrillRow(
        [DrillKey("total", None, str(_("Total")))],
        cost=ZERO if show_cost and query.measure != "receivables" else None,
    )
    for row in rows:
        totals.add(row)
    trend_rows: list[DrillRow] = []
    if trend and query.measure != "receivables":
        if query.dimensions == ("period",):
            trend_rows = rows
        else:
            found = _sales_rows(actor, query, ["period"])
            trend_rows = _rows(actor, query, ["period"], found, show_cost=show_cost)
            trend_rows.sort(key=lambda row: row.keys[0].value)
    return Drilldown(
        query=query,
        currency=money.base_currency(),
        show_cost=show_cost,
        rows=rows,
        totals=totals,
        trend=trend_rows,
    )


def next_dimension(query: DrilldownQuery, dimension: str) -> str | None:
    """Where a click on a row grouped by `dimension` leads: the next dimension not
    filtered yet (None: the documents)."""
    taken = {name for name, _value in query.filters} | {dimension}
    if dimension == "period":
        taken = {name for name, _value in query.filters}
    for name in DRILL_ORDER:
        if name not in taken and (query.measure != "receivables" or name in CUSTOMER_DIMENSIONS):
            return name
    return None


# --- Down to the documents ------------------------------------------------------------
def sales_documents(actor: Actor, query: DrilldownQuery) -> QuerySet[Order]:
    """The confirmed orders of the slice (order date in the period; their customer,
    salesperson, products as the filters say), with `slice_amount`: the net amount of
    their lines in the slice (in the order's currency). Newest first."""
    authorize(actor, query)
    orders = orders_visible_to(actor).filter(
        status__in=SALE_STATUSES, order_date__gte=query.start, order_date__lte=query.end_day
    )
    lines = OrderLine.objects.filter(order=OuterRef("pk"))
    for name, value in query.filters:
        if name in ("region", "branch", "channel"):
            orders = orders.filter(**{f"customer__{name}": value})
        elif name == "customer":
            orders = orders.filter(**{"customer_id": value})
        elif name == "salesperson":
            orders = orders.filter(
                Q(owner_id=value) | Q(owner__isnull=True, customer__owner_id=value)
            )
        elif name == "product":
            lines = lines.filter(**{"product_id": value})
        elif name == "category":
            if value is None:
                lines = lines.filter(product__category__isnull=True)
            else:
                chosen = ProductCategory.objects.filter(pk=value).values("path")[:1]
                lines = lines.filter(product__category__path__startswith=Subquery(chosen))
    amount = Subquery(
        lines.order_by().values("order").annotate(total=Sum("net_amount")).values("total")[:1],
        output_field=DecimalField(max_digits=20, decimal_places=2),
    )
    return (
        orders.annotate(slice_amount=amount)
        .filter(slice_amount__isnull=False)
        .select_related("customer", "owner")
        .order_by("-order_date", "-pk")
    )
