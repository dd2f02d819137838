"""Price adjustments and dealer compensation (seed S1 调价补差) and the settlement
credits an adjustment posts (the dealers' stock reports it reads are `channel.stock`).

When a product's price drops, the company owes every dealer (a customer of the dealer
or franchise channel, `Customer.is_reseller`) the difference on the goods the dealer
still holds, so nobody loses money on stock bought at the old price.

How much a dealer holds — the adjustment's `basis`:

* reported stock — the dealer's latest `DealerStockReport` of the product on or before
  the effective day. Reports older than `REPORT_MAX_AGE_DAYS` (90) days before that
  day are ignored: such a figure says nothing about today's stock.
* deliveries — what was delivered to the dealer in the `window_days` days before the
  effective day: Σ (delivered − returned) over the product's order lines on the
  dealer's orders in the adjustment's currency whose `delivered_at` day (in the
  workspace's time zone) is in [effective_on − window_days, effective_on).

Each dealer with a quantity above zero gets a line: quantity × (old − new), rounded
half up to the cent; the adjustment's total is the sum of its rounded lines. Only
active dealers are computed; a reviewer can add or correct a line by hand.

The life of an adjustment (`PriceAdjustment.Status`), with the permission each step
needs:

| step                               | from              | permission               |
|------------------------------------|-------------------|--------------------------|
| create (lines computed)            | (new)             | add_priceadjustment      |
| recompute, correct a line          | draft             | change_priceadjustment   |
| approve                            | draft             | review_priceadjustment   |
| post (one credit per dealer)       | approved          | post_priceadjustment     |
| cancel                             | draft, approved   | change_ or review_       |

The table is declared once, as `LIFECYCLE` below (`tradepost.lifecycle`): the services
run each step through it; the adjustment's page and the API's `allowed_actions` read it.

Posting writes one `SettlementCredit` per line with an amount above zero, for the
settlement module to settle. It locks the adjustment row first, so two posts at once
credit the dealers once: the second finds the adjustment posted and is refused.

An adjustment concerns many dealers, so whoever may view adjustments sees all of
them (`selectors.price_adjustments_visible_to`); the lines shown are only those of
dealers in the viewer's customer scope (`adjustment_lines_visible_to`). Correcting a
line also needs the dealer in scope; computing covers every dealer of the workspace.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Prefetch, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from billing.access import ensure_writable
from tradepost.audit.services import audit_record
from tradepost.channel.checks import date_in_range as _date
from tradepost.channel.checks import dealer_required as _require_dealer
from tradepost.channel.checks import product_required as _require_product
from tradepost.channel.checks import quantity_value as _quantity
from tradepost.channel.models import DealerStockReport, PriceAdjustment, PriceAdjustmentLine
from tradepost.channel.selectors import price_adjustments_visible_to
from tradepost.customers.models import RESELLER_CHANNELS, Customer
from tradepost.customers.selectors import scope_q
from tradepost.lifecycle import AnyOf, Lifecycle, Transition
from tradepost.lifecycle.rows import lines_replace
from tradepost.masterdata.models import Product
from tradepost.masterdata.services import document_number_next, product_update
from tradepost.pricing import documents
from tradepost.pricing import lines as arithmetic
from tradepost.principals import Actor
from tradepost.sales import settlement
from tradepost.sales.models import OrderLine, SettlementCredit

S = PriceAdjustment.Status
Basis = PriceAdjustment.Basis
REPORT_MAX_AGE_DAYS = 90
MAX_WINDOW_DAYS = 366
CANCELLABLE = (S.DRAFT, S.APPROVED)
MAX_DAYS_AHEAD = 366  # a drop is announced at most a year ahead
NUMBER_KEY = "price_adjustment"


# --- Checks --------------------------------------------------------------------------
def _price(value: Decimal, field: str) -> Decimal:
    return documents.decimal_checked(
        value, field=field, places=arithmetic.CENT, maximum=documents.MAX_PRICE
    )


LIFECYCLE: Lifecycle[PriceAdjustment] = Lifecycle(
    model=PriceAdjustment,
    path=[
        PriceAdjustment.Status.DRAFT,
        PriceAdjustment.Status.APPROVED,
        PriceAdjustment.Status.POSTED,
    ],
    refusal=gettext_lazy("A price adjustment that is “%(status)s” cannot be %(action)s."),
    # An adjustment concerns many dealers: whoever may view adjustments sees them all.
    missing=gettext_lazy("This price adjustment no longer exists."),
    transitions=[
        Transition(
            "recompute",
            source=[S.DRAFT],
            target=None,
            permission="channel.change_priceadjustment",
            action="price_adjustment.recomputed",
            verb=pgettext_lazy("cannot be …", "recomputed"),
        ),
        Transition(
            "line_set",
            source=[S.DRAFT],
            target=None,
            permission="channel.change_priceadjustment",
            action="price_adjustment.line_set",
            verb=pgettext_lazy("cannot be …", "changed"),
            endpoint="lines",
        ),
        Transition(
            "approve",
            source=[S.DRAFT],
            target=S.APPROVED,
            permission="channel.review_priceadjustment",
            action="price_adjustment.approved",
            verb=pgettext_lazy("cannot be …", "approved"),
        ),
        Transition(
            "post",
            source=[S.APPROVED],
            target=S.POSTED,
            permission="channel.post_priceadjustment",
            already=gettext_lazy("This price adjustment is already posted; its credits exist."),
            action="price_adjustment.posted",
            verb=pgettext_lazy("cannot be …", "posted"),
        ),
        Transition(
            "cancel",
            source=CANCELLABLE,
            target=S.CANCELLED,
            permission=AnyOf("channel.change_priceadjustment", "channel.review_priceadjustment"),
            action="price_adjustment.cancelled",
            verb=pgettext_lazy("cannot be …", "cancelled"),
        ),
    ],
)


# --- Computing the lines -------------------------------------------------------------
@dataclass(frozen=True)
class DealerQuantity:
    """How much one dealer holds, and where the figure comes from."""

    dealer_id: int
    quantity: Decimal
    source: str


def reported_stock_quantities(
    *, product: Product, effective_on: datetime.date
) -> list[DealerQuantity]:
    """Each active dealer's latest stock report of `product` on or before `effective_on`,
    at most `REPORT_MAX_AGE_DAYS` old."""
    oldest = effective_on - datetime.timedelta(days=REPORT_MAX_AGE_DAYS)
    latest = (
        DealerStockReport.objects.filter(
            product=product,
            as_of__lte=effective_on,
            as_of__gte=oldest,
            dealer__channel__in=RESELLER_CHANNELS,
            dealer__is_active=True,
        )
        .order_by("dealer_id", "-as_of", "-pk")
        .distinct("dealer_id")
        .values_list("dealer_id", "quantity", "as_of")
    )
    return [
        DealerQuantity(
            dealer_id,
            quantity,
            _("stock report %(date)s") % {"date": as_of.isoformat()},
        )
        for dealer_id, quantity, as_of in latest
    ]


def delivered_quantities(
    *, product: Product, effective_on: datetime.date, window_days: int, currency: str
) -> list[DealerQuantity]:
    """What each active dealer received of `product` in the window before the change,
    net of returns, on its orders in `currency`."""
    start = effective_on - datetime.timedelta(days=window_days)
    last = effective_on - datetime.timedelta(days=1)
    rows = (
        OrderLine.objects.filter(
            product=product,
            order__currency=currency,
            order__customer__channel__in=RESELLER_CHANNELS,
            order__customer__is_active=True,
            order__delivered_at__date__gte=start,
            order__delivered_at__date__lt=effective_on,
        )
        .values("order__customer_id")
        .annotate(net=Sum(F("delivered_quantity") - F("returned_quantity")))
        .order_by("order__customer_id")
        .values_list("order__customer_id", "net")
    )
    source = _("deliveries %(start)s → %(end)s") % {
        "start": start.isoformat(),
        "end": last.isoformat(),
    }
    return [DealerQuantity(dealer_id, net or Decimal("0"), source) for dealer_id, net in rows]


def _quantities(adjustment: PriceAdjustment) -> list[DealerQuantity]:
    if adjustment.basis == Basis.REPORTED_STOCK:
        return reported_stock_quantities(
            product=adjustment.product, effective_on=adjustment.effective_on
        )
    return delivered_quantities(
        product=adjustment.product,
        effective_on=adjustment.effective_on,
        window_days=adjustment.window_days,
        currency=adjustment.currency,
    )


def _checked_amount(amount: Decimal, field: str) -> Decimal:
    """An amount the money columns can hold (a huge quantity × a huge drop cannot)."""
    if amount > documents.MAX_PRICE:
        raise ValidationError(
            {field: [_("The credit would be too large to record; check the quantities.")]}
        )
    return amount


def _line(
    adjustment: PriceAdjustment,
    dealer_id: int,
    quantity: Decimal,
    source: str,
    *,
    field: str = "quantity",
) -> PriceAdjustmentLine:
    difference = adjustment.old_price - adjustment.new_price
    return PriceAdjustmentLine(
        adjustment=adjustment,
        dealer_id=dealer_id,
        quantity=quantity,
        unit_difference=difference,
        amount=_checked_amount(arithmetic.money(quantity * difference), field),
        source=source[:200],
    )


def _write_lines(adjustment: PriceAdjustment) -> None:
    """Replace the lines with freshly computed ones and set the total."""
    lines = [
        _line(adjustment, row.dealer_id, row.quantity, row.source, field="new_price")
        for row in _quantities(adjustment)
        if row.quantity > 0
    ]
    total = sum((line.amount for line in lines), arithmetic.ZERO)
    adjustment.total = _checked_amount(total, "new_price")
    lines_replace(adjustment.lines, lines)


def _total_update(adjustment: PriceAdjustment) -> None:
    total = adjustment.lines.aggregate(total=Sum("amount"))["total"]
    adjustment.total = _checked_amount(total if total is not None else arithmetic.ZERO, "quantity")


# --- The adjustment's life -----------------------------------------------------------
@transaction.atomic
def price_adjustment_create(
    *,
    actor: Actor,
    product: Product,
    new_price: Decimal,
    effective_on: datetime.date,
    basis: str,
    window_days: int = 30,
    old_price: Decimal | None = None,
    currency: str | None = None,
    notes: str = "",
    apply_to_product: bool = False,
) -> PriceAdjustment:
    """A draft adjustment of `product` from `old_price` (default: its list price) down
    to `new_price` on `effective_on`, with its dealers' lines computed (see the module
    docstring). Numbered PA-<year>-00001 from the "price_adjustment" sequence.

    With `apply_to_product`, the product's list price becomes the new price at once
    (through `masterdata.services.product_update`, so it needs `change_product`); only
    for a change that takes effect today or earlier, in the product's currency.
    """
    documents.require(actor, "channel.add_priceadjustment")
    _require_product(product)
    if basis not in Basis.values:
        raise ValidationError({"basis": [_("Choose reported stock or deliveries.")]})
    effective_on = _date(
        effective_on,
        "effective_on",
        latest=timezone.localdate() + datetime.timedelta(days=MAX_DAYS_AHEAD),
    )
    window = window_days
    if not 1 <= window <= MAX_WINDOW_DAYS:
        raise ValidationError(
            {
                "window_days": [
                    _("Between 1 and %(max)d days.") % {"max": MAX_WINDOW_DAYS},
                ]
            }
        )
    currency = documents.currency_value(currency, product.currency)
    if old_price is None:
        if currency != product.currency:
            raise ValidationError(
                {
                    "old_price": [
                        _("Enter the old price in %(currency)s: the list price is in %(own)s.")
                        % {"currency": currency, "own": product.currency}
                    ]
                }
            )
        old_price = product.list_price
    old = _price(old_price, "old_price")
    new = _price(new_price, "new_price")
    if new >= old:
        raise ValidationError(
            {
                "new_price": [
                    _("The new price must be lower than the old price (%(old)s).") % {"old": old}
                ]
            }
        )
    if apply_to_product:
        if not actor.has_perm("masterdata.change_product"):
            raise PermissionDenied(_("You may not change the product's list price."))
        if currency != product.currency:
            raise ValidationError(
                {
                    "apply_to_product": [
                        _("The product's list price is in %(currency)s.")
                        % {"currency": product.currency}
                    ]
                }
            )
        if effective_on > timezone.localdate():
            raise ValidationError(
                {
                    "apply_to_product": [
                        _("Change the list price on the effective day, not ahead of it.")
                    ]
                }
            )
    ensure_writable()
    adjustment = PriceAdjustment(
        product=product,
        old_price=old,
        new_price=new,
        currency=currency,
        effective_on=effective_on,
        basis=basis,
        window_days=window,
        notes=(notes or "").strip(),
        created_by=documents.actor_user(actor),
    )
    if apply_to_product:
        product_update(actor=actor, product=product, list_price=new)
    # Numbering last: the sequence row stays locked until this transaction ends.
    adjustment.number = document_number_next(key=NUMBER_KEY)
    adjustment.save()
    _write_lines(adjustment)
    adjustment.save(update_fields=["total", "updated_at"])
    audit_record(
        actor=actor,
        action="price_adjustment.created",
        target=adjustment,
        data={
            "product": product.pk,
            "old_price": str(old),
            "new_price": str(new),
            "basis": basis,
            "total": str(adjustment.total),
            "applied_to_product": bool(apply_to_product),
        },
    )
    return adjustment


@transaction.atomic
def price_adjustment_recompute(*, actor: Actor, adjustment: PriceAdjustment) -> PriceAdjustment:
    """Compute a draft's lines again from today's reports and deliveries. Lines
    corrected by hand are replaced too."""
    step = LIFECYCLE.start("recompute", actor=actor, document=adjustment)
    locked = step.lock()
    before = locked.total
    _write_lines(locked)
    return step.finish(
        update_fields=["total"], data={"total_before": str(before), "total": str(locked.total)}
    )


@transaction.atomic
def price_adjustment_line_set(
    *, actor: Actor, adjustment: PriceAdjustment, dealer: Customer, quantity: Decimal
) -> PriceAdjustment:
    """Correct what a dealer holds on a draft (a dealer not on it yet gets a line;
    zero removes the line). The dealer must be in the actor's scope."""
    step = LIFECYCLE.start("line_set", actor=actor, document=adjustment)
    _require_dealer(actor, dealer)
    amount = _quantity(quantity)
    locked = step.lock()
    line = locked.lines.select_for_update().filter(dealer=dealer).first()
    before = line.quantity if line is not None else None
    if amount == 0:
        if line is not None:
            line.delete()
    else:
        who = getattr(actor, "email", "") or str(actor)
        fresh = _line(locked, dealer.pk, amount, _("set in review by %(who)s") % {"who": who})
        if line is None:
            fresh.save()
        else:
            for field in ("quantity", "unit_difference", "amount", "source"):
                setattr(line, field, getattr(fresh, field))
            line.save(update_fields=["quantity", "unit_difference", "amount", "source"])
    _total_update(locked)
    return step.finish(
        update_fields=["total"],
        data={
            "dealer": dealer.pk,
            "quantity_before": str(before) if before is not None else None,
            "quantity": str(amount),
            "total": str(locked.total),
        },
    )


