"""Reads of master data. Subtree helpers are what other modules scope records by."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from tradepost.masterdata.models import (
    Branch,
    CompanyProfile,
    Product,
    ProductCategory,
    SalesRegion,
    TreeNode,
)
from tradepost.principals import Actor


def subtree_ids(node: TreeNode) -> QuerySet[Any, int]:
    """Ids of `node` and every node below it, as a lazy queryset of ids.

    Use it inside a filter (`Customer.objects.filter(branch_id__in=...)`): it becomes
    one sub-select on the indexed materialised path, not a list in Python.
    """
    ids: QuerySet[Any, int] = (
        type(node).objects.filter(path__startswith=node.path).values_list("id", flat=True)
    )
    return ids


def branch_subtree_ids(branch: Branch) -> QuerySet[Any, int]:
    """Ids of `branch` and all its sub-branches."""
    return subtree_ids(branch)


def region_subtree_ids(region: SalesRegion) -> QuerySet[Any, int]:
    """Ids of `region` and all the regions inside it."""
    return subtree_ids(region)


def category_subtree_ids(category: ProductCategory) -> QuerySet[Any, int]:
    """Ids of `category` and all its sub-categories."""
    return subtree_ids(category)


# --- Products ------------------------------------------------------------------------

PRODUCT_ORDERINGS = {
    "sku": ("sku", "pk"),
    "-sku": ("-sku", "-pk"),
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "list_price": ("list_price", "pk"),
    "-list_price": ("-list_price", "-pk"),
    "updated_at": ("updated_at", "pk"),
    "-updated_at": ("-updated_at", "-pk"),
}


def products_visible(actor: Actor) -> QuerySet[Product]:
    """Every product, for anyone allowed to view products (the catalogue is shared by
    the whole workspace); nothing for anyone else."""
    if actor is None or not actor.has_perm("masterdata.view_product"):
        return Product.objects.none()
    return Product.objects.all()


def product_list(actor: Actor) -> QuerySet[Product]:
    """The product list as the browser shows it, by SKU (its FilterSet narrows and
    sorts it: `masterdata.filters.ProductListFilter`)."""
    return products_visible(actor).select_related("category", "tax_rate").order_by("sku", "pk")


def product_search(products: QuerySet[Product], text: str) -> QuerySet[Product]:
    """`products` whose SKU or name holds `text` or whose barcode is `text`."""
    return products.filter(Q(sku__icontains=text) | Q(name__icontains=text) | Q(barcode=text))


def product_sort(products: QuerySet[Product], ordering: str) -> QuerySet[Product]:
    return products.order_by(*PRODUCT_ORDERINGS.get(ordering, PRODUCT_ORDERINGS["sku"]))


def tree(model: type[TreeNode]) -> list[TreeNode]:
    """Every node of a tree in display order (depth-first), for lists and pickers."""
    return list(model.objects.get_tree())


def company_profile() -> CompanyProfile:
    """The company profile, or (before anyone saved one) an unsaved one named after
    the workspace."""
    from django.db import connection

    from tenants.models import Tenant

    profile = CompanyProfile.objects.prefetch_related("bank_accounts").first()
    if profile is None:
        name = (
            Tenant.objects.filter(schema_name=connection.schema_name)  # type: ignore[attr-defined]
            .values_list("name", flat=True)
            .first()
        )
        profile = CompanyProfile(name=name or "")
    return profile
