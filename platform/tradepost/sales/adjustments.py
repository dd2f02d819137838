"""Price adjustments and dealer compensation (seed S1 调价补差), dealers' stock reports
and the settlement credits an adjustment posts.

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

Posting writes one `SettlementCredit` per line with an amount above zero, for the
settlement module to settle. It locks the adjustment row first, so two posts at once
credit the dealers once: the second finds the adjustment posted and is refused.

An adjustment concerns many dealers, so whoever may view adjustments sees all of
them (`selectors.price_adjustments_visible_to`); the lines shown are only those of
dealers in the viewer's customer scope (`adjustment_lines_visible_to`). Correcting a
line also needs the dealer in scope; computing covers every dealer of the workspace.

Stock reports: a dealer user reports for its own record (its customer scope), sales
staff for the dealers in theirs. One report per dealer, product and day: reporting
again the same day replaces the quantity.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from billing.access import ensure_writable
from tradepost.audit.services import audit_record
from tradepost.customers.models import RESELLER_CHANNELS, Customer
from tradepost.customers.selectors import customer_is_visible, scope_q
from tradepost.masterdata.models import Product
from tradepost.masterdata.services import document_number_next, product_update
from tradepost.principals import Actor
from tradepost.sales import documents
from tradepost.sales import lines as arithmetic
from tradepost.sales.models import (
    DealerStockReport,
    OrderLine,
    PriceAdjustment,
    PriceAdjustmentLine,
    SettlementCredit,
)
from tradepost.sales.selectors import (
    price_adjustments_visible_to,
    settlement_credits_visible_to,
    stock_reports_visible_to,
)

S = PriceAdjustment.Status
Basis = PriceAdjustment.Basis
REPORT_MAX_AGE_DAYS = 90
MAX_WINDOW_DAYS = 366
CANCELLABLE = (S.DRAFT, S.APPROVED)
EARLIEST_DATE = datetime.date(2000, 1, 1)
MAX_DAYS_AHEAD = 366  # a drop is announced at most a year ahead
NUMBER_KEY = "price_adjustment"


# --- Checks --------------------------------------------------------------------------
def _date(value: Any, field: str, *, latest: datetime.date) -> datetime.date:
    """A date between `EARLIEST_DATE` and `latest` (so the look-back stays a date)."""
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise ValidationError({field: [_("Enter a valid date.")]})
    if not EARLIEST_DATE <= value <= latest:
        raise ValidationError(
            {
                field: [
                    _("Choose a day from %(first)s to %(last)s.")
                    % {"first": EARLIEST_DATE.isoformat(), "last": latest.isoformat()}
                ]
            }
        )
    return value


def _quantity(value: Any) -> Decimal:
    return documents.decimal_value(
        value,
        field="quantity",
        places=documents.QUANTITY_PLACES,
        maximum=documents.MAX_QUANTITY,
    )


def _price(value: Any, field: str) -> Decimal:
    return documents.decimal_value(
        value, field=field, places=arithmetic.CENT, maximum=documents.MAX_PRICE
    )


def _require_dealer(actor: Actor, dealer: Any, field: str = "dealer") -> Customer:
    """A reseller customer in the actor's scope (others are refused like missing ones)."""
    if not isinstance(dealer, Customer) or not customer_is_visible(actor, dealer.pk):
        raise ValidationError({field: [_("Select a valid dealer.")]})
    if not dealer.is_reseller:
        raise ValidationError({field: [_("Only dealers and franchisees hold stock for resale.")]})
    return dealer


def _require_product(product: Any) -> Product:
    if not isinstance(product, Product) or product.pk is None:
        raise ValidationError({"product": [_("Select a product.")]})
    return product


def _locked(adjustment: PriceAdjustment) -> PriceAdjustment:
    """The adjustment re-read under a row lock, so its status cannot change meanwhile."""
    try:
        return PriceAdjustment.objects.select_for_update().get(pk=adjustment.pk)
    except PriceAdjustment.DoesNotExist:
        raise ValidationError(_("This price adjustment no longer exists.")) from None


def _require_status(adjustment: PriceAdjustment, allowed: Collection[str], verb: str) -> None:
    if adjustment.status not in allowed:
        raise ValidationError(
            {
                "status": [
                    _("A price adjustment that is “%(status)s” cannot be %(action)s.")
                    % {"status": adjustment.get_status_display(), "action": verb}
                ]
            }
        )