@transaction.atomic
def price_adjustment_approve(*, actor: Actor, adjustment: PriceAdjustment) -> PriceAdjustment:
    """The reviewer agrees with the lines; they cannot change any more."""
    step = LIFECYCLE.start("approve", actor=actor, document=adjustment)
    locked = step.lock()
    return step.finish(
        fields={"reviewed_by": documents.actor_user(actor), "reviewed_at": timezone.now()},
        data={"total": str(locked.total)},
    )


@transaction.atomic
def price_adjustment_post(*, actor: Actor, adjustment: PriceAdjustment) -> PriceAdjustment:
    """Credit every dealer of an approved adjustment: one open `SettlementCredit` per
    line with an amount above zero. Exactly once: the row lock makes a concurrent
    second post wait, then find the adjustment posted and be refused."""
    step = LIFECYCLE.start("post", actor=actor, document=adjustment)
    locked = step.lock()
    product = Product.objects.get(pk=locked.product_id)
    reason = _("Price adjustment %(number)s: %(sku)s %(old)s → %(new)s %(currency)s") % {
        "number": locked.number,
        "sku": product.sku,
        "old": locked.old_price,
        "new": locked.new_price,
        "currency": locked.currency,
    }
    credits = [
        SettlementCredit(
            customer_id=line.dealer_id,
            amount=line.amount,
            currency=locked.currency,
            reason=reason[:300],
            price_adjustment=locked,
        )
        for line in locked.lines.filter(amount__gt=0).order_by("pk")
    ]
    SettlementCredit.objects.bulk_create(credits)
    settlement.credits_posted(actor=actor, credits=credits)
    return step.finish(
        fields={"posted_at": timezone.now()},
        data={"credits": len(credits), "total": str(locked.total)},
    )


