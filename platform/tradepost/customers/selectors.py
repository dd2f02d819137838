"""Reads of customers and everything hanging off them — and the one rule for who sees
which customer (record ownership).

`customers_visible_to(actor)` is that rule. The customer list, the 360° page, the
API, search, exports and every write (services check it again) go through it;
contacts, activities, tickets, price lists, credit ratings and dealer reports are
reached through their customer with `scope_q(actor, "customer__")`, so they follow
the same scope.

Scope per role (a user holding several roles gets the union):

| role                          | sees and edits                                      |
|-------------------------------|-----------------------------------------------------|
| system administrator          | every customer                                      |
| executive                     | every customer                                      |
| finance manager               | every customer (credit control spans the company)   |
| customer-information manager  | every customer (keeps the customer files)           |
| sales manager                 | customers they own, plus those whose branch is in   |
|                               | the subtree of their StaffProfile's branch, whose   |
|                               | region is in the subtree of their profile's region, |
|                               | whose owner works in that branch subtree, or whose  |
|                               | owner reports to them (directly or further down)    |
| salesperson                   | customers they own (`owner`), and those owned by    |
|                               | anyone who reports to them (a team lead's team)     |
| dealer                        | their own dealer record (`portal_user`)             |
| warehouse manager             | none (no customer permission; deliveries show the   |
|                               | customer through the order)                         |

A sales manager without a staff profile sees only the customers they own and their
reports'. Who reports to whom is `StaffProfile.manager`
(`masterdata.selectors.reports_of`), set on the staff page by administrators.

API keys act with a role but no user (`api.authentication.ApiKeyPrincipal`): a key
of an every-customer role (the first four above) sees every customer; a key of a
personal role (sales manager, salesperson, dealer) owns nothing and has no branch,
so it sees none. Give integrations an executive or customer-information-manager key.

Whether an actor may *act* (view, add, change) is the role's permission
(`accounts.roles.ROLE_PERMISSIONS`); the scope says *on which customers*. An id
outside the scope answers exactly like an id that does not exist (404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Count, Exists, Model, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from tradepost.accounts.models import User
from tradepost.accounts.roles import Role
from tradepost.customers.models import (
    Activity,
    Contact,
    CreditRating,
    Customer,
    CustomerGroup,
    DealerReport,
    PriceList,
    Tag,
    Ticket,
)
from tradepost.masterdata.models import Branch, SalesRegion, StaffProfile
from tradepost.masterdata.selectors import (
    branch_subtree_ids,
    region_subtree_ids,
    reports_subtree_ids,
)
from tradepost.principals import Actor
from tradepost.request_memo import remembered

ALL_CUSTOMERS_ROLES = frozenset(
    {
        Role.SYSTEM_ADMINISTRATOR.value,
        Role.EXECUTIVE.value,
        Role.FINANCE_MANAGER.value,
        Role.CUSTOMER_INFORMATION_MANAGER.value,
    }
)
NOT_FOUND_MESSAGE = "No customer with this id."  # the same for missing and out of scope


@dataclass(frozen=True)
class CustomerScope:
    """What an actor sees: everything, or the union of the rules set here."""

    everything: bool = False
    owner_id: int | None = None  # owns these customers (salesperson, sales manager)
    portal_user_id: int | None = None  # the dealer's own record
    branch: Branch | None = None  # sales manager: this branch's subtree, and its staff
    region: SalesRegion | None = None  # sales manager: this region's subtree
    # salesperson, sales manager: customers owned by whoever reports to this user
    reports_to_id: int | None = None

    def q(self, prefix: str = "") -> Q:
        """The filter on customers (`prefix` reaches them from another model)."""
        if self.everything:
            return Q()
        conditions = Q(pk__in=[])  # matches nothing: an actor with no rule sees none
        if self.owner_id is not None:
            conditions |= Q(**{f"{prefix}owner_id": self.owner_id})
        if self.portal_user_id is not None:
            conditions |= Q(**{f"{prefix}portal_user_id": self.portal_user_id})
        if self.branch is not None:
            branches = branch_subtree_ids(self.branch)
            team = StaffProfile.objects.filter(branch_id__in=branches).values("user_id")
            conditions |= Q(**{f"{prefix}branch_id__in": branches})
            conditions |= Q(**{f"{prefix}owner_id__in": team})
        if self.region is not None:
            conditions |= Q(**{f"{prefix}region_id__in": region_subtree_ids(self.region)})
        if self.reports_to_id is not None:
            reports = reports_subtree_ids(self.reports_to_id)
            conditions |= Q(**{f"{prefix}owner_id__in": reports})
        return conditions

    @property
    def reaches_staff(self) -> bool:
        """Whether the actor works on the company side (sees every customer, or owns,
        or manages some). A dealer's scope is only its own record: it does not."""
        return self.everything or any(
            value is not None for value in (self.owner_id, self.branch, self.region)
        )

    def matcher(self) -> Callable[..., bool]:
        """The same rule in Python, for customers not saved yet (an import's rows)."""
        if self.everything:
            return lambda **fields: True
        branch_ids = set(branch_subtree_ids(self.branch)) if self.branch else set()
        region_ids = set(region_subtree_ids(self.region)) if self.region else set()
        team = set(
            StaffProfile.objects.filter(branch_id__in=branch_ids).values_list("user_id", flat=True)
        )
        if self.reports_to_id is not None:
            team |= set(
                StaffProfile.objects.filter(
                    user_id__in=reports_subtree_ids(self.reports_to_id)
                ).values_list("user_id", flat=True)
            )

        def covers(
            *,
            owner_id: int | None,
            portal_user_id: int | None,
            branch_id: int | None,
            region_id: int | None,
        ) -> bool:
            return (
                (self.owner_id is not None and owner_id == self.owner_id)
                or (self.portal_user_id is not None and portal_user_id == self.portal_user_id)
                or branch_id in branch_ids
                or region_id in region_ids
                or owner_id in team
            )

        return covers


