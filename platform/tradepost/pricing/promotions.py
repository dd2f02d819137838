"""Promotions (seed S1, S4): date-bounded price rules the company runs — percent or
amount off, buy X get Y free, tiered quantity prices — for every customer or only some
groups and channels, on every product or only some products and category subtrees.

How a line gets its promotion (which ones apply, the arithmetic, and the precedence:
no stacking, the biggest discount wins, then the higher priority, then the older
promotion) lives in `pricing.lines`; quotes and orders apply it when they price their
lines (`pricing.documents.lines_price`). This module keeps what a promotion must be when
it is written, reads promotions for the pages and the API, and answers "which
promotion would this line get, and how much would it give?" (`promotion_preview`).

What each kind needs (fields of the other kinds are cleared when the promotion is saved):

| kind         | needs                                                              |
|--------------|--------------------------------------------------------------------|
| percent_off  | 0 < percent ≤ 100                                                  |
| amount_off   | amount > 0 (off each unit) and a currency                          |
| buy_x_get_y  | buy_quantity ≥ 1 and free_quantity ≥ 1                             |
| tiered_price | 1–20 tiers (minimum quantity > 0, each once; unit price ≥ 0), and  |
|              | a currency; stored ascending as strings                            |

Every promotion has a name, `starts_on` ≤ `ends_on` (both inclusive), optional
products, categories, customer groups (instances or ids, which must exist) and channels
(`customers.models.Channel`), a priority (0–32767) and an active flag.

Who: `pricing.add_promotion` to create, `pricing.change_promotion` to change or deactivate
(sales managers and administrators). Every role holding `pricing.view_promotion` reads
every promotion: they are company-wide rules, not records of a customer. Each write
runs in one transaction, refuses in a read-only workspace and writes an audit entry.
A change applies to documents priced afterwards; saved lines keep the promotion and
discount they got.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.access import ensure_writable
from tradepost.accounts.roles import Role
from tradepost.audit.services import audit_record
from tradepost.customers.models import Channel, Customer, CustomerGroup
from tradepost.customers.selectors import customers_visible_to
from tradepost.masterdata.models import Currency, Product, ProductCategory
from tradepost.pricing import documents
from tradepost.pricing import lines as arithmetic
from tradepost.pricing import selectors as pricing_selectors
from tradepost.pricing.lines import decimal_text
from tradepost.pricing.models import Promotion
from tradepost.pricing.resolution import prices_resolve
from tradepost.principals import Actor

K = Promotion.Kind
MAX_NAME = 200
MAX_TIERS = 20
MAX_LINKS = 500  # products, categories or groups on one promotion
MAX_UNITS = 1_000_000  # buy / free quantities
MAX_PRIORITY = 32767
MAX_ID = 2**63 - 1

# The fields each kind uses; the rule fields of the other kinds are cleared on save.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    K.PERCENT_OFF: ("percent",),
    K.AMOUNT_OFF: ("amount", "currency"),
    K.BUY_X_GET_Y: ("buy_quantity", "free_quantity"),
    K.TIERED_PRICE: ("tiers", "currency"),
}
RULE_EMPTY: dict[str, Any] = {
    "percent": None,
    "amount": None,
    "buy_quantity": None,
    "free_quantity": None,
    "tiers": [],
    "currency": "",
}
LINKS: dict[str, type[models.Model]] = {
    "products": Product,
    "categories": ProductCategory,
    "customer_groups": CustomerGroup,
}
DEFAULTS: dict[str, Any] = {
    "name": "",
    "kind": "",
    **RULE_EMPTY,
    "starts_on": None,
    "ends_on": None,
    **{name: [] for name in LINKS},
    "channels": [],
    "priority": 0,
    "is_active": True,
}
FIELDS = tuple(DEFAULTS)


class Tier(TypedDict):
    """A tier as a form or serializer parsed it."""

    min_quantity: Decimal
    unit_price: Decimal


class PromotionFields(TypedDict, total=False):
    """A promotion's fields (`FIELDS`) as forms and serializers parse them. Links are
    instances or ids (which must exist)."""

    name: str
    kind: str
    percent: Decimal | None
    amount: Decimal | None
    buy_quantity: int | None
    free_quantity: int | None
    tiers: Sequence[Tier] | None
    currency: str
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    products: Iterable[Product | int]
    categories: Iterable[ProductCategory | int]
    customer_groups: Iterable[CustomerGroup | int]
    channels: Iterable[str]
    priority: int
    is_active: bool


# --- Checks --------------------------------------------------------------------------
def _error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _name(value: str) -> str:
    name = value.strip()
    if not name:
        raise _error("name", _("Name the promotion."))
    if len(name) > MAX_NAME:
        raise _error("name", _("At most %(count)d characters.") % {"count": MAX_NAME})
    return name


def _kind(value: str) -> str:
    if value not in K.values:
        raise _error("kind", _("Choose a type of promotion."))
    return str(value)


def _percent(value: Decimal | None) -> Decimal:
    if value is None:
        raise _error("percent", _("Enter the percent off (more than 0, at most 100)."))
    return documents.decimal_checked(
        value, field="percent", places=arithmetic.CENT, maximum=Decimal("100"), positive=True
    )


def _amount(value: Decimal | None) -> Decimal:
    if value is None:
        raise _error("amount", _("Enter the amount off each unit."))
    return documents.decimal_checked(
        value,
        field="amount",
        places=arithmetic.CENT,
        maximum=documents.MAX_PRICE,
        positive=True,
    )


def _units(field: str) -> Callable[[int | None], int]:
    def check(value: int | None) -> int:
        if value is None:
            raise _error(field, _("Enter a whole number of units, at least 1."))
        if not 1 <= value <= MAX_UNITS:
            raise _error(field, _("Must be between 1 and %(max)d.") % {"max": MAX_UNITS})
        return value

    return check


def _currency(value: str) -> str:
    if not value.strip():
        raise _error("currency", _("Choose the currency of the amounts."))
    currency = value.strip().upper()
    if currency not in Currency.values:
        raise _error("currency", _("Choose a supported currency."))
    return currency


def _tiers(value: Sequence[Tier] | None) -> list[dict[str, str]]:
    """1–20 tiers, each minimum quantity once; stored ascending as
    {"min_quantity": "10", "unit_price": "90.00"}."""
    items = list(value or [])
    if not items:
        raise _error("tiers", _("Add at least one tier: a minimum quantity and its unit price."))
    if len(items) > MAX_TIERS:
        raise _error("tiers", _("At most %(count)d tiers.") % {"count": MAX_TIERS})
    tiers: list[tuple[Decimal, Decimal]] = []
    errors: list[str] = []
    labels = {"min_quantity": _("minimum quantity"), "unit_price": _("unit price")}
    for index, item in enumerate(items, start=1):
        try:
            quantity = documents.decimal_checked(
                item["min_quantity"],
                field="min_quantity",
                places=documents.QUANTITY_PLACES,
                maximum=documents.MAX_QUANTITY,
                positive=True,
            )
            price = documents.decimal_checked(
                item["unit_price"],
                field="unit_price",
                places=arithmetic.CENT,
                maximum=documents.MAX_PRICE,
            )
        except ValidationError as exc:
            errors.extend(
                _("Tier %(tier)d, %(field)s: %(message)s")
                % {"tier": index, "field": labels[field], "message": message}
                for field, messages in exc.message_dict.items()
                for message in messages
            )
            continue
        tiers.append((quantity, price))
    if errors:
        raise ValidationError({"tiers": errors})
    tiers.sort()
    for (first, _price), (second, _next_price) in zip(tiers, tiers[1:], strict=False):
        if first == second:
            raise _error(
                "tiers",
                _("Two tiers start at %(quantity)s units: give each tier its own minimum.")
                % {"quantity": decimal_text(first)},
            )
    return [
        {"min_quantity": decimal_text(quantity), "unit_price": str(price)}
        for quantity, price in tiers
    ]


def _stored_tiers(stored: Sequence[Mapping[str, str]]) -> list[Tier]:
    """The tiers as saved (strings in the JSON column), to check them again."""
    return [
        {"min_quantity": Decimal(tier["min_quantity"]), "unit_price": Decimal(tier["unit_price"])}
        for tier in stored
    ]


RULE_CHECKS: dict[str, Callable[[Any], Any]] = {
    "percent": _percent,
    "amount": _amount,
    "buy_quantity": _units("buy_quantity"),
    "free_quantity": _units("free_quantity"),
    "tiers": _tiers,
    "currency": _currency,
}


def _date(field: str) -> Callable[[datetime.date | None], datetime.date]:
    def check(value: datetime.date | None) -> datetime.date:
        if value is None:
            raise _error(field, _("Enter a date (YYYY-MM-DD)."))
        return value

    return check


def _channels(value: Iterable[str]) -> list[str]:
    items = list(value)
    unknown = [str(item) for item in items if item not in Channel.values]
    if unknown:
        raise _error(
            "channels",
            _("Unknown channel: %(values)s. Choose from %(choices)s.")
            % {"values": ", ".join(unknown[:5]), "choices": ", ".join(Channel.values)},
        )
    return [channel for channel in Channel.values if channel in items]


def _link_ids(
    field: str, value: Iterable[models.Model | int], model: type[models.Model]
) -> list[int]:
    items = list(value)
    if len(items) > MAX_LINKS:
        raise _error(field, _("At most %(count)d.") % {"count": MAX_LINKS})
    ids: list[int] = []
    for item in items:
        if isinstance(item, model) and item.pk is not None:
            ids.append(item.pk)
        elif isinstance(item, int) and 0 < item <= MAX_ID:
            ids.append(item)
        else:
            raise _error(field, _("Give existing records or their ids."))
    return list(dict.fromkeys(ids))


def _links(field: str, value: Iterable[models.Model | int]) -> list[models.Model]:
    model = LINKS[field]
    ids = _link_ids(field, value, model)
    if not ids:
        return []
    found = {row.pk: row for row in model._default_manager.filter(pk__in=ids)}
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise _error(
            field,
            _("These ids do not exist: %(ids)s.") % {"ids": ", ".join(missing[:10])},
        )
    return [found[pk] for pk in ids]


def _priority(value: int) -> int:
    if not 0 <= value <= MAX_PRIORITY:
        raise _error(
            "priority", _("Enter a whole number from 0 to %(max)d.") % {"max": MAX_PRIORITY}
        )
    return value


def _active(value: bool) -> bool:
    return bool(value)


OTHER_CHECKS: dict[str, Callable[[Any], Any]] = {
    "starts_on": _date("starts_on"),
    "ends_on": _date("ends_on"),
    "channels": _channels,
    "priority": _priority,
    "is_active": _active,
}


def _reject_unknown(given: Mapping[str, Any]) -> None:
    unknown = sorted(set(given) - set(FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in unknown})


def promotion_clean(
    values: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """Check a whole promotion (every field of `FIELDS`). Returns the column values —
    the rule fields of other kinds cleared — and the links (field → instances).
    Raises one ValidationError naming every field in error."""
    errors: dict[str, list[str]] = {}
    scalars: dict[str, Any] = {}
    links: dict[str, list[Any]] = {}

    def check(target: dict[str, Any], field: str, function: Callable[..., Any], *args: Any) -> None:
        try:
            target[field] = function(*args)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)

    check(scalars, "name", _name, values.get("name"))
    check(scalars, "kind", _kind, values.get("kind"))
    kind = scalars.get("kind")
    scalars.update(RULE_EMPTY)
    for field in KIND_FIELDS.get(kind, ()):  # type: ignore[arg-type]  # no kind: no fields
        check(scalars, field, RULE_CHECKS[field], values.get(field))
    for field, function in OTHER_CHECKS.items():
        check(scalars, field, function, values.get(field))
    for field in LINKS:
        check(links, field, _links, field, values.get(field))
    starts_on, ends_on = scalars.get("starts_on"), scalars.get("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        errors.setdefault("ends_on", []).append(_("The promotion cannot end before it starts."))
    if errors:
        raise ValidationError(errors)
    return scalars, links


def _audit_data(scalars: Mapping[str, Any], links: Mapping[str, list[Any]]) -> dict[str, Any]:
    data = {
        "kind": scalars["kind"],
        "starts_on": scalars["starts_on"].isoformat(),
        "ends_on": scalars["ends_on"].isoformat(),
    }
    for field in KIND_FIELDS[scalars["kind"]]:
        value = scalars[field]
        data[field] = str(value) if isinstance(value, Decimal) else value
    data.update({field: [row.pk for row in rows] for field, rows in links.items() if rows})
    return data


# --- Writing -------------------------------------------------------------------------
@transaction.atomic
def promotion_create(*, actor: Actor, **fields: Unpack[PromotionFields]) -> Promotion:
    """A promotion from `fields` (names in `FIELDS`; see the module docstring for what
    each kind needs). Nothing is written when any field is wrong."""
    documents.require(actor, "pricing.add_promotion")
    _reject_unknown(fields)
    scalars, links = promotion_clean({**DEFAULTS, **fields})
    ensure_writable()
    promotion = Promotion.objects.create(**scalars)
    for field, rows in links.items():
        getattr(promotion, field).set(rows)
    audit_record(
        actor=actor,
        action="promotion.created",
        target=promotion,
        data=_audit_data(scalars, links),
    )
    return promotion


def _current(promotion: Promotion) -> dict[str, Any]:
    """The promotion's fields as saved (tiers as stored strings, links as ids)."""
    values = {field: getattr(promotion, field) for field in FIELDS if field not in LINKS}
    for field in LINKS:
        values[field] = list(getattr(promotion, field).values_list("pk", flat=True))
    return values


