"""Deliveries (发货单): the goods of an order leaving its warehouse.

    picking → shipped → delivered; picking → cancelled

* `delivery_create` — a pick list for what is still open on the order's lines (or the
  quantities given). Lot-tracked products get their lots first-expiring first (FEFO)
  among the unexpired lots on hand, unless a lot is chosen (of the product, unexpired,
  with enough on hand at the warehouse).
* `delivery_pick` — while picking, choose another lot for an order line's goods (or
  go back to first-expiring first).
* `delivery_ship` — the goods leave: the order's lines record the shipment (the order
  becomes partially shipped or shipped), the stock is issued from the reservation, an
  expired lot is refused. Emits `delivery.shipped`.
* `delivery_deliver` — signed for: the order's lines record the arrival (the order is
  delivered once everything has arrived). Emits `delivery.delivered`.
* `delivery_cancel` — a pick list not shipped is dropped; the reservation stays with
  the order.

Steps need `sales.ship_order` (the warehouse); whoever sees the order sees its
deliveries (`selectors.deliveries_visible_to`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from billing.access import ensure_writable
from tradepost.audit.services import audit_record
from tradepost.inventory import selectors
from tradepost.inventory.ledger import Posting
from tradepost.inventory.models import (
    Delivery,
    DeliveryLine,
    Lot,
    LotBalance,
    Reservation,
    StockMove,
)
from tradepost.lifecycle import Lifecycle, Transition
from tradepost.lifecycle.rows import row_lock, rows_lock
from tradepost.masterdata.services import document_number_next
from tradepost.pricing import documents
from tradepost.pricing.lines import decimal_text
from tradepost.principals import Actor
from tradepost.sales.models import Order, OrderLine
from tradepost.sales.orders import order_lines_deliver, order_lines_ship
from tradepost.sales.selectors import orders_visible_to

S = Delivery.Status
SHIPPABLE_ORDERS = (Order.Status.CONFIRMED, Order.Status.PARTIALLY_SHIPPED)
MAX_TEXT = 100


def delivery_payload(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "number": delivery.number,
        "status": delivery.status,
        "order": delivery.order_id,
        "location": delivery.location_id,
        "carrier": delivery.carrier,
        "tracking_number": delivery.tracking_number,
    }


LIFECYCLE: Lifecycle[Delivery] = Lifecycle(
    model=Delivery,
    path=[S.PICKING, S.SHIPPED, S.DELIVERED],
    refusal=gettext_lazy("A delivery that is “%(status)s” cannot be %(action)s."),
    visible=selectors.deliveries_visible_to,
    not_visible=gettext_lazy("This delivery is not yours to change."),
    payload=delivery_payload,
    refresh=("status", "updated_at"),
    transitions=[
        Transition(
            "edit",
            source=[S.PICKING, S.SHIPPED],
            target=None,
            permission="sales.ship_order",
            action="delivery.updated",
            verb=pgettext_lazy("cannot be …", "changed"),
            endpoint=None,
        ),
        Transition(
            "pick",
            source=[S.PICKING],
            target=None,
            permission="sales.ship_order",
            action="delivery.updated",
            verb=pgettext_lazy("cannot be …", "re-picked"),
        ),
        Transition(
            "ship",
            source=[S.PICKING],
            target=S.SHIPPED,
            permission="sales.ship_order",
            action="delivery.shipped",
            event="delivery.shipped",
            verb=pgettext_lazy("cannot be …", "shipped"),
        ),
        Transition(
            "deliver",
            source=[S.SHIPPED],
            target=S.DELIVERED,
            permission="sales.ship_order",
            action="delivery.delivered",
            event="delivery.delivered",
            verb=pgettext_lazy("cannot be …", "delivered"),
        ),
        Transition(
            "cancel",
            source=[S.PICKING],
            target=S.CANCELLED,
            permission="sales.ship_order",
            action="delivery.cancelled",
            verb=pgettext_lazy("cannot be …", "cancelled"),
        ),
    ],
)


def _text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise ValidationError({field: [_("Use at most %(n)d characters.") % {"n": MAX_TEXT}]})
    return value


def open_quantities(order: Order, lines: list[OrderLine]) -> dict[int, Decimal]:
    """Per order line: ordered − shipped − on pick lists not shipped yet."""
    picking = dict(
        DeliveryLine.objects.filter(order_line__order=order, delivery__status=S.PICKING)
        .values("order_line")
        .annotate(total=Sum("quantity"))
        .values_list("order_line", "total")
    )
    return {
        line.pk: line.quantity - line.shipped_quantity - picking.get(line.pk, Decimal(0))
        for line in lines
    }


@transaction.atomic
def delivery_create(
    *,
    actor: Actor,
    order: Order,
    quantities: Mapping[int, Decimal] | None = None,
    lots: Mapping[int, Lot] | None = None,
    carrier: str = "",
    tracking_number: str = "",
    notes: str = "",
) -> Delivery:
    """A pick list for `order`: `quantities` maps order line id → quantity (None:
    everything still open); `lots` may choose the lot of a lot-tracked line."""
    documents.require(actor, "sales.ship_order")
    if not orders_visible_to(actor).filter(pk=order.pk).exists():
        raise PermissionDenied(_("This order is not yours to change."))
    ensure_writable()
    locked = row_lock(Order.objects.all(), order.pk)
    if locked.status not in SHIPPABLE_ORDERS:
        raise ValidationError(
            {"status": [_("Only a confirmed order that has not fully shipped can be delivered.")]}
        )
    if locked.warehouse_id is None:
        raise ValidationError({"warehouse": [_("Choose the warehouse this order ships from.")]})
    lines = list(locked.lines.select_related("product"))
    by_id = {line.pk: line for line in lines}
    open_left = open_quantities(locked, lines)
    if quantities is None:
        quantities = {pk: left for pk, left in open_left.items() if left > 0}
    errors = []
    chosen: dict[int, Decimal] = {}
    for line_id, quantity in quantities.items():
        line = by_id.get(line_id)
        if line is None:
            errors.append(_("Line %(id)s is not a line of this order.") % {"id": line_id})
        elif quantity < 0:
            errors.append(
                _("Line %(position)s: enter a quantity of 0 or more.") % {"position": line.position}
            )
        elif quantity > open_left[line_id]:
            errors.append(
                _("%(sku)s: only %(left)s left to ship.")
                % {
                    "sku": line.product.sku,
                    "left": decimal_text(max(open_left[line_id], Decimal(0))),
                }
            )
        elif quantity > 0:
            chosen[line_id] = quantity
    if errors:
        raise ValidationError({"lines": errors})
    if not chosen:
        raise ValidationError({"lines": [_("Nothing is left to deliver on this order.")]})
    rows = _pick(locked.warehouse_id, [by_id[pk] for pk in chosen], chosen, lots or {})
    delivery = Delivery.objects.create(
        number=document_number_next(key="delivery"),
        order=locked,
        location_id=locked.warehouse_id,
        carrier=_text(carrier, "carrier"),
        tracking_number=_text(tracking_number, "tracking_number"),
        notes=(notes or "").strip(),
        created_by=documents.actor_user(actor),
    )
    for row in rows:
        row.delivery = delivery
    DeliveryLine.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action="delivery.created",
        target=delivery,
        data={"order": locked.pk, "lines": len(rows)},
    )
    return delivery


def _pick(
    location_id: int,
    lines: list[OrderLine],
    quantities: Mapping[int, Decimal],
    lots: Mapping[int, Lot],
) -> list[DeliveryLine]:
    """Delivery lines for `quantities` at `location_id`; a lot-tracked product's split
    over its lots first-expiring first, or taken from the chosen lot — which must be
    the product's, not expired and hold the quantity there."""
    today = timezone.localdate()
    rows: list[DeliveryLine] = []
    errors = []
    chosen_on_hand = dict(
        LotBalance.objects.filter(
            lot__in=[lot.pk for lot in lots.values()], location_id=location_id
        ).values_list("lot_id", "on_hand")
    )
    for line in lines:
        quantity = quantities[line.pk]
        product = line.product
        if not (product.tracks_stock and product.lot_tracked):
            if line.pk in lots:
                errors.append(_("%(sku)s does not track lots.") % {"sku": product.sku})
                continue
            rows.append(DeliveryLine(order_line=line, product=product, quantity=quantity))
            continue
        lot = lots.get(line.pk)
        if lot is not None:
            on_hand = chosen_on_hand.get(lot.pk, Decimal(0))
            if lot.product_id != product.pk:
                errors.append(
                    _("Lot %(lot)s is not a lot of %(sku)s.")
                    % {"lot": lot.number, "sku": product.sku}
                )
            elif lot.expires_on is not None and lot.expires_on < today:
                errors.append(_expired(lot, product.sku))
            elif on_hand < quantity:
                errors.append(
                    _("Lot %(lot)s of %(sku)s: only %(left)s on hand where the order ships from.")
                    % {"lot": lot.number, "sku": product.sku, "left": decimal_text(on_hand)}
                )
            else:
                rows.append(
                    DeliveryLine(order_line=line, product=product, lot=lot, quantity=quantity)
                )
            continue
        left = quantity
        for balance in selectors.lots_fefo(product.pk, location_id, on=today):
            take = min(left, balance.on_hand)
            rows.append(
                DeliveryLine(order_line=line, product=product, lot=balance.lot, quantity=take)
            )
            left -= take
            if left <= 0:
                break
        if left > 0:
            errors.append(
                _("%(sku)s: only %(left)s on hand in lots that have not expired.")
                % {"sku": product.sku, "left": decimal_text(quantity - left)}
            )
    if errors:
        raise ValidationError({"lines": errors}, code="insufficient_stock")
    return rows


