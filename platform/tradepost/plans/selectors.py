"""Reads of sales targets: who sees and sets which targets, and how far the sales have
come against them (`completion`).

Scope (a user holding several roles gets the union):

| role                              | sees                      | may set (with the permission) |
|-----------------------------------|---------------------------|-------------------------------|
| system administrator, executive   | every target              | every target                  |
| finance manager                   | every target              | none (reads only)             |
| sales manager                     | the targets of their      | the same                      |
|                                   | branch's and region's     |                               |
|                                   | subtrees and of the staff |                               |
|                                   | of their branch subtree   |                               |
|                                   | (themselves included)     |                               |
| salesperson                       | their own targets         | none                          |
| others (warehouse, dealer …)      | none                      | none                          |

Company and category targets are company-wide: only the every-target roles reach them.
An id outside the scope answers like one that does not exist (404).

Completion (`completion(targets, today=…)`): the actual sales of a target's period are
the order lines of orders confirmed or later (confirmed, partially shipped, shipped,
delivered, closed; cancelled and unconfirmed ones never count) dated (`order_date`) in
the period, net of tax (`net_amount`) and their quantity:

* company — every such line;
* branch / region — lines of orders whose customer's branch / region is the target's
  or one below it (the subtree);
* salesperson — lines of orders whose salesperson (`Order.owner`) is the person;
* category — lines of products in the category or one below it.

Orders in another currency than the base currency convert at the exchange rate of
their date (`settlement` rates: the latest on or before it), a day's total at a time,
rounded to the cent; a day without any rate is left out and counted in `unconverted`.

The forecast is the run rate: actual ÷ elapsed calendar days × the period's calendar
days (elapsed counts today and stops at the period's end, so an ended period's
forecast is its actual); none before the period starts.

The figures of a whole page of targets take a fixed number of queries (one GROUP BY
per dimension on the page, one for exchange rates when needed, one for the child
targets of branch and region targets), whatever the number of targets or orders.
"""

from __future__ import annotations

import bisect
import datetime
import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from typing import Any

from django.db.models import Case, DateField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils.translation import gettext as _

from tradepost.accounts.models import User
from tradepost.accounts.roles import Role
from tradepost.masterdata.models import (
    DEFAULT_CURRENCY,
    Branch,
    CompanyProfile,
    ProductCategory,
    SalesRegion,
    StaffProfile,
)
from tradepost.plans.models import SalesTarget
from tradepost.plans.periods import elapsed_days, period_end
from tradepost.principals import Actor
from tradepost.sales.models import OrderLine
from tradepost.sales.orders import CONFIRMED
from tradepost.settlement.models import ExchangeRate

D = SalesTarget.Dimension
EVERY_TARGET_ROLES = frozenset({Role.SYSTEM_ADMINISTRATOR.value, Role.EXECUTIVE.value})
READ_EVERY_TARGET_ROLES = EVERY_TARGET_ROLES | {Role.FINANCE_MANAGER.value}
SELLING_ROLES = (Role.SALESPERSON.value, Role.SALES_MANAGER.value)
NOT_FOUND_MESSAGE = "No sales target with this id."  # the same for missing and out of scope
CENT = Decimal("0.01")
QUANTITY_PLACES = Decimal("0.001")
PERCENT_PLACES = Decimal("0.1")
HUNDRED = Decimal("100")


