"""Order services: create, edit, and every step of the order's life. The browser, the
API, quote conversion and the demo call these; each runs in one transaction, locks
the order row, checks the actor's permission and scope, writes an audit entry and
emits the order's webhook events after commit.

The life of an order (`Order.Status`), with the permission each step needs:

| step                         | from                               | permission            |
|------------------------------|------------------------------------|-----------------------|
| create, edit lines           | (new), draft, rejected             | add / change_order    |
| submit for review            | draft, rejected                    | change_order          |
| approve, reject (w/ comment) | submitted                          | review_order          |
| confirm (number given)       | approved                           | confirm_order         |
| record a shipment            | confirmed, partially shipped       | ship_order            |
| record delivery              | shipped                            | ship_order            |
| close                        | delivered                          | confirm_order         |
| cancel                       | draft, submitted, rejected         | change_order (own) or |
|                              | approved, confirmed (none shipped) | cancel_order          |
| return goods                 | delivered, closed                  | add_orderreturn       |

The table is declared once, as `LIFECYCLE` below (`tradepost.lifecycle`): the services
run each step through it, the order's page draws its buttons from it and the API lists
the caller's `allowed_actions` from it.

Numbers: an order gets its number when it is confirmed, from the workspace's "order"
sequence for the confirmation year (`masterdata.services.document_number_next`, which
holds the sequence row until the transaction ends): gap-free and unique even when
many orders are confirmed at once. Until then an order is shown as
"Order <id> (not numbered yet)", whatever its status.

Plan limit: creating an order counts against the plan's orders per month
(`billing.access.limit_check`), which also refuses writes in a read-only workspace.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, ParamSpec, TypedDict, TypeVar, Unpack

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from billing.access import ensure_writable, limit_check
from tradepost import events, outreach
from tradepost.accounts.models import User
from tradepost.audit.services import audit_record
from tradepost.background import enqueue_on_commit
from tradepost.customers.models import Customer
from tradepost.lifecycle import AnyOf, Lifecycle, Transition, permitted
from tradepost.lifecycle.rows import lines_replace, rows_lock
from tradepost.masterdata.models import Location
from tradepost.masterdata.selectors import location_default_id_for
from tradepost.masterdata.services import document_number_next
from tradepost.pricing import documents
from tradepost.pricing import lines as arithmetic
from tradepost.principals import Actor
from tradepost.sales import fulfilment, order_terms, postings, selectors, settlement
from tradepost.sales.models import (
    Order,
    OrderLine,
    OrderReturn,
    OrderReturnLine,
    Quote,
    SettlementCredit,
)

P = ParamSpec("P")
R = TypeVar("R")
S = Order.Status
EDITABLE = (S.DRAFT, S.REJECTED)
CANCELLABLE_BY_OWNER = (S.DRAFT, S.SUBMITTED, S.REJECTED)
CANCELLABLE = (S.DRAFT, S.SUBMITTED, S.REJECTED, S.APPROVED, S.CONFIRMED)
RETURNABLE = (S.DELIVERED, S.CLOSED)
# Confirmed and later: the order has its number and can go out as a confirmation.
CONFIRMED = (S.CONFIRMED, S.PARTIALLY_SHIPPED, S.SHIPPED, S.DELIVERED, S.CLOSED)
MAX_EMAIL_MESSAGE = 2000
MAX_DEPOSIT = Decimal("999999999999.99")


def order_payload(order: Order) -> dict[str, Any]:
    """What webhook receivers get: the order without its lines."""
    return {
        "id": order.pk,
        "number": order.number,
        "status": order.status,
        "customer": order.customer_id,
        "currency": order.currency,
        "net_total": str(order.net_total),
        "tax_total": str(order.tax_total),
        "gross_total": str(order.gross_total),
        "deposit": str(order.deposit),
        "order_date": order.order_date.isoformat(),
    }


def is_own(actor: Actor, order: Order) -> bool:
    """The actor's own order: they sell it (owner) or entered it (a dealer's order)."""
    user_id = getattr(actor, "pk", None)
    return user_id is not None and user_id in (order.owner_id, order.created_by_id)


def _cancel_authorized(actor: Actor, order: Order) -> None:
    """Its salesperson (or the dealer who entered it) may cancel their own order until
    it is approved; after that, or for someone else's order, it takes `cancel_order`."""
    if actor.has_perm("sales.cancel_order"):
        return
    if not (is_own(actor, order) and actor.has_perm("sales.change_order")):
        raise PermissionDenied(_("You do not have permission to do this."))
    if order.status in CANCELLABLE and order.status not in CANCELLABLE_BY_OWNER:
        raise PermissionDenied(_("Once approved, only a sales manager can cancel this order."))


