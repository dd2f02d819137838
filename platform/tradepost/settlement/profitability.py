"""Profitability (盈利分析) by branch, salesperson or product line over a period:

    revenue − cost of goods = gross margin;  gross margin − rebates − expenses = net
    contribution;  margin % = net contribution ÷ revenue.

Every figure is in the workspace's base currency, added up in SQL (one grouped query
per source, whatever the number of documents):

* **Revenue** (net of tax) is what the receivables ledger books as revenue, as the
  accounting export posts it: the lines of invoices issued in the period, less the
  credit notes issued in it. A credit note that pays a rebate is not counted here (it
  is the rebates column); one that credits a customer return counts as the return's
  lines at their net amounts (excl. tax), so a return lands on its products. Other
  credit notes (a price correction, a price adjustment) carry no product: by product
  line they are "Unassigned". Cancelled invoices and drafts count nothing. A line
  converts at its document's factor into the account's currency, rounded to the cent,
  and from there at the rate of the issue date into the base currency (`money`).
* **Cost of goods** is read from the stock ledger: the delivery moves made in the
  period (quantity × the moving-average unit cost the move recorded) less the customer
  returns taken back in it (at the cost they came back at), each rounded to the cent.
  Stock costs are kept in the base currency.
* **Rebates**: rebates posted in the period (their credit note's issue date).
* **Expenses**: expense claims approved or paid, dated (incurred) in the period,
  converted at that day's rate.

Where a figure lands:

| by           | revenue, cost of goods        | rebates          | expenses                      |
|--------------|-------------------------------|------------------|-------------------------------|
| branch       | the customer's branch         | customer's branch| the claim's branch, else its  |
|              |                               |                  | customer's (or order's)       |
| salesperson  | the order's salesperson, else | the customer's   | the claimant                  |
|              | the customer's owner          | owner            |                               |
| product line | the product's top-level       | the rule's       | "Unassigned": a claim is not  |
|              | category (sub-categories roll | product or       | tied to a product line        |
|              | up into it)                   | category         |                               |

Figures without a branch, salesperson or category make the "Unassigned" row.

**Who.** The report takes reading invoices and rebates (`PROFITABILITY`): finance,
executives and administrators see every customer; a sales manager the customers of
their scope (`customers.selectors.customer_scope`: their branch and region subtrees,
their team's and their own customers) and the expense claims on those customers, on
their branch subtree, or their own. Salespeople and dealers are refused: a
salesperson's row would still show the costs they are not shown elsewhere. The cost
of goods, and every figure made from it (gross margin, net contribution, margin %),
takes `inventory.view_stock_cost` as well; without it those figures are None.

A document in a currency without an exchange rate on or before its date is left out
of the figures and counted in `Report.unconverted` (the page says so).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Case,
    CharField,
    DecimalField,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round, Substr
from django.db.models.lookups import IsNull
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from tradepost.accounts.models import User
from tradepost.customers.selectors import customer_scope
from tradepost.dataio import files
from tradepost.inventory.models import Delivery, StockMove
from tradepost.lifecycle import Permission, permitted
from tradepost.masterdata.models import Branch, ProductCategory
from tradepost.masterdata.selectors import branch_subtree_ids
from tradepost.principals import Actor
from tradepost.sales.models import OrderReturn, OrderReturnLine
from tradepost.settlement import money
from tradepost.settlement.models import ExchangeRate, ExpenseClaim, Invoice, InvoiceLine, Rebate

ZERO = Decimal("0.00")
PERCENT_PLACES = Decimal("0.1")
MAX_DAYS = 366
MONEY = DecimalField(max_digits=20, decimal_places=2)

# Who may read the report: whoever reads invoices and rebates (finance, executives,
# sales managers; not salespeople, dealers or the warehouse).
PROFITABILITY: Permission = ("settlement.view_invoice", "settlement.view_rebate")
COST_PERMISSION = "inventory.view_stock_cost"

BRANCH, SALESPERSON, PRODUCT_LINE = "branch", "salesperson", "product_line"
DIMENSIONS: dict[str, Any] = {
    BRANCH: pgettext_lazy("profitability by", "Branch"),
    SALESPERSON: pgettext_lazy("profitability by", "Salesperson"),
    PRODUCT_LINE: pgettext_lazy("profitability by", "Product line"),
}
FIGURES = (
    "revenue",
    "cost_of_goods",
    "gross_margin",
    "rebates",
    "expenses",
    "net_contribution",
    "margin_percent",
)
COST_FIGURES = frozenset({"cost_of_goods", "gross_margin", "net_contribution", "margin_percent"})
FIGURE_LABELS: dict[str, Any] = {
    "revenue": gettext_lazy("Revenue"),
    "cost_of_goods": gettext_lazy("Cost of goods"),
    "gross_margin": gettext_lazy("Gross margin"),
    "rebates": pgettext_lazy("profitability column", "Rebates"),
    "expenses": pgettext_lazy("profitability column", "Expenses"),
    "net_contribution": gettext_lazy("Net contribution"),
    "margin_percent": gettext_lazy("Margin %"),
}


@dataclass
class ProfitRow:
    """One branch, salesperson or product line (`key` None: "Unassigned"), or the
    totals. The cost figures are None for a reader who may not see stock costs."""

    key: int | None
    label: str
    revenue: Decimal = ZERO
    cost_of_goods: Decimal | None = ZERO
    rebates: Decimal = ZERO
    expenses: Decimal = ZERO

    @property
    def gross_margin(self) -> Decimal | None:
        if self.cost_of_goods is None:
            return None
        return self.revenue - self.cost_of_goods

    @property
    def net_contribution(self) -> Decimal | None:
        gross = self.gross_margin
        return None if gross is None else gross - self.rebates - self.expenses

    @property
    def margin_percent(self) -> Decimal | None:
        """Net contribution as a percentage of revenue, one place; None without revenue."""
        net = self.net_contribution
        if net is None or self.revenue <= 0:
            return None
        return (net * 100 / self.revenue).quantize(PERCENT_PLACES)

    def figures(self) -> dict[str, Decimal | None]:
        return {name: getattr(self, name) for name in FIGURES}


@dataclass
class Report:
    start: datetime.date
    end: datetime.date
    by: str
    currency: str
    show_cost: bool
    rows: list[ProfitRow]
    totals: ProfitRow
    unconverted: int = 0  # documents left out for want of an exchange rate
    columns: tuple[str, ...] = field(default=FIGURES)


# --- Input -----------------------------------------------------------------------------
def period_check(start: datetime.date, end: datetime.date) -> None:
    if end < start:
        raise ValidationError({"end": [_("The end of the period is before its start.")]})
    if (end - start).days >= MAX_DAYS:
        raise ValidationError(
            {"end": [_("Choose a period of at most %(days)d days.") % {"days": MAX_DAYS}]}
        )


def by_check(by: str) -> None:
    if by not in DIMENSIONS:
        raise ValidationError(
            {"by": [_("Choose branch, salesperson or product_line.")]}, code="invalid"
        )


def month_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = day.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def quarter_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return first, month_of(first.replace(month=first.month + 2))[1]


def year_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    return day.replace(month=1, day=1), day.replace(month=12, day=31)


# --- Conversion ------------------------------------------------------------------------
def _rate(currency: str, day: str) -> Subquery:
    """The latest rate of the row's `currency` on or before its `day` (NULL: none)."""
    return Subquery(
        ExchangeRate.objects.filter(currency=OuterRef(currency), rate_date__lte=OuterRef(day))
        .order_by("-rate_date")
        .values("rate")[:1]
    )