# --- Dealers' stock reports ----------------------------------------------------------
@transaction.atomic
def stock_report_create(
    *,
    actor: Actor,
    dealer: Customer,
    product: Product,
    quantity: Any,
    as_of: datetime.date | None = None,
) -> DealerStockReport:
    """Record how much of `product` the dealer holds on `as_of` (default: today).

    The dealer must be a reseller in the actor's scope — a dealer user reaches only
    its own record. The day may not be in the future. A second report for the same
    dealer, product and day replaces the first one's quantity; the returned report
    then carries `replaced_quantity` (the quantity it had), else that is None.
    """
    documents.require(actor, "sales.add_dealerstockreport")
    _require_dealer(actor, dealer)
    if not dealer.is_active:
        raise ValidationError({"dealer": [_("This dealer is inactive.")]})
    _require_product(product)
    amount = _quantity(quantity)
    today = timezone.localdate()
    if isinstance(as_of, datetime.date) and as_of > today:
        raise ValidationError({"as_of": [_("Stock can be reported up to today, not ahead.")]})
    as_of = _date(as_of or today, "as_of", latest=today)
    ensure_writable()
    user = documents.actor_user(actor)
    report = (
        DealerStockReport.objects.select_for_update()
        .filter(dealer=dealer, product=product, as_of=as_of)
        .first()
    )
    created = False
    if report is None:
        try:
            with transaction.atomic():  # another report of the same day may win the race
                report = DealerStockReport.objects.create(
                    dealer=dealer, product=product, as_of=as_of, quantity=amount, reported_by=user
                )
                created = True
        except IntegrityError:
            report = DealerStockReport.objects.select_for_update().get(
                dealer=dealer, product=product, as_of=as_of
            )
    previous = None
    if not created:
        previous = report.quantity
        report.quantity = amount
        report.reported_by = user
        report.save(update_fields=["quantity", "reported_by"])
    report.replaced_quantity = previous  # type: ignore[attr-defined]  # for the caller
    audit_record(
        actor=actor,
        action="dealer_stock.reported",
        target=report,
        data={
            "dealer": dealer.pk,
            "product": product.pk,
            "as_of": as_of.isoformat(),
            "quantity": str(amount),
            **({"replaced": str(previous)} if previous is not None else {}),
        },
    )
    return report


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
    adjustment.lines.all().delete()
    lines = [
        _line(adjustment, row.dealer_id, row.quantity, row.source, field="new_price")
        for row in _quantities(adjustment)
        if row.quantity > 0
    ]
    total = sum((line.amount for line in lines), arithmetic.ZERO)
    adjustment.total = _checked_amount(total, "new_price")
    PriceAdjustmentLine.objects.bulk_create(lines)


def _total_update(adjustment: PriceAdjustment) -> None:
    total = adjustment.lines.aggregate(total=Sum("amount"))["total"]
    adjustment.total = _checked_amount(total if total is not None else arithmetic.ZERO, "quantity")