def _nothing_shipped(actor: Actor, order: Order, transition: Transition) -> None:
    """Goods that left cannot be cancelled (the lines' prefetch is used when present)."""
    if any(line.shipped_quantity > 0 for line in order.lines.all()):
        raise ValidationError({"status": [_("Goods of this order have shipped.")]})


LIFECYCLE: Lifecycle[Order] = Lifecycle(
    model=Order,
    path=[
        (Order.Status.DRAFT, Order.Status.REJECTED),
        Order.Status.SUBMITTED,
        Order.Status.APPROVED,
        Order.Status.CONFIRMED,
        (Order.Status.SHIPPED, Order.Status.PARTIALLY_SHIPPED),
        Order.Status.DELIVERED,
        Order.Status.CLOSED,
    ],
    refusal=gettext_lazy("An order that is “%(status)s” cannot be %(action)s."),
    visible=selectors.orders_visible_to,
    not_visible=gettext_lazy("This order is not yours to change."),
    payload=order_payload,
    refresh=("status", "number", "updated_at"),
    transitions=[
        Transition(
            "edit",
            source=EDITABLE,
            target=None,
            permission="sales.change_order",
            action="order.updated",
            verb=pgettext_lazy("cannot be …", "changed"),
            endpoint=None,
        ),
        Transition(
            "submit",
            source=EDITABLE,
            target=S.SUBMITTED,
            permission="sales.change_order",
            action="order.submitted",
            event="order.submitted",
            verb=pgettext_lazy("cannot be …", "submitted"),
        ),
        Transition(
            "approve",
            source=[S.SUBMITTED],
            target=S.APPROVED,
            permission="sales.review_order",
            action="order.approved",
            event="order.approved",
            verb=pgettext_lazy("cannot be …", "approved"),
        ),
        Transition(
            "reject",
            source=[S.SUBMITTED],
            target=S.REJECTED,
            permission="sales.review_order",
            action="order.rejected",
            verb=pgettext_lazy("cannot be …", "rejected"),
        ),
        Transition(
            "confirm",
            source=[S.APPROVED],
            target=S.CONFIRMED,
            permission="sales.confirm_order",
            action="order.confirmed",
            event="order.confirmed",
            verb=pgettext_lazy("cannot be …", "confirmed"),
        ),
        Transition(
            "ship",  # to shipped or partially shipped, as the shipment leaves the lines
            source=[S.CONFIRMED, S.PARTIALLY_SHIPPED],
            target=None,
            permission="sales.ship_order",
            action="order.shipped",
            verb=pgettext_lazy("cannot be …", "shipped"),
        ),
        Transition(
            "deliver",  # to delivered once everything ordered has arrived
            source=[S.PARTIALLY_SHIPPED, S.SHIPPED],
            target=None,
            permission="sales.ship_order",
            action="order.delivered",
            verb=pgettext_lazy("cannot be …", "delivered"),
        ),
        Transition(
            "close",
            source=[S.DELIVERED],
            target=S.CLOSED,
            permission="sales.confirm_order",
            action="order.closed",
            verb=pgettext_lazy("cannot be …", "closed"),
        ),
        Transition(
            "cancel",
            source=CANCELLABLE,
            target=S.CANCELLED,
            permission=AnyOf("sales.cancel_order", "sales.change_order"),
            authorize=_cancel_authorized,
            guards=[_nothing_shipped],
            action="order.cancelled",
            event="order.cancelled",
            verb=pgettext_lazy("cannot be …", "cancelled"),
        ),
        Transition(
            "return",  # the order keeps its status; a return document is made
            source=RETURNABLE,
            target=None,
            permission="sales.add_orderreturn",
            action="order.returned",
            event="order.returned",
            verb=pgettext_lazy("cannot be …", "returned"),
            endpoint="returns",
        ),
    ],
)