ModelT = TypeVar("ModelT", bound=Model)


def _roles(actor: Actor | None) -> set[str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return set()
    return set(actor.roles)  # type: ignore[attr-defined]  # every signed-in caller has roles


def customer_scope(actor: Actor | None) -> CustomerScope:
    """The scope of `actor`: a user, an API-key principal, anonymous or None. A user's
    is worked out once per request (`tradepost.request_memo`): a page asks for it for
    the list, each of its choices and its buttons."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return CustomerScope()
    if actor.pk is not None:
        key = ("customer_scope", connection.schema_name, actor.pk)  # type: ignore[attr-defined]  # django-tenants
        return remembered(key, lambda: _scope(actor))
    return _scope(actor)


def _scope(actor: Actor) -> CustomerScope:
    if getattr(actor, "is_superuser", False):
        return CustomerScope(everything=True)
    roles = _roles(actor)
    if roles & ALL_CUSTOMERS_ROLES:
        return CustomerScope(everything=True)
    user_id = actor.pk  # None for an API key: it owns nothing
    if user_id is None:
        return CustomerScope()
    owner_id = user_id if roles & {Role.SALESPERSON.value, Role.SALES_MANAGER.value} else None
    portal_user_id = user_id if Role.DEALER.value in roles else None
    branch = region = None
    if Role.SALES_MANAGER.value in roles:
        profile = (
            StaffProfile.objects.select_related("branch", "region").filter(user_id=user_id).first()
        )
        if profile is not None:
            branch, region = profile.branch, profile.region
    return CustomerScope(
        owner_id=owner_id,
        portal_user_id=portal_user_id,
        branch=branch,
        region=region,
        reports_to_id=owner_id,
    )


def scope_q(actor: Actor, prefix: str = "") -> Q:
    """The scope as a filter, for models that reach the customer through `prefix`."""
    return customer_scope(actor).q(prefix)


def customers_visible_to(actor: Actor) -> QuerySet[Customer]:
    """Every customer `actor` may see — THE record-ownership rule (see the docstring)."""
    return Customer.objects.filter(scope_q(actor))


def customer_get(actor: Actor, customer_id: int | str) -> Customer:
    """One customer in the actor's scope, or Http404 (the same for missing and hidden)."""
    try:
        customer_id = int(customer_id)
    except (TypeError, ValueError):
        raise Http404(_(NOT_FOUND_MESSAGE)) from None
    customer = (
        customers_visible_to(actor)
        .select_related("group", "owner", "portal_user", "referred_by", "branch", "region")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .filter(pk=customer_id)
        .first()
    )
    if customer is None:
        raise Http404(_(NOT_FOUND_MESSAGE))
    return customer


def staff_only(
    visible: Callable[[Actor], QuerySet[ModelT]],
) -> Callable[[Actor], QuerySet[ModelT]]:
    """`visible`, narrowed to nothing for an actor who does not work on the company side
    (a dealer, whose scope is only its own record): a record's activity feed — internal
    notes and history — stays inside the company."""

    def narrowed(actor: Actor) -> QuerySet[ModelT]:
        records = visible(actor)
        return records if customer_scope(actor).reaches_staff else records.none()

    return narrowed


def customer_is_visible(actor: Actor, customer_id: int) -> bool:
    return customers_visible_to(actor).filter(pk=customer_id).exists()


def visible_customer_id(actor: Actor, customer_id: int | None) -> int | None:
    """`customer_id` when the actor sees that customer, else None: for a link that
    preselects a customer (`?customer=12`) on a form."""
    if customer_id is not None and customer_is_visible(actor, customer_id):
        return customer_id
    return None


# --- Choices: what a form or a filter may offer ---------------------------------------
# Every picker of the workspace pages (salesperson, owner, assignee, portal sign-in,
# group, tag, branch, region) takes its choices from these, built with the caller, and
# a ModelChoiceField refuses any id outside them — so a hand-made POST cannot reach
# past the scope either. They follow `customer_scope`; the rule per kind:
#
# * users (salesperson, owner, assignee): every active user for the every-customer
#   roles; a salesperson themselves and whoever reports to them; a sales manager
#   themselves, the staff of their branch subtree, whoever reports to them and the
#   salespeople of the customers they see; a dealer nobody (the staff directory is no
#   business of a dealer).
# * dealer sign-ins (a customer's portal user): every dealer user for the
#   every-customer roles; for other staff the dealer users not linked yet or linked to
#   a customer they see; nobody for a dealer.
# * groups, branches, regions: every one to the roles that read those lists anyway
#   (`customers.view_customergroup`, `masterdata.view_branch`, `…view_salesregion`:
#   every staff role); to anyone else (a dealer) only those of its own records.
# * tags: every tag for the every-customer roles; else the tags of customers in scope.
# * customers: `customers_visible_to`.


def _with_kept(users: QuerySet[User], keep: User | int | None) -> QuerySet[User]:
    """`users`, plus `keep` (a user or id: a record's current value) when given."""
    keep_id = getattr(keep, "pk", keep)
    if keep_id is None:
        return users
    return User.objects.filter(Q(pk__in=users.values("pk")) | Q(pk=keep_id))


def users_visible_to(actor: Actor, *, keep: User | int | None = None) -> QuerySet[User]:
    """The people `actor` may pick (as salesperson, owner, assignee) or filter by: the
    staff directory as far as the actor's customer scope reaches (table above).

    `keep` (a user or user id) stays selectable whatever the scope: the current value of
    a record being edited, so saving it unchanged is never refused."""
    scope = customer_scope(actor)
    if scope.everything:
        people = Q()
    else:
        people = Q(pk__in=[])
        if scope.owner_id is not None:
            people |= Q(pk=scope.owner_id)
        if scope.branch is not None:
            team = StaffProfile.objects.filter(branch_id__in=branch_subtree_ids(scope.branch))
            people |= Q(pk__in=team.values("user_id"))
        if scope.reports_to_id is not None:
            people |= Q(pk__in=reports_subtree_ids(scope.reports_to_id))
        if scope.branch is not None or scope.region is not None:
            owners = Customer.objects.filter(scope.q(), owner__isnull=False).values("owner_id")
            people |= Q(pk__in=owners)
    users = _with_kept(User.objects.filter(people, is_active=True), keep)
    return users.order_by("full_name", "email", "pk")


def dealer_users_visible_to(actor: Actor, *, keep: User | int | None = None) -> QuerySet[User]:
    """Dealer users `actor` may link to a customer as its portal sign-in (table above)."""
    scope = customer_scope(actor)
    dealers = User.objects.filter(is_active=True, groups__name=Role.DEALER.value)
    if not scope.everything:
        if scope.reaches_staff:
            linked = Customer.objects.filter(portal_user__isnull=False)
            dealers = dealers.filter(
                ~Q(pk__in=linked.values("portal_user_id"))
                | Q(pk__in=linked.filter(scope.q()).values("portal_user_id"))
            )
        else:
            dealers = dealers.none()
    return _with_kept(dealers, keep).distinct().order_by("full_name", "email", "pk")


def _of_own_records(
    actor: Actor, model: type[ModelT], permission: str, field: str
) -> QuerySet[ModelT]:
    """All rows of `model` for holders of `permission`; else those that the customers
    in scope point at through `field`."""
    if actor is not None and actor.has_perm(permission):
        return model._default_manager.all()
    return model._default_manager.filter(pk__in=customers_visible_to(actor).values(field))


def customer_groups_visible_to(actor: Actor) -> QuerySet[CustomerGroup]:
    return _of_own_records(actor, CustomerGroup, "customers.view_customergroup", "group_id")


def branches_visible_to(actor: Actor) -> QuerySet[Branch]:
    branches = _of_own_records(actor, Branch, "masterdata.view_branch", "branch_id")
    return branches.filter(is_active=True).order_by("path")


def regions_visible_to(actor: Actor) -> QuerySet[SalesRegion]:
    regions = _of_own_records(actor, SalesRegion, "masterdata.view_salesregion", "region_id")
    return regions.filter(is_active=True).order_by("path")


def tags_visible_to(actor: Actor) -> QuerySet[Tag]:
    if customer_scope(actor).everything:
        return Tag.objects.order_by("name")
    in_scope = Customer.tags.through.objects.filter(
        customer_id__in=customers_visible_to(actor).values("pk")
    )
    return Tag.objects.filter(pk__in=in_scope.values("tag_id")).order_by("name")


# --- Lists ---------------------------------------------------------------------------
SORTS = {
    "name": ("name_sort", "pk"),
    "-name": ("-name_sort", "-pk"),
    "code": ("code", "pk"),
    "-code": ("-code", "-pk"),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
    "updated": ("updated_at", "pk"),
    "-updated": ("-updated_at", "-pk"),
    "credit_limit": ("credit_limit", "pk"),
    "-credit_limit": ("-credit_limit", "-pk"),
}
DEFAULT_SORT = "name"


def customer_search(queryset: QuerySet[Customer], text: str) -> QuerySet[Customer]:
    """Customers whose name, code, tax id, phone or e-mail, or one of whose contacts'
    name, phone, mobile or e-mail, contains `text` (ignoring case). No duplicates."""
    text = text.strip()
    if not text:
        return queryset
    contact_match = Contact.objects.filter(customer=OuterRef("pk")).filter(
        Q(name__icontains=text)
        | Q(phone__icontains=text)
        | Q(mobile__icontains=text)
        | Q(email__icontains=text)
    )
    return queryset.filter(
        Q(name__icontains=text)
        | Q(code__icontains=text)
        | Q(tax_id__icontains=text)
        | Q(phone__icontains=text)
        | Q(email__icontains=text)
        | Exists(contact_match)
    )


def customer_list(actor: Actor, *, sort: str = DEFAULT_SORT) -> QuerySet[Customer]:
    """The customer list of `actor`: scoped, sorted, with what each row shows (group,
    owner, branch, region, tags, primary contact) in a fixed number of queries. The
    page and its export filter it with `filters.CustomerListFilter`."""
    customers = customers_visible_to(actor)
    primary = Prefetch(
        "contacts", queryset=Contact.objects.filter(is_primary=True), to_attr="primary_contacts"
    )
    return (
        customers.select_related("group", "owner", "branch", "region")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")), primary)
        .order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))
    )


