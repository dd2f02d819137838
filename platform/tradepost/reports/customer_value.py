"""Customer value (decision support): per customer the actor may see, what they bought,
how regularly, whether they have gone quiet, and what the customers they referred bought.

- lifetime value: the sum of `net_total` of their orders that count as sales (confirmed
  and on: confirmed, partially shipped, shipped, delivered, closed; drafts, orders in
  review, rejected and cancelled orders never count), in the company's base currency. An
  order in another currency converts at the exchange rate of its order date (the latest
  rate entered on or before it, as `settlement.money.rate_on`), rounded to the cent per
  order; an order whose currency has no rate by then is left out until one is entered.
- orders, first and last order date, days since the last order (to `today`).
- usual interval: the mean gap in days between consecutive order dates, that is
  (last − first) / (distinct order dates − 1). Needs at least 3 orders (and 2 dates),
  otherwise none.
- churn warning: days since the last order > k × the usual interval (k per workspace,
  `CustomerValueSettings.churn_factor`, default 2.0); never without a usual interval.
- referral value: the lifetime value of every customer whose `referred_by` is this one
  (a sum, whoever owns the referred customers).
- rank: by lifetime value among the customers the actor sees, ties sharing a rank
  (1, 1, 3 …); the TOP-N line is rank ≤ N with a value above zero (N per workspace,
  default 20), so a tie at the boundary may hold more than N.

`customer_values(actor, today=…)` is one query over `Customer` with correlated
sub-queries and a window rank: a queryset, so a page costs a count and the page's rows.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Rank, Round

from tradepost.customers.models import Customer
from tradepost.customers.selectors import customers_visible_to
from tradepost.principals import Actor
from tradepost.reports.models import CustomerValueSettings
from tradepost.sales.models import Order
from tradepost.settlement import money
from tradepost.settlement.models import ExchangeRate

SALE_STATUSES = (
    Order.Status.CONFIRMED,
    Order.Status.PARTIALLY_SHIPPED,
    Order.Status.SHIPPED,
    Order.Status.DELIVERED,
    Order.Status.CLOSED,
)
VIEWS = ("top", "churn", "all")
SORTS = {
    "value": ("-lifetime_value", "name", "pk"),
    "last_order": ("-last_order", "name", "pk"),
    "referral": ("-referral_value", "name", "pk"),
}
MONEY = DecimalField(max_digits=20, decimal_places=2)
ZERO = Decimal("0.00")


class DaysBetween(Func):
    """`later - earlier` of two dates as whole days (PostgreSQL's date subtraction)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()


def _sale_orders(base: str) -> QuerySet[Order]:
    """The orders that count as sales, each with its amount in the base currency
    (`base_amount`, none when no rate is entered yet)."""
    rate = ExchangeRate.objects.filter(
        currency=OuterRef("currency"), rate_date__lte=OuterRef("order_date")
    ).order_by("-rate_date")
    return Order.objects.filter(status__in=SALE_STATUSES).annotate(
        base_amount=Case(
            When(currency=base, then=F("net_total")),
            default=Round(
                ExpressionWrapper(
                    F("net_total") * Subquery(rate.values("rate")[:1]), output_field=MONEY
                ),
                2,
            ),
            output_field=MONEY,
        )
    )


def _sales(customer_ref: str, base: str) -> QuerySet[Order]:
    """The sale orders of the customer(s) `customer_ref` names (see `_sale_orders`)."""
    return _sale_orders(base).filter(**{customer_ref: OuterRef("pk")})


def _one(orders: QuerySet[Order], group: str, **aggregate) -> Subquery:
    """One aggregate of `orders` per customer, as a correlated sub-query."""
    ((name, expression),) = aggregate.items()
    return Subquery(orders.order_by().values(group).annotate(**{name: expression}).values(name)[:1])


def customer_values(
    actor: Actor,
    *,
    today: datetime.date,
    settings: CustomerValueSettings | None = None,
) -> QuerySet[Any]:
    """Every customer `actor` sees, annotated: `lifetime_value`, `order_count`,
    `first_order`, `last_order`, `days_since_last`, `usual_interval` (days, float or
    None), `churn` (bool), `referral_value`, `value_rank` and `top` (bool). Ordered by
    rank (see the module docstring)."""
    settings = settings or CustomerValueSettings.current()
    base = money.base_currency()
    own = _sales("customer", base)
    referred = _sales("customer__referred_by", base)
    return (
        customers_visible_to(actor)
        .annotate(
            lifetime_value=Coalesce(
                _one(own, "customer", s=Sum("base_amount", output_field=MONEY)),
                Value(ZERO),
                output_field=MONEY,
            ),
            order_count=Coalesce(_one(own, "customer", n=Count("pk")), 0),
            order_dates=Coalesce(_one(own, "customer", n=Count("order_date", distinct=True)), 0),
            first_order=_one(own, "customer", d=Min("order_date")),
            last_order=_one(own, "customer", d=Max("order_date")),
            referral_value=Coalesce(
                _one(referred, "customer__referred_by", s=Sum("base_amount", output_field=MONEY)),
                Value(ZERO),
                output_field=MONEY,
            ),
        )
        .annotate(
            days_since_last=DaysBetween(Value(today), F("last_order")),
            usual_interval=Case(
                When(
                    Q(order_count__gte=3, order_dates__gte=2),
                    then=Cast(DaysBetween(F("last_order"), F("first_order")), FloatField())
                    / Cast(F("order_dates") - 1, FloatField()),
                ),
                default=None,
                output_field=FloatField(),
            ),
        )
        .annotate(
            churn=Case(
                When(
                    Q(usual_interval__isnull=False)
                    & Q(
                        days_since_last__gt=F("usual_interval")
                        * Value(float(settings.churn_factor))
                    ),
                    then=Value(True),
                ),
                default=Value(False),
            ),
            value_rank=Window(Rank(), order_by=F("lifetime_value").desc()),
        )
        .annotate(
            top=Case(
                When(Q(value_rank__lte=settings.top_n, lifetime_value__gt=0), then=Value(True)),
                default=Value(False),
            )
        )
        .order_by("value_rank", "name", "pk")
    )


def customer_value_list(
    actor: Actor,
    *,
    today: datetime.date,
    view: str = "all",
    sort: str = "value",
    settings: CustomerValueSettings | None = None,
) -> QuerySet[Any]:
    """The report's lines: `top` (TOP-N by value), `churn` (past the churn line, the
    longest silent first) or `all` (sorted by `value`, `last_order` or `referral`)."""
    settings = settings or CustomerValueSettings.current()
    rows: QuerySet[Any] = customer_values(actor, today=today, settings=settings)
    if view == "top":
        return rows.filter(value_rank__lte=settings.top_n, lifetime_value__gt=0)
    if view == "churn":
        # Through the rank, so the filter applies after ranking (over every customer
        # seen), not before it.
        return (
            rows.annotate(churn_rank=Case(When(churn=True, then=F("value_rank")), default=None))
            .filter(churn_rank__isnull=False)
            .order_by("-days_since_last", "name", "pk")
        )
    return rows.order_by(*SORTS.get(sort, SORTS["value"]))


def customer_value_of(actor: Actor, customer: Customer, *, today: datetime.date) -> dict:
    """One customer's figures for the 360° page, with their rank among the customers
    `actor` sees (the figures, then one GROUP BY over the sale orders: how many
    customers are worth more)."""
    settings = CustomerValueSettings.current()
    rows: QuerySet[Any] = customer_values(actor, today=today, settings=settings).order_by()
    row = (
        rows.filter(pk=customer.pk)
        .values(
            "lifetime_value",
            "order_count",
            "last_order",
            "days_since_last",
            "usual_interval",
            "churn",
            "referral_value",
        )
        .first()
    )
    if row is None:
        return {}
    # How many customers in sight are worth more: one GROUP BY over their sale orders
    # (not the per-customer figures of every customer the page does not show).
    above = (
        _sale_orders(money.base_currency())
        .filter(customer__in=customers_visible_to(actor).values("pk"))
        .order_by()
        .values("customer")
        .annotate(total=Sum("base_amount"))
        .filter(total__gt=row["lifetime_value"])
        .count()
    )
    rank = above + 1
    row["rank"] = rank
    row["top"] = rank <= settings.top_n and row["lifetime_value"] > 0
    row["top_n"] = settings.top_n
    return row