class OrderChanges(TypedDict, total=False):
    """What `order_update` may change besides the lines."""

    requested_delivery_date: datetime.date | None
    deposit: Decimal | None
    notes: str
    warehouse: Location | None


def _deposit(value: Decimal | None) -> Decimal:
    return documents.decimal_checked(
        value if value is not None else arithmetic.ZERO,
        field="deposit",
        places=arithmetic.CENT,
        maximum=MAX_DEPOSIT,
    )


def _write_lines(order: Order, priced: list[documents.PricedLine], *, new: bool = False) -> None:
    """Insert the lines in one statement; the order then carries them (as if
    prefetched), so whoever answers with it need not read them back."""
    lines = lines_replace(
        order.lines, (OrderLine(order=order, **line.fields()) for line in priced), new=new
    )
    documents.attach_lines(order, lines)


def _warehouse(location: Location) -> Location:
    if not location.is_active:
        raise ValidationError({"warehouse": [_("This location is inactive.")]})
    return location


def _check_deposit(deposit: Decimal, gross_total: Decimal) -> None:
    if deposit > gross_total:
        raise ValidationError(
            {"deposit": [_("The deposit cannot be more than the order's total.")]}
        )


def _savepoint_free(function: Callable[P, R]) -> Callable[P, R]:
    """`transaction.atomic` for a service that checks everything before it writes:
    called on its own it runs in a transaction of its own; inside a caller's (the API's
    request, a quote's conversion) it runs in that one without a savepoint (two round
    trips). A refusal raised before the writes leaves the caller's transaction as it
    was; the writes go in `transaction.atomic(savepoint=False)`, so an error among them
    fails the caller's transaction too."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if transaction.get_connection().in_atomic_block:
            return function(*args, **kwargs)
        with transaction.atomic():
            return function(*args, **kwargs)

    return run


@_savepoint_free
def order_create(
    *,
    actor: Actor,
    customer: Customer,
    lines: Iterable[documents.LineInput | documents.LineRequest],
    currency: str | None = None,
    order_date: datetime.date | None = None,
    requested_delivery_date: datetime.date | None = None,
    deposit: Decimal | None = None,
    notes: str = "",
    owner: User | None = None,
    agreement: Any = None,  # a channel `Agreement` (sales never imports channel)
    quote: Quote | None = None,
    fixed_prices: Mapping[int, tuple[Decimal, str]] | None = None,
    warehouse: Location | None = None,
) -> Order:
    """A draft order for `customer` with priced lines (see `documents.lines_price`).
    It ships from `warehouse`, by default the location of the customer's branch
    (`masterdata.selectors.location_default_for`)."""
    documents.require(actor, "sales.add_order")
    documents.require_customer_visible(actor, customer)
    if not customer.is_active:
        raise ValidationError({"customer": [_("This customer is inactive.")]})
    order_date = order_date or timezone.localdate()
    if requested_delivery_date and requested_delivery_date < order_date:
        raise ValidationError(
            {"requested_delivery_date": [_("The delivery date cannot be before the order date.")]}
        )
    currency = documents.currency_value(
        agreement.currency if agreement else currency, customer.currency
    )
    requests = documents.line_requests(lines)
    deposit_amount = _deposit(deposit)
    limit_check(limit="orders_per_month")
    agreed = order_terms.agreement_prices(agreement, customer=customer, on_date=order_date)
    priced, totals = documents.lines_price(
        customer=customer,
        requests=requests,
        on_date=order_date,
        currency=currency,
        agreed_prices=agreed,
        fixed_prices=fixed_prices,
    )
    _check_deposit(deposit_amount, totals.gross_total)
    if agreement is not None:
        order_terms.caps_check(agreement, {line.product.pk: line.quantity for line in requests})
    user = documents.actor_user(actor)
    warehouse_id = (
        _warehouse(warehouse).pk
        if warehouse is not None
        else location_default_id_for(customer.branch_id)
    )
    # Everything is checked: the writes (see `_savepoint_free`).
    with transaction.atomic(savepoint=False):
        order = Order.objects.create(
            customer=customer,
            owner_id=owner.pk
            if owner is not None
            else (customer.owner_id or getattr(user, "pk", None)),
            quote=quote,
            agreement=agreement,
            currency=currency,
            order_date=order_date,
            requested_delivery_date=requested_delivery_date,
            deposit=deposit_amount,
            notes=notes or "",
            warehouse_id=warehouse_id,
            created_by=user,
            **documents.totals_fields(totals),
        )
        _write_lines(order, priced, new=True)
        audit_record(
            actor=actor,
            action="order.created",
            target=order,
            data={"customer": customer.pk, "gross_total": str(order.gross_total)},
        )
        events.emit(event_type="order.created", payload=order_payload(order))
    return order


@transaction.atomic
def order_update(
    *,
    actor: Actor,
    order: Order,
    lines: Iterable[documents.LineInput | documents.LineRequest] | None = None,
    **changes: Unpack[OrderChanges],
) -> Order:
    """Change a draft or rejected order: its lines (re-priced on the order date), the
    requested delivery date, deposit and notes."""
    step = LIFECYCLE.start("edit", actor=actor, document=order)
    order = step.lock()
    unknown = set(changes) - {"requested_delivery_date", "deposit", "notes", "warehouse"}
    if unknown:
        raise ValidationError({field: [_("This field cannot be changed.")] for field in unknown})
    if "requested_delivery_date" in changes:
        date = changes["requested_delivery_date"]
        if date and date < order.order_date:
            raise ValidationError(
                {
                    "requested_delivery_date": [
                        _("The delivery date cannot be before the order date.")
                    ]
                }
            )
        order.requested_delivery_date = date
    if "notes" in changes:
        order.notes = changes["notes"] or ""
    if "deposit" in changes:
        order.deposit = _deposit(changes["deposit"])
    if "warehouse" in changes:
        chosen = changes["warehouse"]
        order.warehouse = _warehouse(chosen) if chosen is not None else None
    if lines is not None:
        requests = documents.line_requests(lines)
        customer = order.customer
        agreed = order_terms.agreement_prices(
            order.agreement, customer=customer, on_date=order.order_date
        )
        priced, totals = documents.lines_price(
            customer=customer,
            requests=requests,
            on_date=order.order_date,
            currency=order.currency,
            agreed_prices=agreed,
        )
        if order.agreement is not None:
            order_terms.caps_check(
                order.agreement,
                {line.product.pk: line.quantity for line in requests},
                exclude_order_id=order.pk,
            )
        for field, value in documents.totals_fields(totals).items():
            setattr(order, field, value)
        _write_lines(order, priced)
    _check_deposit(order.deposit, order.gross_total)
    order.save()
    return step.finish(data={"fields": sorted(changes) + (["lines"] if lines is not None else [])})


@transaction.atomic
def order_submit(*, actor: Actor, order: Order) -> Order:
    """Send a draft (or a corrected rejected order) to a sales manager for review."""
    return LIFECYCLE.run(
        "submit", actor=actor, document=order, fields={"submitted_at": timezone.now()}
    )


@transaction.atomic
def order_approve(*, actor: Actor, order: Order, comment: str = "") -> Order:
    """A reviewer agrees; the order goes on to be confirmed. Emits `order.approved`."""
    return LIFECYCLE.run(
        "approve",
        actor=actor,
        document=order,
        data={"comment": comment},
        fields={
            "reviewed_by": documents.actor_user(actor),
            "reviewed_at": timezone.now(),
            "review_comment": (comment or "").strip(),
        },
    )


@transaction.atomic
def order_reject(*, actor: Actor, order: Order, comment: str) -> Order:
    """Send the order back to its salesperson; the comment says what to change."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("Say why the order is rejected.")]})
    return LIFECYCLE.run(
        "reject",
        actor=actor,
        document=order,
        data={"comment": comment},
        fields={
            "reviewed_by": documents.actor_user(actor),
            "reviewed_at": timezone.now(),
            "review_comment": comment,
        },
    )