# --- The adjustment's life -----------------------------------------------------------
@transaction.atomic
def price_adjustment_create(
    *,
    actor: Actor,
    product: Product,
    new_price: Any,
    effective_on: datetime.date,
    basis: str,
    window_days: Any = 30,
    old_price: Any = None,
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
    documents.require(actor, "sales.add_priceadjustment")
    _require_product(product)
    if basis not in Basis.values:
        raise ValidationError({"basis": [_("Choose reported stock or deliveries.")]})
    effective_on = _date(
        effective_on,
        "effective_on",
        latest=timezone.localdate() + datetime.timedelta(days=MAX_DAYS_AHEAD),
    )
    try:
        window = int(window_days)
    except (TypeError, ValueError):
        window = 0
    if isinstance(window_days, bool) or not 1 <= window <= MAX_WINDOW_DAYS:
        raise ValidationError(
            {
                "window_days": [
                    _("Between 1 and %(max)d days.") % {"max": MAX_WINDOW_DAYS},
                ]
            }
        )
    currency = documents.currency_value(currency, product.currency)
    if old_price in (None, ""):
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
    documents.require(actor, "sales.change_priceadjustment")
    ensure_writable()
    locked = _locked(adjustment)
    _require_status(locked, (S.DRAFT,), pgettext("cannot be …", "recomputed"))
    before = locked.total
    _write_lines(locked)
    locked.save(update_fields=["total", "updated_at"])
    audit_record(
        actor=actor,
        action="price_adjustment.recomputed",
        target=locked,
        data={"total_before": str(before), "total": str(locked.total)},
    )
    return locked


@transaction.atomic
def price_adjustment_line_set(
    *, actor: Actor, adjustment: PriceAdjustment, dealer: Customer, quantity: Any
) -> PriceAdjustment:
    """Correct what a dealer holds on a draft (a dealer not on it yet gets a line;
    zero removes the line). The dealer must be in the actor's scope."""
    documents.require(actor, "sales.change_priceadjustment")
    _require_dealer(actor, dealer)
    amount = _quantity(quantity)
    ensure_writable()
    locked = _locked(adjustment)
    _require_status(locked, (S.DRAFT,), pgettext("cannot be …", "changed"))
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
    locked.save(update_fields=["total", "updated_at"])
    audit_record(
        actor=actor,
        action="price_adjustment.line_set",
        target=locked,
        data={
            "dealer": dealer.pk,
            "quantity_before": str(before) if before is not None else None,
            "quantity": str(amount),
            "total": str(locked.total),
        },
    )
    return locked


@transaction.atomic
def price_adjustment_approve(*, actor: Actor, adjustment: PriceAdjustment) -> PriceAdjustment:
    """The reviewer agrees with the lines; they cannot change any more."""
    documents.require(actor, "sales.review_priceadjustment")
    ensure_writable()
    locked = _locked(adjustment)
    _require_status(locked, (S.DRAFT,), pgettext("cannot be …", "approved"))
    locked.status = S.APPROVED
    locked.reviewed_by = documents.actor_user(actor)
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="price_adjustment.approved",
        target=locked,
        data={"total": str(locked.total)},
    )
    return locked


@transaction.atomic
def price_adjustment_post(*, actor: Actor, adjustment: PriceAdjustment) -> PriceAdjustment:
    """Credit every dealer of an approved adjustment: one open `SettlementCredit` per
    line with an amount above zero. Exactly once: the row lock makes a concurrent
    second post wait, then find the adjustment posted and be refused."""
    documents.require(actor, "sales.post_priceadjustment")
    ensure_writable()
    locked = _locked(adjustment)
    if locked.status == S.POSTED:
        raise ValidationError(
            {"status": [_("This price adjustment is already posted; its credits exist.")]}
        )
    _require_status(locked, (S.APPROVED,), pgettext("cannot be …", "posted"))
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
    locked.status = S.POSTED
    locked.posted_at = timezone.now()
    locked.save(update_fields=["status", "posted_at", "updated_at"])
    audit_record(
        actor=actor,
        action="price_adjustment.posted",
        target=locked,
        data={"credits": len(credits), "total": str(locked.total)},
    )
    return locked


@transaction.atomic
def price_adjustment_cancel(
    *, actor: Actor, adjustment: PriceAdjustment, reason: str = ""
) -> PriceAdjustment:
    """Drop a draft or approved adjustment (nothing was credited). Those who prepare
    adjustments and those who review them may cancel."""
    if not (
        actor is not None
        and (
            actor.has_perm("sales.change_priceadjustment")
            or actor.has_perm("sales.review_priceadjustment")
        )
    ):
        raise PermissionDenied(_("You do not have permission to do this."))
    ensure_writable()
    locked = _locked(adjustment)
    _require_status(locked, CANCELLABLE, pgettext("cannot be …", "cancelled"))
    locked.status = S.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="price_adjustment.cancelled",
        target=locked,
        data={"reason": (reason or "").strip()[:300]},
    )
    return locked


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


def latest_stock_reports(actor: Actor) -> QuerySet[DealerStockReport]:
    """The latest report per dealer and product in the actor's scope, by dealer name
    then SKU."""
    latest_ids = (
        stock_reports_visible_to(actor)
        .order_by("dealer_id", "product_id", "-as_of", "-pk")
        .distinct("dealer_id", "product_id")
        .values("pk")
    )
    return (
        DealerStockReport.objects.filter(pk__in=latest_ids)
        .select_related("dealer", "product", "reported_by")
        .order_by("dealer__name", "product__sku", "pk")
    )


def settlement_credit_list(actor: Actor) -> QuerySet[SettlementCredit]:
    """Credits of the customers in the actor's scope, newest first."""
    return (
        settlement_credits_visible_to(actor)
        .select_related("customer", "price_adjustment", "order_return")
        .order_by("-created_at", "-pk")
    )