def contacts_visible_to(actor: Actor) -> QuerySet[Contact]:
    return Contact.objects.filter(scope_q(actor, "customer__"))


def credit_ratings_visible_to(actor: Actor) -> QuerySet[CreditRating]:
    return CreditRating.objects.filter(scope_q(actor, "customer__"))


def activities_visible_to(actor: Actor) -> QuerySet[Activity]:
    return Activity.objects.filter(scope_q(actor, "customer__"))


def tickets_visible_to(actor: Actor) -> QuerySet[Ticket]:
    return Ticket.objects.filter(scope_q(actor, "customer__"))


def dealer_reports_visible_to(actor: Actor) -> QuerySet[DealerReport]:
    return DealerReport.objects.filter(scope_q(actor, "dealer__"))


def price_lists_visible_to(actor: Actor) -> QuerySet[PriceList]:
    """Customer lists of visible customers; group lists: every one for staff (a group's
    prices are no secret inside the company; changing one is another matter), only
    their own group's for a dealer (one dealer never sees another tier's prices)."""
    scope = customer_scope(actor)
    if scope.everything:
        return PriceList.objects.all()
    if set(_roles(actor)) - {Role.DEALER.value}:
        groups = Q(group__isnull=False)
    else:
        own_groups = Customer.objects.filter(scope.q()).values("group_id")
        groups = Q(group_id__in=own_groups)
    return PriceList.objects.filter(scope.q("customer__") | groups)