@transaction.atomic
def order_confirm(*, actor: Actor, order: Order) -> Order:
    """Confirm an approved order and give it its number (see the module docstring).
    The confirmed order comes back with its lines and their products, read once under
    the lock (stock reserves them; an answer can be built from them)."""
    step, locked = LIFECYCLE.start_locked("confirm", actor=actor, document=order)
    prefetch_related_objects(
        [locked], Prefetch("lines", queryset=OrderLine.objects.select_related("product"))
    )
    if locked.agreement_id is not None:
        order_terms.caps_check(
            locked.agreement,
            {line.product_id: line.quantity for line in locked.lines.all()},
            exclude_order_id=locked.pk,
        )
    keeper = fulfilment.current()
    if keeper is not None:  # the lines' stock is held before the number is taken
        keeper.reserve(actor=actor, order=locked)
    accounts = settlement.current()
    if accounts is not None:  # the customer's credit allows it; the deposit is booked
        accounts.confirming(actor=actor, order=locked)
    now = timezone.now()
    # Numbering last: the sequence row stays locked until this transaction ends.
    number = document_number_next(key="order", year=timezone.localdate(now).year)
    confirmed = step.finish(fields={"number": number, "confirmed_at": now}, data={"number": number})
    postings.sales_posted(postings.SalesPosting(kind=postings.CONFIRMED, order_id=confirmed.pk))
    return confirmed


