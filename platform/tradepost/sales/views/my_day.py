"""A salesperson's day (`/sales/`): today's activities (and overdue ones), the orders
waiting for them, and their quotes about to expire — each a link to act on."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from tradepost.customers import selectors as customer_selectors
from tradepost.sales import selectors

ROWS = 20
QUOTE_DAYS = 7


@login_required
@permission_required("sales.view_order", raise_exception=True)
def my_day(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.localtime()
    end_of_today = timezone.make_aware(
        datetime.datetime.combine(now.date() + datetime.timedelta(days=1), datetime.time.min)
    )
    activities = []
    if user.has_perm("customers.view_activity"):
        activities = list(
            customer_selectors.activity_list(user, open_only=True, mine=True).filter(
                due_at__lt=end_of_today
            )[:ROWS]
        )
    quotes = []
    if user.has_perm("sales.view_quote"):
        quotes = list(selectors.quotes_expiring(user, days=QUOTE_DAYS)[:ROWS])
    context = {
        "activities": activities,
        "waiting": list(selectors.orders_waiting_for(user)[:ROWS]),
        "quotes": quotes,
        "quote_days": QUOTE_DAYS,
        "now": now,
    }
    return render(request, "sales/my_day.html", context)


urlpatterns = [path("", my_day, name="my_day")]