@transaction.atomic
def price_adjustment_cancel(
    *, actor: Actor, adjustment: PriceAdjustment, reason: str = ""
) -> PriceAdjustment:
    """Drop a draft or approved adjustment (nothing was credited). Those who prepare
    adjustments and those who review them may cancel."""
    return LIFECYCLE.run(
        "cancel",
        actor=actor,
        document=adjustment,
        data={"reason": (reason or "").strip()[:300]},
    )


# --- Reads ---------------------------------------------------------------------------
def adjustment_lines_visible_to(actor: Actor) -> QuerySet[PriceAdjustmentLine]:
    """Lines of dealers in the actor's customer scope, dealer joined."""
    return (
        PriceAdjustmentLine.objects.filter(scope_q(actor, "dealer__"))
        .select_related("dealer")
        .order_by("dealer__name", "pk")
    )


def price_adjustment_list(actor: Actor, *, status: str | None = None) -> QuerySet[PriceAdjustment]:
    """Adjustments for a list: product joined, latest effective day first."""
    adjustments = price_adjustments_visible_to(actor).select_related("product")
    if status:
        adjustments = adjustments.filter(status=status)
    return adjustments.order_by("-effective_on", "-pk")


def price_adjustments_with_lines(actor: Actor) -> QuerySet[PriceAdjustment]:
    """Adjustments with product and people joined, and the lines the actor may see."""
    return (
        price_adjustments_visible_to(actor)
        .select_related("product", "created_by", "reviewed_by")
        .prefetch_related(Prefetch("lines", queryset=adjustment_lines_visible_to(actor)))
    )
