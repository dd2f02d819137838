"""Factories for the core objects: plain functions over the services.

Objects are made the way the product makes them — through the service that holds the
rules (numbering, pricing, scope, audit) — so a test never holds a row the product
could not have made. That is why these are functions and not model factories: a
`DjangoModelFactory` writes rows directly and would skip the numbering sequences and
the computed line totals.

Each function takes the workspace (or an `Org`, tests/support/org.py: anything with a
`.schema`), enters its schema and acts as its owner unless given an `actor`. Defaults
make a valid object; keyword arguments override them.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.utils import timezone
from django_tenants.utils import schema_context

PASSWORD = "Sturdy-Password-2026"
_serial = itertools.count(1)  # unique SKUs and names across one test process


def count_rows(place, model, **filters) -> int:
    """How many rows of `model` match `filters` in a workspace (or an Org's)."""
    with schema_context(place.schema):
        return model.objects.filter(**filters).count()


# --- People and keys ------------------------------------------------------------------
def user_with_role(workspace, role: str, email: str | None = None):
    """A user with `role` (a group of tradepost.accounts.roles) in the workspace."""
    from tradepost.accounts.models import User

    with schema_context(workspace.schema):
        user = User.objects.create_user(
            email=email or f"{role}@{workspace.slug}.test", password=PASSWORD, full_name=role
        )
        user.groups.set([Group.objects.get(name=role)])
    return user


def api_key(workspace, role: str = "system_administrator", name: str = "test") -> str:
    """A new API key with `role` in the workspace; returns its secret."""
    from api.keys import api_key_create

    with schema_context(workspace.schema):
        return api_key_create(actor=None, name=name, role=role).secret


def webhook_endpoint(
    workspace,
    url: str = "https://hooks.example.test/tradepost",
    event_types: list[str] | None = None,
    is_active: bool = True,
):
    """An endpoint registered by the workspace's owner."""
    from api.webhooks import services

    with schema_context(workspace.schema):
        return services.webhook_endpoint_create(
            actor=workspace.owner(),
            url=url,
            event_types=event_types or ["user.invited"],
            is_active=is_active,
        )


# --- Customers and master data (org: tests/support/org.Org) ---------------------------
def _actor(org, actor):
    return org.owner if actor is None else actor


def customer(org, *, actor=None, **fields: Any):
    """A customer in the org (owner, branch and code default as the service says)."""
    from tradepost.customers import services

    fields.setdefault("name", "Customer 客户")
    with schema_context(org.schema):
        return services.customer_create(actor=_actor(org, actor), **fields)


def franchise(org, *, actor=None, **fields: Any):
    """A reseller (channel "franchise") of the Beijing salesperson's."""
    fields = {
        "name": "Franchise 加盟店",
        "channel": "franchise",
        "owner": org.users["north_rep"],
        "branch": org.branches["beijing"],
        **fields,
    }
    return customer(org, actor=actor, **fields)


def contact(org, customer, *, actor=None, **fields: Any):
    from tradepost.customers import services

    fields.setdefault("name", "Contact 联系人")
    with schema_context(org.schema):
        return services.contact_create(actor=_actor(org, actor), customer=customer, **fields)


def product(org, *, actor=None, **fields: Any):
    from tradepost.masterdata import services

    fields.setdefault("sku", f"F-{next(_serial)}")
    fields.setdefault("name", "Product 产品")
    fields.setdefault("list_price", Decimal("10.00"))
    with schema_context(org.schema):
        return services.product_create(actor=_actor(org, actor), **fields)


def category(org, *, actor=None, parent=None, **fields: Any):
    from tradepost.masterdata import services
    from tradepost.masterdata.models import ProductCategory

    fields.setdefault("name", "Category 类别")
    with schema_context(org.schema):
        return services.tree_node_create(
            actor=_actor(org, actor), model=ProductCategory, parent=parent, **fields
        )


# --- Sales documents ------------------------------------------------------------------
def _lines(org, lines):
    if lines is not None:
        return lines
    return [
        {"product": org.products["kettle"], "quantity": Decimal("2")},
        {
            "product": org.products["toaster"],
            "quantity": Decimal("1"),
            "discount_percent": Decimal("10"),
        },
    ]


def opportunity(org, customer: str = "rep_own", *, actor=None, **fields: Any):
    from tradepost.pipeline import services as pipeline

    fields = {"name": "Kitchen refit", "amount": Decimal("1000.00"), **fields}
    with schema_context(org.schema):
        return pipeline.opportunity_create(
            actor=_actor(org, actor), customer=org.customers[customer], **fields
        )


def quote(org, customer: str = "rep_own", *, actor=None, lines=None, **fields: Any):
    """A numbered draft quote with two lines (a kettle, a discounted toaster)."""
    from tradepost.sales import quotes

    with schema_context(org.schema):
        return quotes.quote_create(
            actor=_actor(org, actor),
            customer=org.customers[customer],
            lines=_lines(org, lines),
            **fields,
        )


def order(org, customer: str = "rep_own", *, actor=None, lines=None, **fields: Any):
    """A numbered draft order with two lines (a kettle, a discounted toaster)."""
    from tradepost.sales import orders

    with schema_context(org.schema):
        return orders.order_create(
            actor=_actor(org, actor),
            customer=org.customers[customer],
            lines=_lines(org, lines),
            **fields,
        )


def order_return(
    org, customer: str = "rep_own", *, quantity=Decimal("2"), returned=Decimal("1"), reason="Dented"
):
    """A return of `returned` kettles from a delivered order of `quantity`, each step
    taken by the role that does it (the owner enters, approves and confirms; the
    warehouse ships and delivers; finance takes the return)."""
    from tradepost.sales import orders

    warehouse, finance = org.users["warehouse_manager"], org.users["finance_manager"]
    made = order(org, customer, lines=[{"product": org.products["kettle"], "quantity": quantity}])
    with schema_context(org.schema):
        made = orders.order_submit(actor=org.owner, order=made)
        made = orders.order_approve(actor=org.owner, order=made)
        made = orders.order_confirm(actor=org.owner, order=made)
        made = orders.order_ship(actor=warehouse, order=made)
        made = orders.order_deliver(actor=warehouse, order=made)
        return orders.order_return_create(
            actor=finance, order=made, quantities={made.lines.get().pk: returned}, reason=reason
        )


def promotion(org, *, actor=None, **fields: Any):
    """An active 10 % off the kettle, running this month."""
    from tradepost.pricing import promotions

    today = timezone.localdate()
    fields = {
        "name": "Spring 春季促销",
        "kind": "percent_off",
        "percent": Decimal("10"),
        "starts_on": today.replace(day=1),
        "ends_on": today + datetime.timedelta(days=30),
        "products": [org.products["kettle"]],
        **fields,
    }
    with schema_context(org.schema):
        return promotions.promotion_create(actor=_actor(org, actor), **fields)


def stock_report(org, dealer, quantity=Decimal("3"), *, product="kettle", as_of=None, actor=None):
    from tradepost.channel import stock

    with schema_context(org.schema):
        return stock.stock_report_create(
            actor=_actor(org, actor),
            dealer=dealer,
            product=org.products[product],
            quantity=quantity,
            as_of=as_of or timezone.localdate(),
        )


def price_adjustment(org, *, actor=None, **fields: Any):
    """A draft markdown of the kettle to 149.99 from today, on reported stock."""
    from tradepost.channel import adjustments

    fields = {
        "product": org.products["kettle"],
        "new_price": Decimal("149.99"),
        "effective_on": timezone.localdate(),
        "basis": "reported_stock",
        **fields,
    }
    with schema_context(org.schema):
        return adjustments.price_adjustment_create(actor=_actor(org, actor), **fields)


def demand_plan(org, dealer=None, *, actor=None, lines=None, month=None, **fields: Any):
    """Next month's plan of a dealer (default: the org's dealer) for kettles and toasters."""
    from tradepost.channel import plans

    lines = lines or [
        {"product": org.products["kettle"], "quantity": Decimal("1")},
        {"product": org.products["toaster"], "quantity": Decimal("1")},
    ]
    with schema_context(org.schema):
        return plans.demand_plan_save(
            actor=_actor(org, actor),
            dealer=dealer or org.customers["dealer"],
            month=month or plans.next_month(),
            lines=lines,
            **fields,
        )


def agreement(org, customer: str = "rep_own", *, actor=None, activate=True, **fields: Any):
    """An agreement from the first of this month to the year's end: kettles at 150.00,
    at most 10; active unless `activate=False`."""
    from tradepost.channel import agreements

    today = timezone.localdate()
    fields = {
        "name": "Framework 框架",
        "starts_on": today.replace(day=1),
        "ends_on": datetime.date(today.year, 12, 31),
        "lines": [
            {
                "product": org.products["kettle"],
                "unit_price": Decimal("150.00"),
                "max_quantity": Decimal("10"),
            }
        ],
        **fields,
    }
    with schema_context(org.schema):
        made = agreements.agreement_create(
            actor=_actor(org, actor), customer=org.customers[customer], **fields
        )
        if activate:
            made = agreements.agreement_activate(actor=_actor(org, actor), agreement=made)
    return made