def _expired(lot: Lot, sku: str) -> str:
    return _("Lot %(lot)s of %(sku)s expired on %(date)s; it cannot be delivered.") % {
        "lot": lot.number,
        "sku": sku,
        "date": lot.expires_on.isoformat() if lot.expires_on else "",
    }


@transaction.atomic
def delivery_pick(*, actor: Actor, delivery: Delivery, lots: Mapping[int, Lot | None]) -> Delivery:
    """Pick the goods of lot-tracked order lines again: `lots` maps order line id → the
    lot to take them all from (checked as on creation), or None for first-expiring
    first. Only while picking; the quantities stay as they are."""
    step = LIFECYCLE.start("pick", actor=actor, document=delivery)
    locked = step.lock()
    current = list(locked.lines.select_related("product", "order_line__product"))
    by_order_line: dict[int, list[DeliveryLine]] = defaultdict(list)
    for row in current:
        by_order_line[row.order_line_id].append(row)
    errors = []
    for order_line_id in lots:
        rows = by_order_line.get(order_line_id)
        if not rows:
            errors.append(_("Line %(id)s is not on this delivery.") % {"id": order_line_id})
        elif not rows[0].product.lot_tracked:
            errors.append(_("%(sku)s does not track lots.") % {"sku": rows[0].product.sku})
    if errors:
        raise ValidationError({"lines": errors})
    if not lots:
        raise ValidationError({"lines": [_("Choose the lot of at least one line.")]})
    order_lines = [by_order_line[pk][0].order_line for pk in lots]
    totals = {pk: sum((row.quantity for row in by_order_line[pk]), Decimal(0)) for pk in lots}
    chosen = {pk: lot for pk, lot in lots.items() if lot is not None}
    rows = _pick(locked.location_id, order_lines, totals, chosen)
    for row in rows:
        row.delivery = locked
    DeliveryLine.objects.filter(delivery=locked, order_line_id__in=list(lots)).delete()
    DeliveryLine.objects.bulk_create(rows)
    return step.finish(
        data={
            "lots": {str(pk): (lot.number if lot is not None else None) for pk, lot in lots.items()}
        }
    )


