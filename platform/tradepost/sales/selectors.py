"""Reads of sales documents, and who sees which.

Every document hangs off a customer, so its scope is the customer scope
(`customers.selectors.scope_q` with the customer's prefix): a salesperson sees the
orders and quotes of their own customers, a sales manager those of
their branch and region, executives, finance and administrators everything, a dealer
the documents of its own record. The one addition: the warehouse manager, who sees no
customers, sees every order from confirmation on, because it ships them.

An id outside the scope answers exactly like one that does not exist (404).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tradepost.accounts.roles import Role
from tradepost.customers.selectors import scope_q
from tradepost.pricing.models import Promotion
from tradepost.principals import Actor
from tradepost.sales import order_terms
from tradepost.sales.models import (
    Order,
    OrderLine,
    OrderReturn,
    Quote,
    SettlementCredit,
    order_tally,
)

# Orders the warehouse works on (and sees without seeing their customers otherwise).
WAREHOUSE_STATUSES = (
    Order.Status.CONFIRMED,
    Order.Status.PARTIALLY_SHIPPED,
    Order.Status.SHIPPED,
    Order.Status.DELIVERED,
    Order.Status.CLOSED,
)


def _roles(actor: Actor) -> set[str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return set()
    return set(getattr(actor, "roles", ()) or ())


def order_scope_q(actor: Actor) -> Q:
    q = scope_q(actor, "customer__")
    if Role.WAREHOUSE_MANAGER.value in _roles(actor):
        q |= Q(status__in=WAREHOUSE_STATUSES)
    return q


def orders_visible_to(actor: Actor) -> QuerySet[Order]:
    return Order.objects.filter(order_scope_q(actor))


def order_list(actor: Actor, *, status: str | None = None, mine: bool = False) -> QuerySet[Order]:
    """Orders for a list: customer and owner joined, newest first."""
    orders = orders_visible_to(actor).select_related("customer", "owner")
    if status:
        orders = orders.filter(status=status)
    if mine and getattr(actor, "pk", None):
        orders = orders.filter(owner_id=actor.pk)
    return orders.order_by("-created_at", "-pk")


def order_get(actor: Actor, order_id: int | str, *, for_update: bool = False) -> Order:
    """One order in scope with its lines, or Http404."""
    orders = orders_visible_to(actor).select_related(
        "customer", "owner", "quote", "agreement", "reviewed_by"
    )
    if for_update:
        orders = orders.select_for_update(of=("self",))
    try:
        return orders.prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product"))
        ).get(pk=order_id)
    except (Order.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def orders_waiting_for(actor: Actor) -> QuerySet[Order]:
    """Orders that wait for this person to act: for reviewers, submitted orders; for
    confirmers, approved ones; for sellers, their own rejected orders."""
    waiting = Q(pk__in=[])
    if actor.has_perm("sales.review_order"):
        waiting |= Q(status=Order.Status.SUBMITTED)
    if actor.has_perm("sales.confirm_order"):
        waiting |= Q(status=Order.Status.APPROVED)
    if actor.has_perm("sales.ship_order"):
        waiting |= Q(status__in=[Order.Status.CONFIRMED, Order.Status.PARTIALLY_SHIPPED])
    if getattr(actor, "pk", None):
        waiting |= Q(status=Order.Status.REJECTED) & (
            Q(owner_id=actor.pk) | Q(created_by_id=actor.pk)
        )
    return (
        orders_visible_to(actor)
        .filter(waiting)
        .select_related("customer", "owner")
        .order_by("submitted_at", "pk")
    )


def orders_this_month_count(today: datetime.date | None = None) -> int:
    """Orders dated this calendar month in the current workspace, cancelled ones
    included (the plan limit counts what was entered): one row per slot of the
    trigger-kept tally, not the month's orders."""
    return order_tally(month=today or timezone.localdate())


def returns_visible_to(actor: Actor) -> QuerySet[OrderReturn]:
    return OrderReturn.objects.filter(scope_q(actor, "order__customer__"))


def quotes_visible_to(actor: Actor) -> QuerySet[Quote]:
    return Quote.objects.filter(scope_q(actor, "customer__"))


def quote_get(actor: Actor, quote_id: int | str) -> Quote:
    try:
        return (
            quotes_visible_to(actor)
            .select_related("customer", "owner", "opportunity")
            .prefetch_related("lines__product")
            .get(pk=quote_id)
        )
    except (Quote.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def quotes_expiring(actor: Actor, *, days: int = 7, mine: bool = True) -> QuerySet[Quote]:
    """Open quotes whose validity ends within `days` (today included)."""
    today = timezone.localdate()
    quotes = quotes_visible_to(actor).filter(
        status__in=[Quote.Status.DRAFT, Quote.Status.SENT],
        valid_until__gte=today,
        valid_until__lte=today + datetime.timedelta(days=days),
    )
    if mine and getattr(actor, "pk", None):
        quotes = quotes.filter(owner_id=actor.pk)
    return quotes.select_related("customer").order_by("valid_until", "pk")


def settlement_credits_visible_to(actor: Actor) -> QuerySet[SettlementCredit]:
    return SettlementCredit.objects.filter(scope_q(actor, "customer__"))


def settlement_credit_list(actor: Actor) -> QuerySet[SettlementCredit]:
    """Credits of the customers in the actor's scope, newest first."""
    return (
        settlement_credits_visible_to(actor)
        .select_related("customer", "price_adjustment", "order_return")
        .order_by("-created_at", "-pk")
    )


def agreements_visible_to(actor: Actor) -> QuerySet[Any]:
    """The master agreements the actor sees (the channel app's rule, `order_terms`)."""
    return order_terms.rules().visible_to(actor)


def promotion_order_lines(
    actor: Actor, promotion: Promotion, limit: int = 20
) -> QuerySet[OrderLine]:
    """The latest order lines that got `promotion`, among the orders the actor sees."""
    return (
        OrderLine.objects.filter(
            promotion_id=promotion.pk, order__in=orders_visible_to(actor).values("pk")
        )
        .select_related("order", "order__customer", "product")
        .order_by("-order__order_date", "-pk")[:limit]
    )
