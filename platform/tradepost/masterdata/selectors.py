"""Reads of master data. Subtree helpers are what other modules scope records by."""

from __future__ import annotations

from django.db.models import QuerySet

from tradepost.masterdata.models import Branch, ProductCategory, SalesRegion, TreeNode


def subtree_ids(node: TreeNode) -> QuerySet:
    """Ids of `node` and every node below it, as a lazy queryset of ids.

    Use it inside a filter (`Customer.objects.filter(branch_id__in=...)`): it becomes
    one sub-select on the indexed materialised path, not a list in Python.
    """
    return type(node).objects.filter(path__startswith=node.path).values_list("id", flat=True)


def branch_subtree_ids(branch: Branch) -> QuerySet:
    """Ids of `branch` and all its sub-branches."""
    return subtree_ids(branch)


def region_subtree_ids(region: SalesRegion) -> QuerySet:
    """Ids of `region` and all the regions inside it."""
    return subtree_ids(region)


def category_subtree_ids(category: ProductCategory) -> QuerySet:
    """Ids of `category` and all its sub-categories."""
    return subtree_ids(category)