def activity_list(
    actor: Actor, *, open_only: bool = False, mine: bool = False
) -> QuerySet[Activity]:
    activities = activities_visible_to(actor).select_related("customer", "owner", "contact")
    if open_only:
        activities = activities.filter(done_at__isnull=True)
    if mine:
        activities = activities.filter(owner_id=getattr(actor, "pk", None))
    return activities.order_by("done_at", "due_at", "-pk")


def ticket_list(actor: Actor) -> QuerySet[Ticket]:
    """The tickets of the list page, newest first (the page's FilterSet narrows them)."""
    return (
        tickets_visible_to(actor)
        .select_related("customer", "assignee")
        .order_by("-created_at", "-pk")
    )


def dealer_report_list(actor: Actor) -> QuerySet[DealerReport]:
    """The dealer reports of the list page, newest first."""
    return dealer_reports_visible_to(actor).select_related("dealer").order_by("-created_at", "-pk")


def price_list_list(actor: Actor) -> QuerySet[PriceList]:
    return (
        price_lists_visible_to(actor)
        .select_related("customer", "group")
        .annotate(line_count=Count("lines"))
        .order_by("-valid_from", "-pk")
    )


def customer_group_list() -> QuerySet[CustomerGroup]:
    """Groups with how many customers (of any scope) and price lists each has."""
    return CustomerGroup.objects.annotate(
        customer_count=Count("customers", distinct=True),
        price_list_count=Count("price_lists", distinct=True),
    ).order_by("name", "pk")


