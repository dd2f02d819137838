"""The production / purchasing plan (以销定产): what to make or buy of each product
for a month, from what is expected to sell and what is already there.

Per product, each figure its own column so the plan explains itself:

* `demand_plans` — the quantities of the dealers' demand plans (月度需求计划) for the
  month that were accepted (drafts, submitted and returned plans do not count);
* `targets` — monthly category targets with a quantity for the month, where the
  category holds exactly one active product: the quantity is that product's. A target
  on a category of several products, an amount-only target and quarter or year
  targets add nothing (splitting them over products would be a guess);
* `open_orders` — of sales orders confirmed or partially shipped, what their lines
  still have to ship (quantity − shipped);
* `demand` = demand plans + targets + open orders;
* `on_hand` — stock on hand over every location;
* `reserved` — of it, what is held for confirmed orders. Shown, not subtracted: the
  reserved stock is what covers the open orders already counted in demand, so taking
  it off the supply as well would count those orders twice (on hand − reserved is
  what is free for the demand plans and targets);
* `receipts_due` — the quantities of receipts still in draft (goods due in);
* `supply` = on hand + receipts due;
* `plan` = max(demand − supply, 0).

Products with any figure appear; `category` and `search` (SKU or name) narrow the
rows. The plan takes a fixed number of queries (one GROUP BY per figure, one for the
targets, one for the products of their categories, one for the products shown),
whatever the number of products or documents (one of them gives on hand and reserved).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tradepost.accounts.roles import Role
from tradepost.channel.models import DemandPlan, DemandPlanLine
from tradepost.dataio import files
from tradepost.inventory.models import Receipt, ReceiptLine, StockBalance
from tradepost.masterdata.models import Product
from tradepost.plans.models import SalesTarget
from tradepost.plans.periods import PeriodKind
from tradepost.principals import Actor
from tradepost.sales.models import Order, OrderLine

ZERO = Decimal("0")
FIGURES = (
    "demand_plans",
    "targets",
    "open_orders",
    "demand",
    "on_hand",
    "reserved",
    "receipts_due",
    "supply",
    "plan",
)
PLAN_ROLES = frozenset(
    {
        Role.SYSTEM_ADMINISTRATOR.value,
        Role.EXECUTIVE.value,
        Role.WAREHOUSE_MANAGER.value,
        Role.SALES_MANAGER.value,
        Role.FINANCE_MANAGER.value,
    }
)
STOCK_VIEW = "inventory.view_stockbalance"
OPEN_ORDER_STATUSES = (Order.Status.CONFIRMED, Order.Status.PARTIALLY_SHIPPED)
FIRST_YEAR = 2000
MAX_MONTH_NUMBER = 12


def may_see_plan(actor: Actor | None) -> bool:
    """Executives, administrators, warehouse, sales and finance managers who may read
    stock; not salespeople or dealers."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if not actor.has_perm(STOCK_VIEW):
        return False
    if getattr(actor, "is_superuser", False):
        return True
    return bool(set(getattr(actor, "roles", ()) or ()) & PLAN_ROLES)