# --- Scope -----------------------------------------------------------------------------
@dataclass(frozen=True)
class TargetScope:
    """What an actor reaches: every target, or targets of these objects."""

    everything: bool = False
    branch: Branch | None = None  # a sales manager's branch: its subtree
    region: SalesRegion | None = None  # a sales manager's region: its subtree
    team_of: Branch | None = None  # the staff of this branch subtree
    person_id: int | None = None  # the actor's own salesperson targets

    def q(self) -> Q:
        if self.everything:
            return Q()
        conditions = Q(pk__in=[])
        if self.branch is not None:
            conditions |= Q(dimension=D.BRANCH, branch__path__startswith=self.branch.path)
        if self.region is not None:
            conditions |= Q(dimension=D.REGION, region__path__startswith=self.region.path)
        if self.team_of is not None:
            conditions |= Q(dimension=D.SALESPERSON, salesperson_id__in=self._team())
        if self.person_id is not None:
            conditions |= Q(dimension=D.SALESPERSON, salesperson_id=self.person_id)
        return conditions

    def _team(self) -> QuerySet[Any, int]:
        assert self.team_of is not None
        team: QuerySet[Any, int] = StaffProfile.objects.filter(
            branch__path__startswith=self.team_of.path
        ).values_list("user_id", flat=True)
        return team

    def branches(self) -> QuerySet[Branch]:
        rows: QuerySet[Branch] = Branch.objects.filter(is_active=True)
        if self.everything:
            return rows
        if self.branch is None:
            return rows.none()
        return rows.filter(path__startswith=self.branch.path)

    def regions(self) -> QuerySet[SalesRegion]:
        rows: QuerySet[SalesRegion] = SalesRegion.objects.filter(is_active=True)
        if self.everything:
            return rows
        if self.region is None:
            return rows.none()
        return rows.filter(path__startswith=self.region.path)

    def salespeople(self) -> QuerySet[User]:
        people = User.objects.filter(is_active=True, groups__name__in=SELLING_ROLES)
        if not self.everything:
            reach = Q(pk__in=[])
            if self.team_of is not None:
                reach |= Q(pk__in=self._team())
            if self.person_id is not None:
                reach |= Q(pk=self.person_id)
            people = people.filter(reach)
        return people.distinct().order_by("full_name", "email", "pk")

    def categories(self) -> QuerySet[ProductCategory]:
        rows: QuerySet[ProductCategory] = ProductCategory.objects.filter(is_active=True)
        return rows if self.everything else rows.none()

    def dimensions(self) -> list[tuple[str, str]]:
        """The dimensions an actor of this scope may set targets for."""
        if self.everything:
            return [(str(value), str(label)) for value, label in D.choices]
        offered = []
        if self.branch is not None:
            offered.append(D.BRANCH)
        if self.region is not None:
            offered.append(D.REGION)
        if self.team_of is not None or self.person_id is not None:
            offered.append(D.SALESPERSON)
        return [(str(choice.value), str(choice.label)) for choice in offered]