@transaction.atomic
def delivery_update(
    *,
    actor: Actor,
    delivery: Delivery,
    carrier: str | None = None,
    tracking_number: str | None = None,
    notes: str | None = None,
) -> Delivery:
    """Change the carrier, tracking number or notes of a delivery not yet arrived."""
    step = LIFECYCLE.start("edit", actor=actor, document=delivery)
    step.lock()
    fields: dict[str, Any] = {}
    if carrier is not None:
        fields["carrier"] = _text(carrier, "carrier")
    if tracking_number is not None:
        fields["tracking_number"] = _text(tracking_number, "tracking_number")
    if notes is not None:
        fields["notes"] = notes.strip()
    return step.finish(fields=fields, data={"fields": sorted(fields)})


@transaction.atomic
def delivery_ship(
    *,
    actor: Actor,
    delivery: Delivery,
    carrier: str | None = None,
    tracking_number: str | None = None,
) -> Delivery:
    """The goods leave: the order records the shipment, the stock is issued."""
    step = LIFECYCLE.start("ship", actor=actor, document=delivery)
    locked = step.lock()
    lines = list(locked.lines.select_related("product", "lot"))
    today = timezone.localdate()
    expired = [
        _expired(row.lot, row.product.sku)
        for row in lines
        if row.lot is not None and row.lot.expires_on is not None and row.lot.expires_on < today
    ]
    if expired:
        raise ValidationError({"lines": expired})
    shipping: dict[int, Decimal] = defaultdict(Decimal)
    for row in lines:
        shipping[row.order_line_id] += row.quantity
    # The order first (its row, then its lines), the stock after: the same lock order
    # as confirming and cancelling, so they never wait on each other in a circle.
    order = order_lines_ship(actor=actor, order=locked.order, quantities=shipping)
    tracked = [row for row in lines if row.product.tracks_stock]
    if tracked:
        posting = Posting(actor, "delivery", locked.pk, locked.number)
        posting.lock(
            {(row.product_id, locked.location_id) for row in tracked},
            lots=[(row.lot_id, locked.location_id) for row in tracked if row.lot_id],
        )
        held = {
            row.order_line_id: row
            for row in rows_lock(
                Reservation.objects.filter(order_line__in=[r.order_line_id for r in tracked])
            )
        }
        for row in tracked:
            reservation = held.get(row.order_line_id)
            if reservation is not None and reservation.location_id == locked.location_id:
                take = min(reservation.quantity, row.quantity)
                posting.unreserve(row.product_id, locked.location_id, take)
                reservation.quantity -= take
            posting.move(
                StockMove.Kind.DELIVERY, row.product, locked.location_id, -row.quantity, lot=row.lot
            )
        if held:
            Reservation.objects.bulk_update(list(held.values()), ["quantity"])
        posting.save()
    fields: dict[str, Any] = {"shipped_at": timezone.now()}
    if carrier is not None:
        fields["carrier"] = _text(carrier, "carrier")
    if tracking_number is not None:
        fields["tracking_number"] = _text(tracking_number, "tracking_number")
    result = step.finish(fields=fields, data={"order": order.pk})
    result.order = order
    return result


