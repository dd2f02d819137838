"""The search: a query parsed once, then one query per group the caller may see.

Every group reads through its own app's scope selector — `customers_visible_to`,
`contacts_visible_to`, `orders_visible_to`, `quotes_visible_to`,
`opportunities_visible_to`, `products_visible` — and only when the caller has the
group's view permission, so a search never shows a record its page would refuse.
The documents (`SearchDocument`) only narrow those querysets down: a record matches
when its document holds every word of the query; orders, quotes and opportunities
also match through their customer's document (a customer's name finds its orders).

Each group answers at most `limit` records, newest first, and says whether there
were more: a fixed number of queries (one per group) however many records match.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tradepost.customers.selectors import contacts_visible_to, customers_visible_to
from tradepost.masterdata.selectors import products_visible
from tradepost.pipeline.selectors import opportunities_visible_to
from tradepost.principals import Actor
from tradepost.sales.selectors import orders_visible_to, quotes_visible_to
from tradepost.search.keys import fold
from tradepost.search.models import Kind, SearchDocument

MAX_QUERY_LENGTH = 100
MAX_WORDS = 8
DEFAULT_LIMIT = 5
MAX_LIMIT = 20
# Words shorter than this match the start of a word or a Chinese pair (`short_grams`);
# longer ones any part of the text.
SHORT_WORD = 3


@dataclass(frozen=True)
class Hit:
    id: int
    label: str
    secondary: str
    url: str


@dataclass(frozen=True)
class Group:
    kind: str
    title: str
    hits: list[Hit]
    more: bool  # more records matched than `limit`


@dataclass(frozen=True)
class GroupSpec:
    kind: Kind
    permission: str
    visible: Callable[[Actor], QuerySet[Any]]
    via_customer: bool  # also found through the customer's document
    related: tuple[str, ...]
    hit: Callable[[Any], Hit]


def _joined(*parts: object) -> str:
    return " · ".join(str(part) for part in parts if part)


def _customer_hit(customer: Any) -> Hit:
    url = reverse("customers:detail", args=[customer.pk])
    return Hit(customer.pk, customer.name, customer.code, url)


def _contact_hit(contact: Any) -> Hit:
    url = reverse("customers:detail", args=[contact.customer_id]) + "#contacts-title"
    return Hit(contact.pk, contact.name, _joined(contact.title, contact.customer.name), url)


def _order_hit(order: Any) -> Hit:
    url = reverse("sales:order", args=[order.pk])
    return Hit(order.pk, str(order), _joined(order.customer.name, order.get_status_display()), url)


def _quote_hit(quote: Any) -> Hit:
    url = reverse("sales:quote", args=[quote.pk])
    return Hit(quote.pk, str(quote), _joined(quote.customer.name, quote.get_status_display()), url)


def _product_hit(product: Any) -> Hit:
    # Products have no page of their own: the catalogue, narrowed to this SKU.
    url = reverse("masterdata:product_list") + "?" + urlencode({"q": product.sku})
    return Hit(product.pk, product.name, product.sku, url)


def _opportunity_hit(opportunity: Any) -> Hit:
    url = reverse("sales:opportunity", args=[opportunity.pk])
    secondary = _joined(opportunity.customer.name, opportunity.get_stage_display())
    return Hit(opportunity.pk, opportunity.name, secondary, url)


GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec(
        Kind.CUSTOMER, "customers.view_customer", customers_visible_to, False, (), _customer_hit
    ),
    GroupSpec(
        Kind.CONTACT,
        "customers.view_contact",
        contacts_visible_to,
        False,
        ("customer",),
        _contact_hit,
    ),
    GroupSpec(Kind.ORDER, "sales.view_order", orders_visible_to, True, ("customer",), _order_hit),
    GroupSpec(Kind.QUOTE, "sales.view_quote", quotes_visible_to, True, ("customer",), _quote_hit),
    GroupSpec(
        Kind.OPPORTUNITY,
        "pipeline.view_opportunity",
        opportunities_visible_to,
        True,
        ("customer",),
        _opportunity_hit,
    ),
    GroupSpec(Kind.PRODUCT, "masterdata.view_product", products_visible, False, (), _product_hit),
)
KINDS: tuple[str, ...] = tuple(spec.kind.value for spec in GROUPS)

EMPTY_MESSAGE = gettext_lazy("Type a name, code, number or pinyin to search for.")


def parse_query(raw: str | None) -> list[str]:
    """The words of a search, folded (`keys.fold`); ValidationError with a sentence a
    person can act on for an empty, too long or unprintable query."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(EMPTY_MESSAGE, code="required")
    if len(text) > MAX_QUERY_LENGTH:
        raise ValidationError(
            _("Search for at most %(max)d characters.") % {"max": MAX_QUERY_LENGTH},
            code="max_length",
        )
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs") for char in text):
        raise ValidationError(
            _("The search contains control characters; type it again."), code="invalid"
        )
    words = fold(text).split()
    if len(words) > MAX_WORDS:
        raise ValidationError(
            _("Search for at most %(max)d words.") % {"max": MAX_WORDS}, code="max_words"
        )
    return words


def parse_kinds(raw: str | None) -> list[str]:
    """`types=customer,order`: the groups asked for, all when empty."""
    if not raw or not raw.strip():
        return list(KINDS)
    asked = [part.strip() for part in raw.split(",") if part.strip()]
    unknown = [kind for kind in asked if kind not in KINDS]
    if unknown:
        raise ValidationError(
            _("Unknown type %(types)s; choose from %(known)s.")
            % {"types": ", ".join(unknown), "known": ", ".join(KINDS)},
            code="invalid",
        )
    return [kind for kind in KINDS if kind in asked]


def matching_ids(kind: str, words: Sequence[str]) -> QuerySet[SearchDocument, int]:
    """The ids of the records of `kind` whose search document holds every word."""
    documents = SearchDocument.objects.filter(kind=kind)
    for word in words:
        if len(word) < SHORT_WORD:  # no trigram in it: the array of short grams
            documents = documents.filter(grams__contains=[word])
        else:
            documents = documents.filter(text__contains=word)
    return documents.values_list("object_id", flat=True)


def search(
    actor: Actor,
    words: Sequence[str],
    *,
    kinds: Sequence[str] = KINDS,
    limit: int = DEFAULT_LIMIT,
) -> list[Group]:
    """The groups `actor` may see among `kinds`, each with at most `limit` records
    holding every word of `words` (from `parse_query`), newest first. A group the
    actor has no view permission for is left out, not shown empty."""
    groups = []
    for spec in GROUPS:
        if spec.kind not in kinds or not actor.has_perm(spec.permission):
            continue
        matches = Q(pk__in=matching_ids(spec.kind, words))
        if spec.via_customer:
            matches |= Q(customer_id__in=matching_ids(Kind.CUSTOMER, words))
        rows = list(
            spec.visible(actor)
            .filter(matches)
            .select_related(*spec.related)
            .order_by("-pk")[: limit + 1]
        )
        groups.append(
            Group(
                kind=spec.kind.value,
                title=str(spec.kind.label),
                hits=[spec.hit(row) for row in rows[:limit]],
                more=len(rows) > limit,
            )
        )
    return groups
