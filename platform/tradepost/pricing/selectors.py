"""Which promotions apply to a customer's lines (the queries behind `pricing.lines`,
which is pure arithmetic)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from tradepost.customers.models import Customer
from tradepost.masterdata.models import Product, ProductCategory
from tradepost.pricing.lines import PromotionRule
from tradepost.pricing.models import Promotion
from tradepost.versioned_cache import VersionedCache

CURRENCY_BOUND_KINDS = ("amount_off", "tiered_price")


@dataclass(frozen=True)
class _Candidate:
    """A promotion running on a date, with the links that say whom and what it covers."""

    rule: PromotionRule
    group_ids: frozenset[int]
    channels: tuple[str, ...]
    product_ids: frozenset[int]
    paths: tuple[str, ...]


# Date and currency → the promotions running then: read for every document priced, so
# kept in the cache and forgotten when a promotion, its links or a category change
# (`apps.py` connects the signals).
running_promotions = VersionedCache("pricing:promotions")


def _running(on_date: datetime.date, currency: str) -> list[_Candidate]:
    def load() -> list[_Candidate]:
        candidates = (
            Promotion.objects.filter(is_active=True, starts_on__lte=on_date, ends_on__gte=on_date)
            .filter(~Q(kind__in=CURRENCY_BOUND_KINDS) | Q(currency=currency))
            .prefetch_related("products", "categories", "customer_groups")
        )
        return [
            _Candidate(
                rule=PromotionRule.of(promotion),
                group_ids=frozenset(group.pk for group in promotion.customer_groups.all()),
                channels=tuple(promotion.channels or ()),
                product_ids=frozenset(product.pk for product in promotion.products.all()),
                paths=tuple(category.path for category in promotion.categories.all()),
            )
            for promotion in candidates
        ]

    result: list[_Candidate] = running_promotions.get(f"{on_date.isoformat()}:{currency}", load)
    return result


def promotions_for(
    *, customer: Customer, products: Iterable[Product], on_date: datetime.date, currency: str
) -> dict[int, list[PromotionRule]]:
    """The promotions that apply to each product (by id) for `customer` on `on_date` in
    `currency`: active, within their dates, for the customer's group and channel (or
    any), for the product or its category subtree (or every product). One query for
    the promotions plus their product, category and group links (none while the
    cache holds that day's), and one for the products' category paths when a
    promotion is for categories."""
    products = list(products)
    result: dict[int, list[PromotionRule]] = {product.pk: [] for product in products}
    if not products:
        return result
    candidates = _running(on_date, currency)
    category_paths = (
        _category_paths(products) if any(candidate.paths for candidate in candidates) else {}
    )
    for candidate in candidates:
        if candidate.group_ids and customer.group_id not in candidate.group_ids:
            continue
        if candidate.channels and customer.channel not in candidate.channels:
            continue
        product_ids, paths = candidate.product_ids, candidate.paths
        for product in products:
            if (
                not product_ids
                and not paths
                or product.pk in product_ids
                or (path := category_paths.get(product.pk))
                and any(path.startswith(prefix) for prefix in paths)
            ):
                result[product.pk].append(candidate.rule)
    return result


def _category_paths(products: list[Product]) -> dict[int, str]:
    category_ids = {product.category_id for product in products if product.category_id}
    if not category_ids:
        return {}
    paths = dict(ProductCategory.objects.filter(pk__in=category_ids).values_list("pk", "path"))
    return {
        product.pk: paths[product.category_id]
        for product in products
        if product.category_id in paths
    }