@dataclass(frozen=True)
class _Money:
    """An amount of each row in the base currency, and whether its rate is missing."""

    amount: Expression
    missing: Expression


def _in_base(
    amount: Any, *, currency: str, day: str, base: str, factor: str | None = None
) -> _Money:
    """`amount` (an expression) in the base currency: first at the document's own
    `factor` into the account's `currency` (rounded to the cent), then, unless that is
    the base currency, at the rate of `day` (rounded again)."""
    if factor is not None:
        amount = Round(amount * F(factor), 2, output_field=MONEY)
    is_base = Q(**{currency: base})
    rate = _rate(currency, day)
    return _Money(
        amount=Case(
            When(is_base, then=amount),
            default=Round(amount * rate, 2, output_field=MONEY),
            output_field=MONEY,
        ),
        missing=Case(
            When(is_base, then=Value(0)),
            When(IsNull(_rate(currency, day), True), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
    )


# --- Where a row lands -----------------------------------------------------------------
def _top_category(path: Any) -> Any:
    """The materialised path of the top-level category above (or at) `path`."""
    return Substr(path, 1, ProductCategory.steplen)


def _key(by: str, *, customer: str, owner: Any, product: str | None) -> Any:
    """The row key of a source: `customer` is the path to its customer, `owner` the
    salesperson expression, `product` the path to its product (None: no product)."""
    if by == BRANCH:
        return F(f"{customer}branch_id")
    if by == SALESPERSON:
        return owner
    if product is None:
        return Value(None, output_field=CharField())
    return _top_category(F(f"{product}category__path"))


def _grouped(rows: QuerySet[Any], key: Any, value: _Money) -> list[dict[str, Any]]:
    return list(
        rows.order_by()
        .values(row_key=key)
        .annotate(amount=Coalesce(Sum(value.amount), Value(ZERO)), missing=Sum(value.missing))
    )


# --- The sources -----------------------------------------------------------------------
def _revenue(actor: Actor, *, start, end, by, base, everything) -> list[dict[str, Any]]:
    """Invoice and credit-note lines (not rebates', not returns'), then return lines
    of the return credit notes: both issued in the period."""
    lines = InvoiceLine.objects.filter(
        invoice__status=Invoice.Status.ISSUED,
        invoice__issue_date__gte=start,
        invoice__issue_date__lte=end,
        invoice__rebate__isnull=True,
        invoice__settlement_credit__order_return__isnull=True,
    )
    if not everything:
        lines = lines.filter(customer_scope(actor).q("invoice__customer__"))
    sign = Case(
        When(invoice__kind=Invoice.Kind.CREDIT_NOTE, then=Value(-1)),
        default=Value(1),
        output_field=IntegerField(),
    )
    value = _in_base(
        F("net_amount") * sign,
        currency="invoice__entry__currency",
        day="invoice__issue_date",
        base=base,
        factor="invoice__exchange_rate",
    )
    owner = Coalesce("invoice__order__owner_id", "invoice__customer__owner_id")
    key = _key(by, customer="invoice__customer__", owner=owner, product="product__")
    invoiced = _grouped(lines, key, value)

    # A return credit note, by the return's lines (a return has one issued note).
    note = "order_return__credits__credit_notes__"
    returned = OrderReturnLine.objects.filter(
        **{
            f"{note}status": Invoice.Status.ISSUED,
            f"{note}kind": Invoice.Kind.CREDIT_NOTE,
            f"{note}issue_date__gte": start,
            f"{note}issue_date__lte": end,
        }
    )
    if not everything:
        returned = returned.filter(customer_scope(actor).q("order_return__order__customer__"))
    value = _in_base(
        -F("net_amount"),
        currency=f"{note}entry__currency",
        day=f"{note}issue_date",
        base=base,
        factor=f"{note}exchange_rate",
    )
    owner = Coalesce("order_return__order__owner_id", "order_return__order__customer__owner_id")
    key = _key(
        by,
        customer="order_return__order__customer__",
        owner=owner,
        product="order_line__product__",
    )
    return invoiced + _grouped(returned, key, value)


def _cost_of_goods(actor: Actor, *, start, end, by, everything) -> list[dict[str, Any]]:
    """Delivery moves less customer-return moves of the period, at their unit cost."""
    zone = timezone.get_current_timezone()
    moves = StockMove.objects.filter(
        Q(kind=StockMove.Kind.DELIVERY, document_type="delivery")
        | Q(kind=StockMove.Kind.RETURN, document_type="return"),
        created_at__gte=datetime.datetime.combine(start, datetime.time.min, tzinfo=zone),
        created_at__lt=datetime.datetime.combine(
            end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        ),
    )
    deliveries = Delivery.objects.filter(pk=OuterRef("document_id")).order_by()
    returns = OrderReturn.objects.filter(pk=OuterRef("document_id")).order_by()
    if not everything:
        scope = customer_scope(actor)
        moves = moves.filter(
            Q(
                kind=StockMove.Kind.DELIVERY,
                document_id__in=Delivery.objects.filter(scope.q("order__customer__")).values("pk"),
            )
            | Q(
                kind=StockMove.Kind.RETURN,
                document_id__in=OrderReturn.objects.filter(scope.q("order__customer__")).values(
                    "pk"
                ),
            )
        )
    if by == PRODUCT_LINE:
        key: Any = _top_category(F("product__category__path"))
    else:
        through = (
            F("order__customer__branch_id")
            if by == BRANCH
            else Coalesce("order__owner_id", "order__customer__owner_id")
        )
        key = Case(
            When(
                kind=StockMove.Kind.DELIVERY,
                then=Subquery(deliveries.values(value=through)[:1]),
            ),
            default=Subquery(returns.values(value=through)[:1]),
        )
    cost = Round(-F("quantity") * F("unit_cost"), 2, output_field=MONEY)
    return _grouped(moves, key, _Money(amount=cost, missing=Value(0)))


def _rebates(actor: Actor, *, start, end, by, base, everything) -> list[dict[str, Any]]:
    rebates = Rebate.objects.filter(
        status=Rebate.Status.POSTED,
        credit_note__status=Invoice.Status.ISSUED,
        credit_note__issue_date__gte=start,
        credit_note__issue_date__lte=end,
    )
    if not everything:
        rebates = rebates.filter(customer_scope(actor).q("customer__"))
    value = _in_base(
        F("amount"),
        currency="credit_note__entry__currency",
        day="credit_note__issue_date",
        base=base,
        factor="credit_note__exchange_rate",
    )
    if by == PRODUCT_LINE:
        key: Any = _top_category(Coalesce("rule__category__path", "rule__product__category__path"))
    else:
        key = _key(by, customer="customer__", owner=F("customer__owner_id"), product=None)
    return _grouped(rebates, key, value)


def _expenses(actor: Actor, *, start, end, by, base, everything) -> list[dict[str, Any]]:
    claims = ExpenseClaim.objects.filter(
        status__in=[ExpenseClaim.Status.APPROVED, ExpenseClaim.Status.PAID],
        incurred_on__gte=start,
        incurred_on__lte=end,
    )
    if not everything:
        scope = customer_scope(actor)
        seen = (Q(customer__isnull=False) & scope.q("customer__")) | (
            Q(customer__isnull=True, order__isnull=False) & scope.q("order__customer__")
        )
        if scope.branch is not None:
            seen |= Q(
                customer__isnull=True,
                order__isnull=True,
                branch_id__in=branch_subtree_ids(scope.branch),
            )
        if actor.pk is not None:
            seen |= Q(claimant_id=actor.pk)
        claims = claims.filter(seen)
    value = _in_base(F("amount"), currency="currency", day="incurred_on", base=base)
    if by == BRANCH:
        key: Any = Coalesce("branch_id", "customer__branch_id", "order__customer__branch_id")
    elif by == SALESPERSON:
        key = F("claimant_id")
    else:
        key = Value(None, output_field=CharField())
    return _grouped(claims, key, value)


# --- The report ------------------------------------------------------------------------
def _labels(by: str, keys: set[Any]) -> dict[Any, tuple[int, str]]:
    """Row key → (id, name) of the branch, salesperson or top-level category."""
    keys = {key for key in keys if key is not None}
    if not keys:
        return {}
    if by == BRANCH:
        return {
            pk: (pk, name)
            for pk, name in Branch.objects.filter(pk__in=keys).values_list("pk", "name")
        }
    if by == SALESPERSON:
        return {
            user.pk: (user.pk, user.get_full_name() or user.email)
            for user in User.objects.filter(pk__in=keys).only("pk", "full_name", "email")
        }
    return {
        path: (pk, name)
        for pk, path, name in ProductCategory.objects.filter(path__in=keys).values_list(
            "pk", "path", "name"
        )
    }


def profitability(actor: Actor, *, start: datetime.date, end: datetime.date, by: str) -> Report:
    """The report of `start`…`end` (inclusive) by `by` (`DIMENSIONS`) for `actor`, in
    the base currency (module docstring). PermissionDenied for a reader without
    `PROFITABILITY`; ValidationError (field `by`, `end`) for a bad request. A fixed
    number of queries whatever the number of documents."""
    if not permitted(actor, PROFITABILITY):
        raise PermissionDenied(_("You may not see profitability."))
    by_check(by)
    period_check(start, end)
    show_cost = bool(actor.has_perm(COST_PERMISSION))
    everything = customer_scope(actor).everything
    base = money.base_currency()
    window = {"start": start, "end": end, "by": by, "everything": everything}
    sources: dict[str, list[dict[str, Any]]] = {
        "revenue": _revenue(actor, base=base, **window),
        "rebates": _rebates(actor, base=base, **window),
        "expenses": _expenses(actor, base=base, **window),
    }
    if show_cost:
        sources["cost_of_goods"] = _cost_of_goods(actor, **window)
    keys = {row["row_key"] for rows in sources.values() for row in rows}
    labels = _labels(by, keys)
    unassigned = str(pgettext_lazy("profitability row", "Unassigned"))
    rows: dict[Any, ProfitRow] = {}
    unconverted = 0
    for figure, grouped in sources.items():
        for item in grouped:
            known = labels.get(item["row_key"])
            pk, label = known if known is not None else (None, unassigned)
            row = rows.get(pk)
            if row is None:
                row = rows[pk] = ProfitRow(
                    key=pk, label=label, cost_of_goods=ZERO if show_cost else None
                )
            setattr(row, figure, getattr(row, figure) + item["amount"])
            unconverted += item["missing"] or 0
    ordered = sorted(rows.values(), key=lambda r: (r.key is None, -r.revenue, r.label, r.key or 0))
    totals = ProfitRow(key=None, label=str(_("Total")), cost_of_goods=ZERO if show_cost else None)
    for row in ordered:
        totals.revenue += row.revenue
        totals.rebates += row.rebates
        totals.expenses += row.expenses
        if show_cost and row.cost_of_goods is not None and totals.cost_of_goods is not None:
            totals.cost_of_goods += row.cost_of_goods
    columns = tuple(name for name in FIGURES if show_cost or name not in COST_FIGURES)
    return Report(
        start=start,
        end=end,
        by=by,
        currency=base,
        show_cost=show_cost,
        rows=ordered,
        totals=totals,
        unconverted=unconverted,
        columns=columns,
    )


# --- Files -----------------------------------------------------------------------------
def export_headers(report: Report) -> list[str]:
    return [report.by, *report.columns, "currency"]


def export_rows(report: Report) -> Iterator[list[Any]]:
    for row in [*report.rows, report.totals]:
        figures = row.figures()
        yield [row.label, *(figures[name] for name in report.columns), report.currency]


def export_name(report: Report, fmt: str) -> str:
    return f"profitability-{report.by}-{report.start:%Y%m%d}-{report.end:%Y%m%d}.{fmt}"


def export_csv(report: Report) -> Iterator[str]:
    """The report as CSV (every field quoted, formulas guarded: `dataio.files`)."""
    return files.csv_chunks(export_headers(report), export_rows(report))


def export_xlsx(report: Report) -> IO[bytes]:
    """The report as an Excel workbook, amounts as numbers."""
    return files.xlsx_file(
        export_headers(report),
        export_rows(report),
        title=f"{report.start:%Y%m%d}-{report.end:%Y%m%d}",
    )