def _line_quantities(
    lines: Mapping[int, OrderLine],
    quantities: Mapping[int, Decimal],
    *,
    available: Callable[[OrderLine], Decimal],
    too_many: str,
    none_given: str,
) -> dict[int, Decimal]:
    """Check `quantities` (line id → quantity, parsed by a form or the API) against
    what each of the order's `lines` has `available`; zero quantities are skipped.
    `too_many` is a message with %(sku)s and %(left)s."""
    result: dict[int, Decimal] = {}
    errors = []
    for line_id, given in quantities.items():
        line = lines.get(line_id)
        if line is None:
            errors.append(_("Line %(id)s is not a line of this order.") % {"id": line_id})
            continue
        try:
            quantity = documents.decimal_checked(
                given,
                field="quantity",
                places=documents.QUANTITY_PLACES,
                maximum=documents.MAX_QUANTITY,
            )
        except ValidationError:
            errors.append(
                _("Line %(position)s (%(sku)s): enter a quantity.")
                % {"position": line.position, "sku": line.product.sku}
            )
            continue
        if quantity == 0:
            continue
        left = available(line)
        if quantity > left:
            errors.append(
                too_many % {"sku": line.product.sku, "left": arithmetic.decimal_text(left)}
            )
            continue
        result[line.pk] = quantity
    if errors:
        raise ValidationError({"lines": errors})
    if not result:
        raise ValidationError({"lines": [none_given]})
    return result


@transaction.atomic
def order_ship(
    *, actor: Actor, order: Order, quantities: Mapping[int, Decimal] | None = None
) -> Order:
    """Ship goods of the order now: `quantities` maps line id → quantity; without it,
    everything still open ships. With inventory, this is a delivery made and shipped
    at once (stock issued from the order's warehouse); see `sales.fulfilment`."""
    keeper = fulfilment.current()
    if keeper is not None:
        return keeper.ship(actor=actor, order=order, quantities=quantities)
    return order_lines_ship(actor=actor, order=order, quantities=quantities)


@transaction.atomic
def order_deliver(*, actor: Actor, order: Order) -> Order:
    """Everything shipped has arrived (signed delivery notes)."""
    keeper = fulfilment.current()
    if keeper is not None:
        return keeper.deliver(actor=actor, order=order)
    return order_lines_deliver(actor=actor, order=order)


