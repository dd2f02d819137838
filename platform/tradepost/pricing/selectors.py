"""Which promotions apply to a customer's lines (the queries behind `pricing.lines`,
which is pure arithmetic)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Q

from tradepost.customers.models import Customer
from tradepost.masterdata.models import Product, ProductCategory
from tradepost.pricing.lines import PromotionRule
from tradepost.pricing.models import Promotion

CURRENCY_BOUND_KINDS = ("amount_off", "tiered_price")


def promotions_for(
    *, customer: Customer, products: Iterable[Product], on_date: datetime.date, currency: str
) -> dict[int, list[PromotionRule]]:
    """The promotions that apply to each product (by id) for `customer` on `on_date` in
    `currency`: active, within their dates, for the customer's group and channel (or
    any), for the product or its category subtree (or every product). One query for
    the promotions plus their product, category and group links."""
    products = list(products)
    result: dict[int, list[PromotionRule]] = {product.pk: [] for product in products}
    if not products:
        return result
    candidates = (
        Promotion.objects.filter(is_active=True, starts_on__lte=on_date, ends_on__gte=on_date)
        .filter(~Q(kind__in=CURRENCY_BOUND_KINDS) | Q(currency=currency))
        .prefetch_related("products", "categories", "customer_groups")
    )
    category_paths = _category_paths(products)
    for promotion in candidates:
        group_ids = {group.pk for group in promotion.customer_groups.all()}
        if group_ids and customer.group_id not in group_ids:
            continue
        if promotion.channels and customer.channel not in promotion.channels:
            continue
        product_ids = {product.pk for product in promotion.products.all()}
        paths = [category.path for category in promotion.categories.all()]
        rule = PromotionRule.of(promotion)
        for product in products:
            if (
                not product_ids
                and not paths
                or product.pk in product_ids
                or (path := category_paths.get(product.pk))
                and any(path.startswith(prefix) for prefix in paths)
            ):
                result[product.pk].append(rule)
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