@transaction.atomic
def promotion_update(
    *, actor: Actor, promotion: Promotion, **changes: Unpack[PromotionFields]
) -> Promotion:
    """Change any fields of a promotion. The whole promotion is checked again, as after
    the change; changing the kind clears the old kind's fields (give the new kind's).
    Links given replace the old ones whole."""
    documents.require(actor, "pricing.change_promotion")
    _reject_unknown(changes)
    ensure_writable()
    locked = Promotion.objects.select_for_update().get(pk=promotion.pk)
    current = _current(locked)
    scalars, links = promotion_clean(
        {**current, "tiers": _stored_tiers(current["tiers"] or []), **changes}
    )
    changed = sorted(
        [field for field, value in scalars.items() if current[field] != value]
        + [field for field, rows in links.items() if set(current[field]) != {r.pk for r in rows}]
    )
    if not changed:
        return locked
    for field, value in scalars.items():
        setattr(locked, field, value)
    locked.save()
    for field in changed:
        if field in links:
            getattr(locked, field).set(links[field])
    audit_record(
        actor=actor,
        action="promotion.updated",
        target=locked,
        data={"changed": changed, **_audit_data(scalars, links)},
    )
    return locked


@transaction.atomic
def promotion_deactivate(*, actor: Actor, promotion: Promotion) -> Promotion:
    """Stop a promotion at once: documents priced from now on no longer get it (lines
    already saved keep theirs). Activate it again with `promotion_update(is_active=True)`."""
    documents.require(actor, "pricing.change_promotion")
    ensure_writable()
    locked = Promotion.objects.select_for_update().get(pk=promotion.pk)
    if not locked.is_active:
        return locked
    locked.is_active = False
    locked.save(update_fields=["is_active", "updated_at"])
    audit_record(actor=actor, action="promotion.deactivated", target=locked)
    return locked