def _roles(actor: Actor | None) -> set[str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return set()
    return set(getattr(actor, "roles", ()) or ())


def target_scope(actor: Actor | None, *, writing: bool = False) -> TargetScope:
    """The targets `actor` sees — or, with `writing`, may set (the permission to add
    or change is checked by the services on top)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return TargetScope()
    if getattr(actor, "is_superuser", False):
        return TargetScope(everything=True)
    roles = _roles(actor)
    if roles & (EVERY_TARGET_ROLES if writing else READ_EVERY_TARGET_ROLES):
        return TargetScope(everything=True)
    user_id = actor.pk
    if user_id is None:  # an API key of a personal role: it is nobody
        return TargetScope()
    manager = Role.SALES_MANAGER.value in roles
    branch = region = None
    if manager:
        profile = (
            StaffProfile.objects.select_related("branch", "region").filter(user_id=user_id).first()
        )
        if profile is not None:
            branch, region = profile.branch, profile.region
    # Their own salesperson targets: a manager sets and reads them; a salesperson only
    # reads them.
    reads_own = Role.SALESPERSON.value in roles and not writing
    person_id = user_id if manager or reads_own else None
    return TargetScope(branch=branch, region=region, team_of=branch, person_id=person_id)


# A period's targets read from the whole company down: the company, the branch tree,
# the region tree, the people, then the categories.
DIMENSION_ORDER = Case(
    *(When(dimension=value, then=Value(rank)) for rank, value in enumerate(D.values)),
    default=Value(len(D.values)),
)


def targets_visible_to(actor: Actor) -> QuerySet[SalesTarget]:
    """Every target `actor` may see (see the table above), with its object; newest
    period first, then from the company down (branches and regions in tree order)."""
    return (
        SalesTarget.objects.filter(target_scope(actor).q())
        .select_related("branch", "region", "salesperson", "category")
        .order_by(
            "-period_start",
            "period_kind",
            DIMENSION_ORDER,
            "branch__path",
            "region__path",
            "salesperson__full_name",
            "category__path",
            "pk",
        )
    )


def target_get(actor: Actor, target_id: int | str) -> SalesTarget:
    """One target in the actor's scope, or Http404 (the same for missing and hidden)."""
    try:
        target_id = int(target_id)
    except (TypeError, ValueError):
        raise Http404(_(NOT_FOUND_MESSAGE)) from None
    target = targets_visible_to(actor).filter(pk=target_id).first()
    if target is None:
        raise Http404(_(NOT_FOUND_MESSAGE))
    return target


def target_may_change(actor: Actor, target: SalesTarget) -> bool:
    """Whether `actor` may adjust `target` (permission and scope)."""
    if not actor.has_perm("plans.change_salestarget"):
        return False
    return SalesTarget.objects.filter(target_scope(actor, writing=True).q(), pk=target.pk).exists()


def adjustments_of(target: SalesTarget) -> QuerySet[Any]:
    return target.adjustments.select_related("adjusted_by").order_by("-adjusted_at", "-pk")


def base_currency() -> str:
    """The workspace's base currency: targets are in it, sales are converted into it."""
    currency = CompanyProfile.objects.values_list("base_currency", flat=True).first()
    return currency or str(DEFAULT_CURRENCY)


# --- Completion ------------------------------------------------------------------------
@dataclass
class Completion:
    """How far the sales of a target's period have come, and where they are heading."""

    actual_amount: Decimal = Decimal("0.00")
    actual_quantity: Decimal = Decimal("0.000")
    elapsed_days: int = 0
    period_days: int = 0
    amount_percent: Decimal | None = None
    quantity_percent: Decimal | None = None
    forecast_amount: Decimal | None = None
    forecast_quantity: Decimal | None = None
    forecast_percent: Decimal | None = None
    unconverted: int = 0  # days of sales in another currency left out: no rate
    # Branch and region targets: the targets of the same period of their direct
    # children, summed, so a manager sees whether they add up to the parent's.
    children_count: int = 0
    children_amount: Decimal | None = None
    children_quantity: Decimal | None = None
    currency: str = field(default=str(DEFAULT_CURRENCY))

    @property
    def bar_percent(self) -> Decimal:
        """The completion for a bar: 0 to 100."""
        return min(max(self.amount_percent or Decimal(0), Decimal(0)), HUNDRED)


_KEYS: dict[str, str] = {
    D.COMPANY: "",
    D.BRANCH: "order__customer__branch__path",
    D.REGION: "order__customer__region__path",
    D.SALESPERSON: "order__owner_id",
    D.CATEGORY: "product__category__path",
}


def _matches(target: SalesTarget, key: Any) -> bool:
    if target.dimension == D.COMPANY:
        return True
    if key is None:
        return False
    if target.dimension == D.SALESPERSON:
        return bool(key == target.salesperson_id)
    node = target.target_object
    return str(key).startswith(node.path)  # type: ignore[union-attr]  # a tree node


def _filter_for(dimension: str, targets: Sequence[SalesTarget]) -> Q:
    key = _KEYS[dimension]
    if dimension == D.COMPANY:
        return Q()
    if dimension == D.SALESPERSON:
        return Q(order__owner_id__in={target.salesperson_id for target in targets})
    paths = sorted({target.target_object.path for target in targets})  # type: ignore[union-attr]
    return reduce(operator.or_, (Q(**{f"{key}__startswith": path}) for path in paths))


def _sales_rows(dimension: str, targets: Sequence[SalesTarget], base: str) -> list[dict[str, Any]]:
    """One GROUP BY: net amount and quantity per (dimension key, currency, bucket) —
    a month for the base currency, a day (the rate's) for other currencies."""
    start = min(target.period_start for target in targets)
    end = max(period_end(target.period_kind, target.period_start) for target in targets)
    bucket = Case(
        When(
            order__currency=base,
            then=TruncMonth("order__order_date", output_field=DateField()),
        ),
        default=F("order__order_date"),
        output_field=DateField(),
    )
    key = _KEYS[dimension]
    group = [key] if key else []
    found = (
        OrderLine.objects.filter(
            _filter_for(dimension, targets),
            order__status__in=CONFIRMED,
            order__order_date__gte=start,
            order__order_date__lte=end,
        )
        .annotate(bucket=bucket)
        .values(*group, "order__currency", "bucket")
        .annotate(amount=Sum("net_amount"), quantity=Sum("quantity"))
        .order_by()
    )
    rows = list(found)
    for row in rows:  # the month's truncation arrives as a midnight
        if isinstance(row["bucket"], datetime.datetime):
            row["bucket"] = row["bucket"].date()
    return rows


class _Rates:
    """Base-currency units per unit of a currency on a day, from one query."""

    def __init__(self, wanted: Iterable[tuple[str, datetime.date]], base: str):
        wanted = list(wanted)
        self.base = base
        self.table: dict[str, tuple[list[datetime.date], list[Decimal]]] = {}
        if not wanted:
            return
        currencies = {currency for currency, _day in wanted}
        latest = max(day for _currency, day in wanted)
        rows = (
            ExchangeRate.objects.filter(currency__in=currencies, rate_date__lte=latest)
            .order_by("currency", "rate_date")
            .values_list("currency", "rate_date", "rate")
        )
        for currency, day, rate in rows:
            days, rates = self.table.setdefault(currency, ([], []))
            days.append(day)
            rates.append(rate)

    def on(self, currency: str, day: datetime.date) -> Decimal | None:
        if currency == self.base:
            return Decimal(1)
        days, rates = self.table.get(currency, ([], []))
        index = bisect.bisect_right(days, day)
        return rates[index - 1] if index else None


def _percent(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return (part / whole * HUNDRED).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


def _children(targets: Sequence[SalesTarget]) -> dict[int, list[SalesTarget]]:
    """The targets of the same period set for the direct children of each branch and
    region target in `targets` (one query)."""
    parents = [t for t in targets if t.dimension in (D.BRANCH, D.REGION)]
    if not parents:
        return {}
    condition = reduce(
        operator.or_,
        (
            Q(
                dimension=t.dimension,
                period_kind=t.period_kind,
                period_start=t.period_start,
                **{
                    f"{t.dimension}__path__startswith": t.target_object.path,  # type: ignore[union-attr]
                    f"{t.dimension}__depth": t.target_object.depth + 1,  # type: ignore[union-attr]
                },
            )
            for t in parents
        ),
    )
    found = list(SalesTarget.objects.filter(condition).select_related("branch", "region"))
    children: dict[int, list[SalesTarget]] = defaultdict(list)
    for parent in parents:
        node: Any = parent.target_object  # a Branch or a SalesRegion
        for child in found:
            child_node: Any = child.target_object
            if (
                child.dimension == parent.dimension
                and child.period_kind == parent.period_kind
                and child.period_start == parent.period_start
                and child_node is not None
                and child_node.path.startswith(node.path)
                and child_node.depth == node.depth + 1
            ):
                children[parent.pk].append(child)
    return children


def completion(
    targets: Sequence[SalesTarget], *, today: datetime.date, base: str | None = None
) -> dict[int, Completion]:
    """Actual, completion and run-rate forecast of each target (see the docstring),
    keyed by target id. A fixed number of queries for any number of targets."""
    targets = list(targets)
    if not targets:
        return {}
    base = base or base_currency()
    results = {t.pk: Completion(currency=base) for t in targets}
    by_dimension: dict[str, list[SalesTarget]] = defaultdict(list)
    for target in targets:
        by_dimension[target.dimension].append(target)
    rows_of = {
        dimension: _sales_rows(dimension, members, base)
        for dimension, members in by_dimension.items()
    }
    rates = _Rates(
        {
            (row["order__currency"], row["bucket"])
            for rows in rows_of.values()
            for row in rows
            if row["order__currency"] != base
        },
        base,
    )
    for dimension, members in by_dimension.items():
        key = _KEYS[dimension]
        spans = {t.pk: (t.period_start, period_end(t.period_kind, t.period_start)) for t in members}
        for row in rows_of[dimension]:
            day = row["bucket"]
            rate = rates.on(row["order__currency"], day)
            amount = row["amount"] or Decimal(0)
            quantity = row["quantity"] or Decimal(0)
            for target in members:
                start, end = spans[target.pk]
                if not (start <= day <= end) or not _matches(target, row.get(key)):
                    continue
                result = results[target.pk]
                if rate is None:
                    result.unconverted += 1
                    continue
                result.actual_amount += (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)
                result.actual_quantity += quantity
    children = _children(targets)
    for target in targets:
        result = results[target.pk]
        start, end = target.period_start, period_end(target.period_kind, target.period_start)
        result.period_days = (end - start).days + 1
        result.elapsed_days = elapsed_days(start, end, today)
        result.amount_percent = _percent(result.actual_amount, target.amount)
        result.quantity_percent = _percent(result.actual_quantity, target.quantity)
        if result.elapsed_days:
            scale = Decimal(result.period_days) / Decimal(result.elapsed_days)
            result.forecast_amount = (result.actual_amount * scale).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
            result.forecast_quantity = (result.actual_quantity * scale).quantize(
                QUANTITY_PLACES, rounding=ROUND_HALF_UP
            )
            result.forecast_percent = _percent(result.forecast_amount, target.amount)
        kids = children.get(target.pk, [])
        if kids:
            result.children_count = len(kids)
            result.children_amount = sum((kid.amount for kid in kids), Decimal("0.00"))
            quantities = [kid.quantity for kid in kids if kid.quantity is not None]
            result.children_quantity = sum(quantities, Decimal(0)) if quantities else None
    return results
