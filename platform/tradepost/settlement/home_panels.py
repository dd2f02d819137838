"""The settlement app's panels of the home page (`workspace.dashboard`):

* *My overdue receivables* (salespeople): what the customers they see owe past due,
  by age, and how many customers that is.
* *Receivables aging* (finance): every open item in the reader's scope by age —
  not yet due, 1–30, 31–60, 61–90, over 90 days — with money on account and the
  balance (`selectors.BUCKETS`, the receivables page's buckets).
* *Collections* (finance): the overdue customers to chase, the promises to pay falling
  due this week, and the payments received this week.

Figures are per currency (an account keeps its customer's currency) and each is one
aggregate over the scoped ledger (`selectors.ledger_entries_visible_to`,
`payments_visible_to`): a fixed number of queries whatever the number of entries.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tradepost.accounts.roles import Role
from tradepost.customers.selectors import scope_q
from tradepost.settlement import selectors
from tradepost.settlement.models import CollectionNote, Payment
from tradepost.workspace.dashboard import HomePanel, register_home_panel

ZERO = Decimal("0.00")


def _url(name: str, **params: Any) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def _aging_rows(
    request: HttpRequest, today: datetime.date, *, late_only: bool = False
) -> list[dict[str, Any]]:
    """Per currency: the aging buckets, on account, the balance and the customers with
    something overdue — one grouped query over the open entries in scope. The bars
    scale to the largest bucket shown (`late_only`: the overdue ones)."""
    overdue_q = Q(amount__gt=0, due_date__lt=today)
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in selectors.ledger_entries_visible_to(request.user)
        .filter(open_amount__gt=0)
        .values("currency")
        .annotate(
            **selectors._bucket_sums(today),
            overdue_customers=Count("customer_id", filter=overdue_q, distinct=True),
        )
        .order_by("currency")
    ]
    for row in rows:
        buckets = [row[key] for key in selectors.BUCKET_KEYS]
        row["overdue"] = sum(buckets[1:], ZERO)
        row["balance"] = sum(buckets, ZERO) - row["on_account"]
        top = max(buckets[1:] if late_only else buckets)
        row["buckets"] = [
            {
                "key": key,
                "label": label,
                "amount": row[key],
                "share": min(int(row[key] / top * 100), 100) if top > 0 and row[key] > 0 else 0,
                "late": first is not None,
            }
            for key, label, first, _last in selectors.BUCKETS
        ]
    return rows


def my_overdue(request: HttpRequest, today: datetime.date) -> dict[str, Any]:
    rows = [row for row in _aging_rows(request, today, late_only=True) if row["overdue"] > 0]
    return {"rows": rows, "overdue_url": reverse("settlement:overdue")}


def aging(request: HttpRequest, today: datetime.date) -> dict[str, Any]:
    return {
        "rows": _aging_rows(request, today),
        "receivables_url": reverse("settlement:receivables"),
        "overdue_url": _url("settlement:receivables", overdue=1),
    }


def collections(request: HttpRequest, today: datetime.date) -> dict[str, Any]:
    user = request.user
    monday = today - datetime.timedelta(days=today.weekday())
    sunday = monday + datetime.timedelta(days=6)
    overdue = list(
        selectors.ledger_entries_visible_to(user)
        .filter(amount__gt=0, open_amount__gt=0, due_date__lt=today)
        .values("currency")
        .annotate(amount=Sum("open_amount"), customers=Count("customer_id", distinct=True))
        .order_by("currency")
    )
    promises = CollectionNote.objects.filter(
        scope_q(user, "customer__"),
        kind=CollectionNote.Kind.PROMISE,
        promised_on__gte=today,
        promised_on__lte=sunday,
    ).aggregate(count=Count("pk"), customers=Count("customer_id", distinct=True))
    received = list(
        selectors.payments_visible_to(user)
        .filter(
            kind=Payment.Kind.RECEIPT,
            status=Payment.Status.POSTED,
            received_on__gte=monday,
            received_on__lte=today,
        )
        .values("currency")
        .annotate(amount=Sum("amount"), count=Count("pk"))
        .order_by("currency")
    )
    return {
        "overdue": overdue,
        "promises": promises,
        "received": received,
        "monday": monday,
        "overdue_url": reverse("settlement:overdue"),
        "payments_url": _url("settlement:payments", kind=Payment.Kind.RECEIPT, sort="-date"),
    }


def register() -> None:
    register_home_panel(
        HomePanel(
            key="my_overdue",
            title=_("My overdue receivables"),
            template="settlement/home/my_overdue.html",
            context=my_overdue,
            roles=frozenset({Role.SALESPERSON.value}),
            permission="settlement.view_customeraccount",
            order=30,
        )
    )
    register_home_panel(
        HomePanel(
            key="aging",
            title=_("Receivables aging"),
            template="settlement/home/aging.html",
            context=aging,
            roles=frozenset({Role.FINANCE_MANAGER.value}),
            permission="settlement.view_customeraccount",
            order=40,
        )
    )
    register_home_panel(
        HomePanel(
            key="collections",
            title=_("Collections"),
            template="settlement/home/collections.html",
            context=collections,
            roles=frozenset({Role.FINANCE_MANAGER.value}),
            permission="settlement.view_customeraccount",
            order=45,
        )
    )
