"""Type-ahead for the customer and product pickers of the entry forms.

A picker answers the words typed into a customer or product field with the few records
the form itself would accept, read through the same scope as the form's choices:
customers through `customers_visible_to` (active ones: what an order or a quote may be
for), products among the active catalogue (what a line may name). The words are
matched like global search (`selectors.parse_query`, the search documents: Chinese,
pinyin, initials, codes), the records ordered as the form's list orders them.

The form still posts the record's id: the picker only helps to find it, and the form's
own queryset decides whether the id is acceptable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from tradepost.customers.selectors import customers_visible_to
from tradepost.masterdata.models import Product
from tradepost.principals import Actor
from tradepost.search.models import Kind
from tradepost.search.selectors import matching_ids

LIMIT = 10


@dataclass(frozen=True)
class Choice:
    id: int
    label: str  # as the form's <option> reads
    secondary: str


@dataclass(frozen=True)
class Picker:
    kind: Kind
    # Any one of these lets the caller use the picker (the forms it serves ask for them).
    permissions: tuple[str, ...]
    choices: Callable[[Actor], QuerySet[Any]]
    order: tuple[str, ...]
    fields: tuple[str, ...]  # what `choice` reads
    choice: Callable[[Any], Choice]


def _customers(actor: Actor) -> QuerySet[Any]:
    return customers_visible_to(actor).filter(is_active=True)


def _products(actor: Actor) -> QuerySet[Any]:
    # The catalogue is shared: every active product, as a document line offers it.
    return Product.objects.filter(is_active=True)


def _customer_choice(customer: Any) -> Choice:
    # The label is `customers.forms.CustomerChoice`'s, so the field reads the same.
    return Choice(customer.pk, f"{customer.name} ({customer.code})", customer.get_channel_display())


def _product_choice(product: Any) -> Choice:
    # The label is `masterdata.forms.ProductChoice`'s.
    return Choice(product.pk, f"{product.sku} — {product.name}", product.unit)


PICKERS: dict[str, Picker] = {
    "customer": Picker(
        Kind.CUSTOMER,
        ("customers.view_customer",),
        _customers,
        ("name_sort", "pk"),
        ("name", "code", "channel", "name_sort"),
        _customer_choice,
    ),
    "product": Picker(
        Kind.PRODUCT,
        ("masterdata.view_product", "sales.add_order", "sales.add_quote"),
        _products,
        ("sku", "pk"),
        ("sku", "name", "unit"),
        _product_choice,
    ),
}


def may_pick(actor: Actor, picker: Picker) -> bool:
    return any(actor.has_perm(permission) for permission in picker.permissions)


def pick(
    actor: Actor, picker: Picker, words: Sequence[str], *, limit: int = LIMIT
) -> tuple[list[Choice], bool]:
    """At most `limit` records of `picker` the actor may choose that hold every word of
    `words` (all of them, first in the form's order, when `words` is empty), and
    whether more matched. One query."""
    rows = picker.choices(actor)
    if words:
        rows = rows.filter(pk__in=matching_ids(picker.kind, words))
    found = list(rows.only(*picker.fields).order_by(*picker.order)[: limit + 1])
    return [picker.choice(row) for row in found[:limit]], len(found) > limit
