"""Reads of master data. Subtree helpers are what other modules scope records by."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet, Subquery
from django.db.models.functions import Length

from tradepost.masterdata.models import (
    Branch,
    CompanyProfile,
    Location,
    Product,
    ProductCategory,
    SalesRegion,
    TreeNode,
)
from tradepost.principals import Actor
from tradepost.versioned_cache import VersionedCache


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


# --- Locations -------------------------------------------------------------------------


def location_default_for(branch_id: int | None) -> Location | None:
    """Where a customer of branch `branch_id` is served from: the default location of
    that branch or of the nearest branch above it, else the workspace's default (no
    branch), else None. One query: a branch's ancestors are the prefixes of its
    materialised path."""
    candidates = Location.objects.filter(is_default=True, is_active=True)
    if branch_id is None:
        return candidates.filter(branch__isnull=True).first()
    path = Branch.objects.filter(pk=branch_id).values("path")[:1]
    return (
        candidates.annotate(customer_path=Subquery(path))
        .filter(Q(branch__isnull=True) | Q(customer_path__startswith=F("branch__path")))
        .order_by(Length("branch__path").desc(nulls_last=True), "pk")
        .first()
    )


# Branch → its default location's id: read on every new order, so kept in the cache
# and forgotten when a location or a branch changes (`apps.py` connects the signals).
default_locations = VersionedCache("masterdata:default-location")


def location_default_id_for(branch_id: int | None) -> int | None:
    """`location_default_for(branch_id)`'s id, from the cache when it is warm."""

    def load() -> int | None:
        location = location_default_for(branch_id)
        return location.pk if location is not None else None

    result: int | None = default_locations.get(str(branch_id), load)
    return result


def locations_active() -> QuerySet[Location]:
    return Location.objects.filter(is_active=True).select_related("branch")


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
