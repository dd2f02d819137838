"""The inventory app's panels of the home page (`workspace.dashboard`), for the
warehouse:

* *Deliveries due*: confirmed orders still to ship by their requested delivery date —
  late, due today, due within a week, later or undated — the most urgent few, and the
  deliveries being picked or on their way.
* *Low stock*: balances whose available stock (on hand − reserved) is under their
  reorder point (`selectors.below_threshold_q`, the stock list's *Below reorder point*),
  the furthest below first.

Orders are read through `sales.selectors.orders_visible_to` (the warehouse sees every
order from confirmation on) and deliveries through `selectors.deliveries_visible_to`;
each figure is one aggregate: a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tradepost.accounts.roles import Role
from tradepost.inventory import selectors
from tradepost.inventory.models import Delivery, StockBalance
from tradepost.sales.models import Order
from tradepost.sales.selectors import orders_visible_to
from tradepost.workspace.dashboard import HomePanel, register_home_panel

SOON_DAYS = 7
ROWS = 5
TO_SHIP = (Order.Status.CONFIRMED, Order.Status.PARTIALLY_SHIPPED)


def _url(name: str, **params: Any) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def deliveries_due(request: HttpRequest, today: datetime.date) -> dict[str, Any]:
    user = request.user
    soon = today + datetime.timedelta(days=SOON_DAYS)
    to_ship = orders_visible_to(user).filter(status__in=TO_SHIP)
    date = "requested_delivery_date"
    counts = to_ship.aggregate(
        late=Count("pk", filter=Q(**{f"{date}__lt": today})),
        due_today=Count("pk", filter=Q(**{date: today})),
        soon=Count("pk", filter=Q(**{f"{date}__gt": today, f"{date}__lte": soon})),
        later=Count("pk", filter=Q(**{f"{date}__gt": soon}) | Q(**{f"{date}__isnull": True})),
    )
    urgent = list(
        to_ship.filter(**{f"{date}__lte": soon})
        .select_related("customer")
        .order_by(date, "pk")[:ROWS]
    )
    moving = selectors.deliveries_visible_to(user).aggregate(
        picking=Count("pk", filter=Q(status=Delivery.Status.PICKING)),
        shipped=Count("pk", filter=Q(status=Delivery.Status.SHIPPED)),
    )
    return {
        **counts,
        **moving,
        "soon_days": SOON_DAYS,
        "today": today,
        "urgent": urgent,
        "confirmed_url": _url("sales:orders", status=Order.Status.CONFIRMED, sort="date"),
        "partial_url": _url("sales:orders", status=Order.Status.PARTIALLY_SHIPPED, sort="date"),
        "picking_url": _url("inventory:deliveries", status=Delivery.Status.PICKING),
        "shipped_url": _url("inventory:deliveries", status=Delivery.Status.SHIPPED),
    }


def low_stock(request: HttpRequest, today: datetime.date) -> dict[str, Any]:
    low = StockBalance.objects.filter(selectors.below_threshold_q())
    shortfall = F("reorder_point") - (F("on_hand") - F("reserved"))
    worst = list(
        low.select_related("product", "location")
        .annotate(free=F("on_hand") - F("reserved"), shortfall=shortfall)
        .order_by("-shortfall", "pk")[:ROWS]
    )
    return {
        "count": low.count(),
        "worst": worst,
        "low_url": _url("inventory:stock", low=1),
    }


def register() -> None:
    register_home_panel(
        HomePanel(
            key="deliveries_due",
            title=_("Deliveries due"),
            template="inventory/home/deliveries_due.html",
            context=deliveries_due,
            roles=frozenset({Role.WAREHOUSE_MANAGER.value}),
            permission="inventory.view_delivery",
            order=50,
        )
    )
    register_home_panel(
        HomePanel(
            key="low_stock",
            title=_("Low stock"),
            template="inventory/home/low_stock.html",
            context=low_stock,
            roles=frozenset({Role.WAREHOUSE_MANAGER.value}),
            permission="inventory.view_stockbalance",
            order=55,
        )
    )