# --- Reading -------------------------------------------------------------------------
CURRENT, UPCOMING, PAST = "current", "upcoming", "past"
PERIODS = (CURRENT, UPCOMING, PAST)


def _dealer_only(actor: Actor) -> bool:
    roles = set(getattr(actor, "roles", ()) or ())
    return bool(roles) and roles <= {Role.DEALER.value}


def promotion_queryset(actor: Actor | None = None) -> QuerySet[Promotion]:
    """Promotions with their links prefetched (three queries for any number).

    Staff read every promotion (they are company rules). A dealer reads only those
    that can reach its own record: for any group or its group, for any channel or its
    channel — not the terms other dealers get.
    """
    promotions = Promotion.objects.prefetch_related(
        models.Prefetch("products", queryset=Product.objects.order_by("sku")),
        models.Prefetch("categories", queryset=ProductCategory.objects.order_by("path")),
        models.Prefetch("customer_groups", queryset=CustomerGroup.objects.order_by("name")),
    )
    if actor is None or not _dealer_only(actor):
        return promotions
    own = customers_visible_to(actor)
    channels = set(own.values_list("channel", flat=True))
    reach = models.Q(channels=[])
    for channel in channels:
        reach |= models.Q(channels__contains=[channel])
    groups = models.Q(customer_groups__isnull=True) | models.Q(
        customer_groups__in=own.exclude(group=None).values("group_id")
    )
    return promotions.filter(pk__in=Promotion.objects.filter(groups).filter(reach).values("pk"))