@transaction.atomic
def order_lines_ship(
    *, actor: Actor, order: Order, quantities: Mapping[int, Decimal] | None = None
) -> Order:
    """The ship step itself: `quantities` (line id → quantity; None: all still open)
    leave on the order's lines, and the order becomes partially shipped or shipped.
    Called by whoever issued the goods (a delivery, or `order_ship` without stock)."""
    step = LIFECYCLE.start("ship", actor=actor, document=order)
    locked = step.lock()
    lines = rows_lock(locked.lines.select_related("product"), of=("self",))
    if quantities is None:
        quantities = {
            line.pk: line.quantity - line.shipped_quantity
            for line in lines
            if line.quantity > line.shipped_quantity
        }
    shipping = _line_quantities(
        {line.pk: line for line in lines},
        quantities,
        available=lambda line: line.quantity - line.shipped_quantity,
        too_many=_("%(sku)s: only %(left)s left to ship."),
        none_given=_("Enter a quantity to ship for at least one line."),
    )
    for line in lines:
        if line.pk in shipping:
            line.shipped_quantity += shipping[line.pk]
            line.save(update_fields=["shipped_quantity"])
    complete = all(line.shipped_quantity >= line.quantity for line in lines)
    return step.finish(
        to=S.SHIPPED if complete else S.PARTIALLY_SHIPPED,
        data={"lines": {str(k): str(v) for k, v in shipping.items()}, "complete": complete},
    )


@transaction.atomic
def order_lines_deliver(
    *, actor: Actor, order: Order, quantities: Mapping[int, Decimal] | None = None
) -> Order:
    """The deliver step itself: `quantities` (line id → quantity; None: everything
    shipped) arrived. Once all that was ordered has shipped and arrived, the order is
    delivered; until then it keeps its status."""
    step = LIFECYCLE.start("deliver", actor=actor, document=order)
    locked = step.lock()
    lines = rows_lock(locked.lines.all())
    arrived: dict[str, str] = {}
    for line in lines:
        if quantities is None:
            now_delivered = line.shipped_quantity
        else:
            now_delivered = line.delivered_quantity + quantities.get(line.pk, arithmetic.ZERO)
        if now_delivered > line.shipped_quantity:
            raise ValidationError({"lines": [_("More would arrive than was shipped.")]})
        if now_delivered != line.delivered_quantity:
            arrived[str(line.pk)] = str(now_delivered - line.delivered_quantity)
            line.delivered_quantity = now_delivered
            line.save(update_fields=["delivered_quantity"])
    complete = all(line.delivered_quantity >= line.quantity for line in lines)
    if complete:
        return step.finish(
            to=S.DELIVERED, fields={"delivered_at": timezone.now()}, data={"lines": arrived}
        )
    return step.finish(data={"lines": arrived, "complete": False})


@transaction.atomic
def order_close(*, actor: Actor, order: Order) -> Order:
    """The delivered order is done with."""
    return LIFECYCLE.run("close", actor=actor, document=order, fields={"closed_at": timezone.now()})


@transaction.atomic
def order_cancel(*, actor: Actor, order: Order, reason: str = "") -> Order:
    """Cancel an order nothing of which has shipped. Its salesperson (or the dealer who
    entered it) may cancel it until it is approved; after that, or for someone else's
    order, it takes the cancel permission. A confirmed order keeps its number (no gap)."""
    step = LIFECYCLE.start("cancel", actor=actor, document=order)
    locked = step.lock()  # who may cancel and "nothing shipped" are the step's rules
    reason = (reason or "").strip()
    if locked.status == S.CONFIRMED and not reason:
        raise ValidationError({"reason": [_("Say why a confirmed order is cancelled.")]})
    keeper = fulfilment.current()
    if keeper is not None and locked.status == S.CONFIRMED:
        keeper.release(actor=actor, order=locked)
    if locked.status == S.CONFIRMED:  # its lines counted as sold: they no longer do
        postings.sales_posted(postings.SalesPosting(kind=postings.CANCELLED, order_id=locked.pk))
    return step.finish(
        fields={"cancelled_at": timezone.now(), "cancel_reason": reason[:300]},
        data={"reason": reason},
    )