def next_month(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def parse_month(text: str) -> datetime.date:
    """`YYYY-MM` as the month's first day, or a ValidationError a person can act on."""
    text = (text or "").strip()
    parts = text.split("-")
    valid = (
        len(parts) == 2  # noqa: PLR2004 - year and month
        and len(parts[0]) == 4  # noqa: PLR2004
        and len(parts[1]) == 2  # noqa: PLR2004
        and all(part.isascii() and part.isdigit() for part in parts)
        and 1 <= int(parts[1]) <= MAX_MONTH_NUMBER
        and int(parts[0]) >= FIRST_YEAR
    )
    if not valid:
        raise ValidationError(
            _("Enter a month as YYYY-MM from %(year)s on, e.g. 2026-12."),
            code="invalid",
            params={"year": FIRST_YEAR},
        )
    return datetime.date(int(parts[0]), int(parts[1]), 1)


@dataclass
class PlanRow:
    product_id: int
    sku: str
    name: str
    category: str
    unit: str
    figures: dict[str, Decimal] = field(default_factory=dict)

    @property
    def cells(self) -> list[tuple[str, str, Decimal]]:
        """(name, label, value) of each figure, in the columns' order."""
        labels = figure_labels()
        return [(name, labels[name], self.figures[name]) for name in FIGURES]


@dataclass
class ProductionPlan:
    month: datetime.date
    rows: list[PlanRow]
    totals: dict[str, Decimal]


def _sums(rows: Any) -> dict[int, Decimal]:
    return {row["product_id"]: row["total"] or ZERO for row in rows}


def _target_demand(month: datetime.date) -> dict[int, Decimal]:
    targets = list(
        SalesTarget.objects.filter(
            period_kind=PeriodKind.MONTH,
            period_start=month,
            dimension=SalesTarget.Dimension.CATEGORY,
            quantity__isnull=False,
        )
        .order_by()
        .values_list("category_id", "quantity")
    )
    if not targets:
        return {}
    products: dict[int, list[int]] = defaultdict(list)
    for category_id, product_id in (
        Product.objects.filter(
            category_id__in=[category for category, _quantity in targets], is_active=True
        )
        .order_by()
        .values_list("category_id", "pk")
    ):
        products[category_id].append(product_id)
    demand: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for category_id, quantity in targets:
        if len(products[category_id]) == 1:
            demand[products[category_id][0]] += quantity
    return dict(demand)


def production_plan(
    *,
    month: datetime.date,
    actor: Actor | None,
    category_id: int | None = None,
    search: str = "",
) -> ProductionPlan:
    """The plan of `month` (its first day) for `actor` (PermissionDenied unless
    `may_see_plan`); see the module docstring."""
    if not may_see_plan(actor):
        raise PermissionDenied(_("You may not see the production plan."))
    remaining = ExpressionWrapper(
        F("quantity") - F("shipped_quantity"), output_field=DecimalField()
    )
    components: dict[str, dict[int, Decimal]] = {
        "demand_plans": _sums(
            DemandPlanLine.objects.filter(
                plan__month=month, plan__status=DemandPlan.Status.ACCEPTED
            )
            .values("product_id")
            .annotate(total=Sum("quantity"))
            .order_by()
        ),
        "targets": _target_demand(month),
        "open_orders": _sums(
            OrderLine.objects.filter(
                order__status__in=OPEN_ORDER_STATUSES, quantity__gt=F("shipped_quantity")
            )
            .values("product_id")
            .annotate(total=Sum(remaining))
            .order_by()
        ),
        "receipts_due": _sums(
            ReceiptLine.objects.filter(receipt__status=Receipt.Status.DRAFT)
            .values("product_id")
            .annotate(total=Sum("quantity"))
            .order_by()
        ),
    }
    for row in (
        StockBalance.objects.values("product_id")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
        .order_by()
    ):
        for name in ("on_hand", "reserved"):
            components.setdefault(name, {})[row["product_id"]] = row[name] or ZERO
    components.setdefault("on_hand", {})
    components.setdefault("reserved", {})
    ids = {pk for figures in components.values() for pk, value in figures.items() if value}
    products = Product.objects.filter(pk__in=ids).select_related("category")
    if category_id is not None:
        products = products.filter(category_id=category_id)
    search = search.replace("\x00", "").strip()
    if search:
        products = products.filter(Q(sku__icontains=search) | Q(name__icontains=search))
    rows = []
    totals = dict.fromkeys(FIGURES, ZERO)
    for product in products.order_by("sku", "pk"):
        figures = {name: components[name].get(product.pk, ZERO) for name in components}
        figures["demand"] = figures["demand_plans"] + figures["targets"] + figures["open_orders"]
        figures["supply"] = figures["on_hand"] + figures["receipts_due"]
        figures["plan"] = max(figures["demand"] - figures["supply"], ZERO)
        for name in FIGURES:
            totals[name] += figures[name]
        rows.append(
            PlanRow(
                product_id=product.pk,
                sku=product.sku,
                name=product.name,
                category=product.category.name if product.category else "",
                unit=product.unit,
                figures={name: figures[name] for name in FIGURES},
            )
        )
    return ProductionPlan(month=month, rows=rows, totals=totals)


# --- Files -----------------------------------------------------------------------------
def figure_labels() -> dict[str, str]:
    return {
        "demand_plans": pgettext("production plan", "Dealers' demand plans"),
        "targets": pgettext("production plan", "Category targets"),
        "open_orders": pgettext("production plan", "Open orders"),
        "demand": pgettext("production plan", "Demand"),
        "on_hand": pgettext("production plan", "On hand"),
        "reserved": pgettext("production plan", "of it reserved"),
        "receipts_due": pgettext("production plan", "Receipts due"),
        "supply": pgettext("production plan", "Supply"),
        "plan": pgettext("production plan", "To make or buy"),
    }


def export_headers() -> list[str]:
    labels = figure_labels()
    return [_("SKU"), _("Product"), _("Category"), _("Unit"), *(labels[n] for n in FIGURES)]


def export_rows(plan: ProductionPlan) -> Iterator[list[Any]]:
    for row in plan.rows:
        yield [row.sku, row.name, row.category, row.unit, *(row.figures[n] for n in FIGURES)]
    yield [_("Total"), "", "", "", *(plan.totals[n] for n in FIGURES)]


def export_name(plan: ProductionPlan, fmt: str) -> str:
    return f"production-plan-{plan.month:%Y-%m}.{fmt}"


def export_csv(plan: ProductionPlan) -> Iterator[str]:
    """CSV, every field quoted and formulas guarded (`dataio.files`)."""
    return files.csv_chunks(export_headers(), export_rows(plan))


def export_xlsx(plan: ProductionPlan) -> IO[bytes]:
    return files.xlsx_file(export_headers(), export_rows(plan), title=f"{plan.month:%Y-%m}")