@transaction.atomic
def delivery_deliver(*, actor: Actor, delivery: Delivery) -> Delivery:
    """Signed for: the order's lines record what arrived."""
    step = LIFECYCLE.start("deliver", actor=actor, document=delivery)
    locked = step.lock()
    arrived: dict[int, Decimal] = defaultdict(Decimal)
    for order_line_id, quantity in locked.lines.values_list("order_line_id", "quantity"):
        arrived[order_line_id] += quantity
    order = order_lines_deliver(actor=actor, order=locked.order, quantities=arrived)
    result = step.finish(fields={"delivered_at": timezone.now()})
    result.order = order
    return result


@transaction.atomic
def delivery_cancel(*, actor: Actor, delivery: Delivery) -> Delivery:
    """Drop a pick list that has not shipped; the order keeps its reservation."""
    return LIFECYCLE.run("cancel", actor=actor, document=delivery)


def deliveries_cancel_open(*, actor: Actor, order: Order) -> None:
    """The order is being cancelled (inside its step, which checked who may): its pick
    lists go with it."""
    for delivery in rows_lock(order.deliveries.filter(status=S.PICKING)):
        delivery.status = S.CANCELLED
        delivery.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="delivery.cancelled",
            target=delivery,
            data={"order_cancelled": order.pk},
        )
