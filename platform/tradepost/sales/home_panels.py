"""The sales app's panels of the home page (`workspace.dashboard`):

* *My day* (salespeople): activities due today and overdue, opportunities to follow
  up today, quotes expiring within a week and the orders waiting for them — counts
  that open the lists (and `/sales/`, the day's page, which lists them all).
* *Orders to review* (sales managers): orders submitted for review and approved ones
  waiting for confirmation in their scope, how long the oldest has waited, and the
  oldest few.

Each figure is one aggregate over the app's scoped querysets (`selectors.*_visible_to`,
`customers.selectors.activities_visible_to`): a fixed number of queries whatever the
number of rows.
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Min, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tradepost.accounts.roles import Role
from tradepost.customers.selectors import activities_visible_to
from tradepost.pipeline.selectors import opportunities_visible_to
from tradepost.sales import selectors
from tradepost.sales.filters import EXPIRING_DAYS
from tradepost.sales.models import Order
from tradepost.workspace.dashboard import HomePanel, register_home_panel

REVIEW_ROWS = 5


def _url(name: str, **params: Any) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def my_day(request: HttpRequest, today: datetime.date) -> dict[str, Any]:
    user = request.user
    now = timezone.now()
    tomorrow = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min)
    )
    figures: dict[str, Any] = {"expiring_days": EXPIRING_DAYS}
    if user.has_perm("customers.view_activity"):
        mine = activities_visible_to(user).filter(done_at__isnull=True, owner_id=user.pk)
        figures["activities"] = mine.aggregate(
            today=Count("pk", filter=Q(due_at__gte=now, due_at__lt=tomorrow)),
            overdue=Count("pk", filter=Q(due_at__lt=now)),
        ) | {"url": _url("customers:activities", mine=1)}
    if user.has_perm("pipeline.view_opportunity"):
        figures["follow_ups"] = {
            "count": opportunities_visible_to(user)
            .filter(owner_id=user.pk, follow_up_on=today)
            .count(),
            "url": _url("sales:opportunities", mine=1),
        }
    if user.has_perm("sales.view_quote"):
        figures["quotes"] = {
            "count": selectors.quotes_expiring(user, days=EXPIRING_DAYS).count(),
            "url": _url("sales:quotes", mine=1, expiring=1),
        }
    figures["waiting"] = {
        "count": selectors.orders_waiting_for(user).count(),
        "url": reverse("sales:my_day"),
    }
    return figures


def orders_to_review(request: HttpRequest, today: datetime.date) -> dict[str, Any]:
    user = request.user
    may_confirm = user.has_perm("sales.confirm_order")
    orders = selectors.orders_visible_to(user)
    counts = orders.aggregate(
        submitted=Count("pk", filter=Q(status=Order.Status.SUBMITTED)),
        approved=Count("pk", filter=Q(status=Order.Status.APPROVED)),
        oldest=Min("submitted_at", filter=Q(status=Order.Status.SUBMITTED)),
    )
    oldest = counts["oldest"]
    waiting_days = (timezone.now() - oldest).days if oldest else None
    first = list(
        orders.filter(status=Order.Status.SUBMITTED)
        .select_related("customer", "owner")
        .order_by("submitted_at", "pk")[:REVIEW_ROWS]
    )
    return {
        "submitted": counts["submitted"],
        "approved": counts["approved"] if may_confirm else None,
        "waiting_days": waiting_days,
        "first": first,
        "submitted_url": _url("sales:orders", status=Order.Status.SUBMITTED, sort="date"),
        "approved_url": _url("sales:orders", status=Order.Status.APPROVED, sort="date"),
    }


def register() -> None:
    register_home_panel(
        HomePanel(
            key="my_day",
            title=_("My day"),
            template="sales/home/my_day.html",
            context=my_day,
            roles=frozenset({Role.SALESPERSON.value}),
            permission="sales.view_order",
            order=20,
        )
    )
    register_home_panel(
        HomePanel(
            key="orders_to_review",
            title=_("Orders to review"),
            template="sales/home/orders_to_review.html",
            context=orders_to_review,
            roles=frozenset({Role.SALES_MANAGER.value}),
            permission="sales.review_order",
            order=20,
        )
    )