def promotion_get(promotion_id: Any, actor: Actor | None = None) -> Promotion:
    """One promotion with its links (as `actor` may read it), or Http404."""
    try:
        return promotion_queryset(actor).get(pk=promotion_id)
    except (Promotion.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def promotions_for_product(queryset: QuerySet[Promotion], product: Product) -> QuerySet[Promotion]:
    """The promotions that may apply to `product` (for some customer on some day): it is
    one of their products, or in the subtree of one of their categories, or they name
    neither products nor categories."""
    through_products = Promotion.products.through.objects.filter(promotion_id=OuterRef("pk"))
    through_categories = Promotion.categories.through.objects.filter(promotion_id=OuterRef("pk"))
    condition = Exists(through_products.filter(product_id=product.pk)) | (
        ~Exists(through_products) & ~Exists(through_categories)
    )
    if product.category_id:
        path = (
            ProductCategory.objects.filter(pk=product.category_id)
            .values_list("path", flat=True)
            .first()
        ) or ""
        step = ProductCategory.steplen
        ancestors = [path[:end] for end in range(step, len(path) + 1, step)]
        in_category = Exists(through_categories.filter(productcategory__path__in=ancestors))
        condition |= in_category  # type: ignore[assignment]  # Exists | Exists is an expression
    return queryset.filter(condition)


def promotions_filtered(
    *,
    actor: Actor | None = None,
    period: str | None = None,
    valid_on: datetime.date | None = None,
    kind: str | None = None,
    active: bool | None = None,
    product: Product | None = None,
    text: str = "",
    today: datetime.date | None = None,
) -> QuerySet[Promotion]:
    """Promotions for a list. `period`: current (running today), upcoming (starting
    later) or past (ended); `valid_on`: running on that date."""
    today = today or timezone.localdate()
    promotions = promotions_in_period(promotion_queryset(actor), period, today)
    if valid_on is not None:
        promotions = promotions.filter(starts_on__lte=valid_on, ends_on__gte=valid_on)
    if kind:
        promotions = promotions.filter(kind=kind)
    if active is not None:
        promotions = promotions.filter(is_active=active)
    if product is not None:
        promotions = promotions_for_product(promotions, product)
    if text:
        promotions = promotions.filter(name__icontains=text)
    return promotions


def promotions_in_period(
    promotions: QuerySet[Promotion], period: str | None, today: datetime.date | None = None
) -> QuerySet[Promotion]:
    """`promotions` running today (`current`), starting later (`upcoming`, the soonest
    first) or ended (`past`); any other period keeps them all. Newest start first."""
    today = today or timezone.localdate()
    if period == CURRENT:
        promotions = promotions.filter(starts_on__lte=today, ends_on__gte=today)
    elif period == UPCOMING:
        promotions = promotions.filter(starts_on__gt=today)
    elif period == PAST:
        promotions = promotions.filter(ends_on__lt=today)
    order = "-starts_on" if period != UPCOMING else "starts_on"
    return promotions.order_by(order, "name", "pk")


def promotion_period(promotion: Promotion, today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    if promotion.starts_on > today:
        return UPCOMING
    if promotion.ends_on < today:
        return PAST
    return CURRENT


# --- In words ------------------------------------------------------------------------
def _amount_text(amount: Decimal | str) -> str:
    return f"{Decimal(str(amount)):,.2f}"


def _names(names: list[str], limit: int = 5) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return _("%(names)s and %(count)d more") % {
        "names": ", ".join(names[:limit]),
        "count": len(names) - limit,
    }


def promotion_rule_text(promotion: Promotion) -> str:
    """What the promotion gives, e.g. "Buy 10 get 1 free" or "15% off"."""
    if promotion.kind == K.PERCENT_OFF and promotion.percent is not None:
        return _("%(percent)s%% off") % {"percent": decimal_text(promotion.percent)}
    if promotion.kind == K.AMOUNT_OFF and promotion.amount is not None:
        return _("%(amount)s %(currency)s off each unit") % {
            "amount": _amount_text(promotion.amount),
            "currency": promotion.currency,
        }
    if promotion.kind == K.BUY_X_GET_Y and promotion.buy_quantity and promotion.free_quantity:
        return _("Buy %(buy)d get %(free)d free") % {
            "buy": promotion.buy_quantity,
            "free": promotion.free_quantity,
        }
    if promotion.kind == K.TIERED_PRICE and promotion.tiers:
        steps = "; ".join(
            _("from %(quantity)s units %(price)s %(currency)s each")
            % {
                "quantity": tier["min_quantity"],
                "price": _amount_text(tier["unit_price"]),
                "currency": promotion.currency,
            }
            for tier in promotion.tiers
        )
        return _("Tiered price: %(steps)s") % {"steps": steps}
    return promotion.get_kind_display()


def promotion_products_text(promotion: Promotion) -> str:
    products = [product.name for product in promotion.products.all()]
    categories = [
        _("everything in %(category)s") % {"category": category.name}
        for category in promotion.categories.all()
    ]
    if not products and not categories:
        return _("on every product")
    return _("on %(items)s") % {"items": _names(products + categories)}


def promotion_customers_text(promotion: Promotion) -> str:
    groups = [group.name for group in promotion.customer_groups.all()]
    labels = dict(Channel.choices)
    channels = [str(labels.get(channel, channel)) for channel in promotion.channels or ()]
    parts = []
    if groups:
        parts.append(_("for group %(groups)s") % {"groups": _names(groups)})
    if channels:
        parts.append(_("through channel %(channels)s") % {"channels": ", ".join(channels)})
    return " ".join(parts) if parts else _("for every customer")


def promotion_summary(promotion: Promotion) -> str:
    """The rule in one sentence, e.g. "Buy 10 get 1 free on Kettle for group Tier 1,
    2026-12-01 → 2026-12-31". Reads the links (prefetch them for a list)."""
    return _("%(rule)s %(products)s %(customers)s, %(start)s → %(end)s") % {
        "rule": promotion_rule_text(promotion),
        "products": promotion_products_text(promotion),
        "customers": promotion_customers_text(promotion),
        "start": promotion.starts_on.isoformat(),
        "end": promotion.ends_on.isoformat(),
    }


# --- Which promotion a line would get ------------------------------------------------
@dataclass(frozen=True)
class PromotionOption:
    """One promotion that applies to the line, and what it alone would take off."""

    rule: arithmetic.PromotionRule
    discount: Decimal
    chosen: bool


@dataclass(frozen=True)
class PromotionPreview:
    customer: Customer
    product: Product
    quantity: Decimal
    on_date: datetime.date
    currency: str
    unit_price: Decimal
    price_source: str
    subtotal: Decimal
    promotion: arithmetic.PromotionRule | None  # the one the line gets, or None
    discount: Decimal
    options: list[PromotionOption]  # every applicable promotion, the chosen one first

    @property
    def net_before_line_discount(self) -> Decimal:
        return self.subtotal - self.discount


def promotion_preview(
    *,
    customer: Customer,
    product: Product,
    quantity: Decimal,
    on_date: datetime.date | None = None,
    currency: str | None = None,
    unit_price: Decimal | None = None,
    actor: Actor | None = None,
) -> PromotionPreview:
    """Which promotion a line of `quantity` × `product` for `customer` on `on_date`
    (default today) in `currency` (default the customer's) would get, and the discount,
    exactly as an order priced then would (`selectors.promotions_for` + `lines.best_promotion`).

    The unit price is `unit_price` when given, else the customer's resolved price, which
    must be in `currency`. With `actor`, checks `pricing.view_promotion` and that the
    customer is in the actor's scope."""
    if actor is not None:
        documents.require(actor, "pricing.view_promotion")
        documents.require_customer_visible(actor, customer)
    on_date = on_date or timezone.localdate()
    currency = documents.currency_value(currency, customer.currency)
    quantity = documents.decimal_checked(
        quantity,
        field="quantity",
        places=documents.QUANTITY_PLACES,
        maximum=documents.MAX_QUANTITY,
        positive=True,
    )
    if unit_price is not None:
        price = documents.decimal_checked(
            unit_price, field="unit_price", places=arithmetic.CENT, maximum=documents.MAX_PRICE
        )
        source = documents.MANUAL_PRICE
    else:
        resolved = prices_resolve(
            customer=customer, products=[product], on_date=on_date, currency=currency
        )[product.pk]
        if resolved.currency != currency:
            raise _error(
                "product",
                _("%(sku)s has no price in %(currency)s for this customer; give a unit price.")
                % {"sku": product.sku, "currency": currency},
            )
        price, source = resolved.unit_price, resolved.source
    rules = pricing_selectors.promotions_for(
        customer=customer, products=[product], on_date=on_date, currency=currency
    )[product.pk]
    best, discount = arithmetic.best_promotion(rules, quantity, price)
    others = sorted(
        (
            PromotionOption(rule, rule.discount(quantity, price), False)
            for rule in rules
            if best is None or rule.id != best.id
        ),
        key=lambda option: (-option.discount, -option.rule.priority, option.rule.id),
    )
    options = ([PromotionOption(best, discount, True)] if best else []) + others
    return PromotionPreview(
        customer=customer,
        product=product,
        quantity=quantity,
        on_date=on_date,
        currency=currency,
        unit_price=price,
        price_source=source,
        subtotal=arithmetic.money(quantity * price),
        promotion=best,
        discount=discount,
        options=options,
    )


# Which orders got a promotion is the sales app's to say: sales builds on pricing, so
# `SalesConfig.ready` registers its reader here (`register_order_lines_reader`).
_order_lines_reader: Callable[..., Any] | None = None


def register_order_lines_reader(reader: Callable[..., Any]) -> None:
    """Install `reader(actor, promotion, limit)`: the latest order lines that got the
    promotion, among the orders the actor sees."""
    global _order_lines_reader
    _order_lines_reader = reader


def promotion_order_lines(actor: Actor, promotion: Promotion, limit: int = 20) -> Any:
    """The latest order lines that got `promotion`, among the orders the actor sees
    (none without the sales app)."""
    if _order_lines_reader is None:
        return []
    return _order_lines_reader(actor, promotion, limit)
