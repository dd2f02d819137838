"""Reads of master data. Subtree helpers are what other modules scope records by."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import F, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
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
from tradepost.request_memo import remembered
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


# The company's display settings, read by every page that shows an amount: kept in the
# cache and forgotten when the profile changes (`apps.py` connects the signals).
display_settings = VersionedCache("masterdata:display-settings")


def currency_symbols_shown() -> bool:
    """Whether the workspace prints amounts with currency symbols (¥300,000.00) rather
    than codes (300,000.00 CNY). Looked up once per request however many amounts a page
    shows, from the shared cache while it is warm, so a page runs no query for it."""
    schema = connection.schema_name  # type: ignore[attr-defined]  # django-tenants' wrapper
    return bool(
        remembered(
            ("currency_symbols", schema),
            lambda: display_settings.get(
                "currency-symbols",
                lambda: CompanyProfile.objects.filter(show_currency_symbols=True).exists(),
            ),
        )
    )


# --- Staff and the reporting chain ---------------------------------------------------
# Who reports to whom is `StaffProfile.manager`. The chain never loops (the service
# refuses it), and every walk along it stops after MAX_CHAIN_DEPTH levels anyway, so a
# row written behind the service's back cannot hang a page.

MAX_CHAIN_DEPTH = 20

_CHAIN_UP = """
    WITH RECURSIVE chain(user_id, depth) AS (
        SELECT manager_id, 1 FROM masterdata_staffprofile
        WHERE user_id = %s AND manager_id IS NOT NULL
        UNION
        SELECT p.manager_id, chain.depth + 1
        FROM masterdata_staffprofile p JOIN chain ON p.user_id = chain.user_id
        WHERE p.manager_id IS NOT NULL AND chain.depth < %s
    )
    SELECT user_id, MIN(depth) FROM chain GROUP BY user_id ORDER BY MIN(depth)
"""

# The reporting subtree below a user, as a sub-select of user ids (no round trip of its
# own: it runs inside the query that filters by it).
_SUBTREE = """
    WITH RECURSIVE subtree(user_id, depth) AS (
        SELECT user_id, 1 FROM masterdata_staffprofile WHERE manager_id = %s
        UNION
        SELECT p.user_id, subtree.depth + 1
        FROM masterdata_staffprofile p JOIN subtree ON p.manager_id = subtree.user_id
        WHERE subtree.depth < %s
    )
    SELECT user_id FROM subtree
"""


def reports_subtree_ids(user_id: int) -> RawSQL:
    """Ids of everyone reporting to `user_id`, directly or through others, as an
    expression for `…__in=` filters (`Customer.objects.filter(owner_id__in=…)`): one
    recursive sub-select, evaluated inside the filtering query."""
    return RawSQL(_SUBTREE, (user_id, MAX_CHAIN_DEPTH))  # noqa: S611  # constant SQL, bound ids


def _user_model() -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model()


def reporting_chain(user: Any) -> list[Any]:
    """The managers above `user`, nearest first (their manager, then theirs …), at most
    MAX_CHAIN_DEPTH of them: whom an escalation climbs to. Two queries."""
    with connection.cursor() as cursor:
        cursor.execute(_CHAIN_UP, [user.pk, MAX_CHAIN_DEPTH])
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return []
    people = _user_model().objects.in_bulk(ids)
    return [people[pk] for pk in ids if pk in people]


def reports_of(user: Any, *, recursive: bool = False) -> QuerySet[Any]:
    """The people who report to `user`: directly, or (`recursive`) anywhere below them,
    at most MAX_CHAIN_DEPTH levels down."""
    users = _user_model().objects
    if recursive:
        return users.filter(pk__in=reports_subtree_ids(user.pk))  # type: ignore[no-any-return]
    return users.filter(staff_profile__manager_id=user.pk)  # type: ignore[no-any-return]


def staff_visible(actor: Actor) -> QuerySet[Any]:
    """The staff directory (every user but dealers, who are customers' people) with
    their profiles, for whoever keeps staff profiles (administrators); nobody else."""
    from django.contrib.auth.models import Group
    from django.db.models import Prefetch

    from tradepost.accounts.roles import Role

    if actor is None or not actor.has_perm("masterdata.change_staffprofile"):
        return _user_model().objects.none()  # type: ignore[no-any-return]
    return (  # type: ignore[no-any-return]
        _user_model()
        .objects.exclude(groups__name=Role.DEALER.value)
        .select_related("staff_profile__branch", "staff_profile__region", "staff_profile__manager")
        .prefetch_related(Prefetch("groups", queryset=Group.objects.only("name")))
        .order_by("full_name", "email", "pk")
    )


def managers_choosable(user: Any | None = None, *, keep: Any | None = None) -> QuerySet[Any]:
    """Whom `user` may be given as manager: active staff (no dealers), not `user`
    themself and nobody who reports to them (that would close a loop); `keep` (the
    current manager) stays on offer. Without `user`: every active member of staff
    (the staff list's filter)."""
    from tradepost.accounts.roles import Role

    people = _user_model().objects.filter(is_active=True).exclude(groups__name=Role.DEALER.value)
    if user is not None:
        people = people.exclude(pk=user.pk).exclude(pk__in=reports_subtree_ids(user.pk))
    keep_id = getattr(keep, "pk", keep)
    if keep_id is not None:
        people = _user_model().objects.filter(Q(pk__in=people.values("pk")) | Q(pk=keep_id))
    return people.order_by("full_name", "email", "pk")  # type: ignore[no-any-return]


def branches_choosable(keep: Branch | None = None) -> QuerySet[Branch]:
    """Active branches in tree order, and `keep` (a record's current branch)."""
    return _active_nodes(Branch, keep)


def regions_choosable(keep: SalesRegion | None = None) -> QuerySet[SalesRegion]:
    """Active sales regions in tree order, and `keep` (a record's current region)."""
    return _active_nodes(SalesRegion, keep)


def _active_nodes(model: type[TreeNode], keep: TreeNode | None) -> QuerySet[Any]:
    condition = Q(is_active=True)
    if keep is not None:
        condition |= Q(pk=keep.pk)
    nodes: QuerySet[Any] = model.objects.filter(condition).order_by("path")
    return nodes


def org_chart(actor: Actor) -> tuple[list[Any], list[Any]]:
    """The organisation as a tree of people by manager, for everyone who reads staff
    profiles: (top, unassigned). `top` are the people at the head of a chain (they have
    reports but no manager); each person carries `.chart_reports`, their direct
    reports, sorted by name. `unassigned` are active staff with neither manager nor
    reports. Two queries, whatever the size: every active member of staff with their
    profile is read once and the tree is built in Python."""
    from tradepost.accounts.roles import Role

    if actor is None or not actor.has_perm("masterdata.view_staffprofile"):
        return [], []
    people = list(
        _user_model()
        .objects.filter(is_active=True)
        .exclude(groups__name=Role.DEALER.value)
        .select_related("staff_profile__branch", "staff_profile__region")
        .order_by("full_name", "email", "pk")
    )
    by_id = {person.pk: person for person in people}
    for person in people:
        person.chart_reports = []
    heads = []
    for person in people:
        profile = getattr(person, "staff_profile", None)
        manager_id = profile.manager_id if profile is not None else None
        if manager_id in by_id:
            by_id[manager_id].chart_reports.append(person)
        else:  # no manager, or one no longer active: heads their own part of the chart
            heads.append(person)
    top = [person for person in heads if person.chart_reports]
    unassigned = [person for person in heads if not person.chart_reports]
    return top, unassigned