# --- The 360° page -------------------------------------------------------------------
def customer_overview(actor: Actor, customer: Customer) -> dict[str, Any]:
    """What the 360° page shows beside the customer itself (it is already in scope)."""
    contacts = list(customer.contacts.order_by("-is_primary", "name", "pk"))
    today = timezone.localdate()
    owners = Q(customer=customer)
    if customer.group_id:
        owners |= Q(group_id=customer.group_id)
    price_lists = list(
        PriceList.objects.filter(owners)
        .select_related("group")
        .annotate(line_count=Count("lines"))
        .order_by("-valid_from", "-pk")
    )
    for price_list in price_lists:
        price_list.current = price_list.is_valid_on(today)  # type: ignore[attr-defined]  # for the page
    return {
        "contacts": contacts,
        "price_lists": price_lists,
        "ratings": list(customer.credit_ratings.order_by("-rated_at", "-pk")[:10]),
        "activities": list(
            customer.activities.select_related("owner", "contact").order_by(
                "done_at", "due_at", "-pk"
            )[:20]
        ),
        "tickets": list(
            customer.tickets.select_related("assignee").order_by("-created_at", "-pk")[:20]
        ),
        "referrals": list(
            customers_visible_to(actor)
            .filter(referred_by=customer)
            .select_related("owner")
            .order_by("name_sort", "pk")
        ),
        "referral_count": customer.referrals.count(),
        "dealer_reports": list(customer.dealer_reports.order_by("-created_at", "-pk")[:10])
        if customer.is_reseller
        else [],
    }