@transaction.atomic
def order_return_create(
    *, actor: Actor, order: Order, quantities: Mapping[int, Decimal], reason: str
) -> OrderReturn:
    """Goods come back against delivered lines: at most what was delivered and not yet
    returned, credited at the line's net price (its discounts included) plus tax.
    The credit is posted for settlement (`SettlementCredit`)."""
    step = LIFECYCLE.start("return", actor=actor, document=order)
    locked = step.lock()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the goods come back.")]})
    lines = {
        line.pk: line for line in rows_lock(locked.lines.select_related("product"), of=("self",))
    }
    returning = _line_quantities(
        lines,
        quantities,
        available=lambda line: line.delivered_quantity - line.returned_quantity,
        too_many=_("%(sku)s: at most %(left)s can be returned."),
        none_given=_("Enter a quantity for at least one line."),
    )
    order_return = OrderReturn.objects.create(
        number=document_number_next(key="return"),
        order=locked,
        reason=reason[:300],
        currency=locked.currency,
        created_by=documents.actor_user(actor),
    )
    net_total = tax_total = arithmetic.ZERO
    for line_id, quantity in returning.items():
        line = lines[line_id]
        if quantity == line.quantity:
            net = line.net_amount
        else:
            net = arithmetic.money(line.net_amount * quantity / line.quantity)
        tax = arithmetic.money(net * line.tax_rate / arithmetic.HUNDRED)
        OrderReturnLine.objects.create(
            order_return=order_return,
            order_line=line,
            quantity=quantity,
            net_amount=net,
            tax_amount=tax,
            gross_amount=net + tax,
        )
        line.returned_quantity += quantity
        line.save(update_fields=["returned_quantity"])
        net_total += net
        tax_total += tax
    order_return.net_total = net_total
    order_return.tax_total = tax_total
    order_return.gross_total = net_total + tax_total
    order_return.save(update_fields=["net_total", "tax_total", "gross_total"])
    if order_return.gross_total > 0:
        credit = SettlementCredit.objects.create(
            customer_id=locked.customer_id,
            amount=order_return.gross_total,
            currency=locked.currency,
            reason=_("Return %(number)s against order %(order)s")
            % {"number": order_return.number, "order": locked.number},
            order_return=order_return,
        )
        settlement.credits_posted(actor=actor, credits=[credit])
    keeper = fulfilment.current()
    if keeper is not None:
        keeper.returned(actor=actor, order_return=order_return)
    postings.sales_posted(
        postings.SalesPosting(
            kind=postings.RETURNED, order_id=locked.pk, order_return_id=order_return.pk
        )
    )
    step.finish(data={"return": order_return.number, "gross_total": str(order_return.gross_total)})
    return order_return


# --- Sending the confirmation --------------------------------------------------------
@transaction.atomic
def order_email(*, actor: Actor, order: Order, to: str, message: str = "") -> Order:
    """E-mail the confirmed order's confirmation PDF to `to` (a parsed address) with
    `message`, in the background after commit (`sales.tasks.order_email_send`), by
    whoever may change the order; recorded in the order's history."""
    outreach.require_allowed()  # e-mail goes outside the workspace: confirmed owners only
    if not permitted(actor, "sales.change_order"):
        raise PermissionDenied(_("You do not have permission to do this."))
    if not selectors.orders_visible_to(actor).filter(pk=order.pk).exists():
        raise PermissionDenied(str(LIFECYCLE.not_visible))
    if len(message) > MAX_EMAIL_MESSAGE:
        raise ValidationError({"message": [_("Use at most 2000 characters.")]})
    if order.status not in CONFIRMED:
        raise LIFECYCLE.status_refusal(order, pgettext_lazy("cannot be …", "e-mailed"))
    ensure_writable()
    audit_record(actor=actor, action="order.emailed", target=order, data={"to": to})
    language = translation.get_language() or "en"
    enqueue_on_commit("tradepost.sales.tasks.order_email_send", order.pk, to, message, language)
    return order
