"""How sales orders reserve, ship, are delivered and take returns through the stock
ledger: inventory's `sales.fulfilment.Fulfilment`, registered in `apps.py`.

Reservation, on confirmation (the order row already locked by the confirm step):
every stock-tracked line is held at the order's warehouse. The balance rows are locked
in primary-key order, so 50 orders confirming at once for the last 10 units queue on
the one row: exactly 10 are held, the others are refused with the short lines named
(code `insufficient_stock`), and a refused confirmation writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tradepost.inventory import deliveries
from tradepost.inventory.ledger import Posting
from tradepost.inventory.models import (
    Delivery,
    DeliveryLine,
    Reservation,
    StockBalance,
    StockMove,
)
from tradepost.lifecycle.rows import rows_lock
from tradepost.pricing.lines import decimal_text
from tradepost.principals import Actor
from tradepost.sales.models import Order, OrderReturn
from tradepost.sales.orders import order_lines_deliver


class StockFulfilment:
    def available(self, *, order: Order) -> Mapping[int, Decimal]:
        """Per stock-tracked line: available at the order's warehouse (one query)."""
        if order.warehouse_id is None:
            return {}
        lines = [line for line in order.lines.all() if line.product.tracks_stock]
        balances = {
            product_id: on_hand - reserved
            for product_id, on_hand, reserved in StockBalance.objects.filter(
                location_id=order.warehouse_id, product_id__in={line.product_id for line in lines}
            ).values_list("product_id", "on_hand", "reserved")
        }
        return {line.pk: balances.get(line.product_id, Decimal(0)) for line in lines}

    def reserve(self, *, actor: Actor, order: Order) -> None:
        # The lines `order_confirm` read under the order's lock, when it passes them.
        prefetched = "lines" in getattr(order, "_prefetched_objects_cache", {})
        lines = [
            line
            for line in (order.lines.all() if prefetched else order.lines.select_related("product"))
            if line.product.tracks_stock
        ]
        if not lines:
            return
        if order.warehouse_id is None:
            raise ValidationError({"warehouse": [_("Choose the warehouse this order ships from.")]})
        wanted: dict[int, Decimal] = defaultdict(Decimal)
        for line in lines:
            wanted[line.product_id] += line.quantity
        posting = Posting(actor, "order", order.pk, order.number or str(order.pk))
        posting.lock((product_id, order.warehouse_id) for product_id in wanted)
        short = []
        for line in lines:
            if not posting.reserve(line.product, order.warehouse_id, line.quantity):
                balance = posting.balance(line.product, order.warehouse_id)
                short.append(
                    _("Line %(position)s (%(sku)s): %(wanted)s wanted, %(left)s available.")
                    % {
                        "position": line.position,
                        "sku": line.product.sku,
                        "wanted": decimal_text(line.quantity),
                        "left": decimal_text(max(balance.available, Decimal(0))),
                    }
                )
        if short:
            raise ValidationError(
                {
                    "lines": [
                        ValidationError(message, code="insufficient_stock") for message in short
                    ]
                }
            )
        Reservation.objects.bulk_create(
            Reservation(
                order=order,
                order_line=line,
                product_id=line.product_id,
                location_id=order.warehouse_id,
                quantity=line.quantity,
            )
            for line in lines
        )
        posting.save()

    def release(self, *, actor: Actor, order: Order) -> None:
        deliveries.deliveries_cancel_open(actor=actor, order=order)
        held = rows_lock(Reservation.objects.filter(order=order, quantity__gt=0))
        if not held:
            return
        posting = Posting(actor, "order", order.pk, order.number or str(order.pk))
        posting.lock((row.product_id, row.location_id) for row in held)
        for row in held:
            posting.unreserve(row.product_id, row.location_id, row.quantity)
            row.quantity = Decimal(0)
        Reservation.objects.bulk_update(held, ["quantity"])
        posting.save()

    def ship(
        self, *, actor: Actor, order: Order, quantities: Mapping[int, Decimal] | None
    ) -> Order:
        delivery = deliveries.delivery_create(actor=actor, order=order, quantities=quantities)
        delivery = deliveries.delivery_ship(actor=actor, delivery=delivery)
        return delivery.order

    def deliver(self, *, actor: Actor, order: Order) -> Order:
        shipped = list(order.deliveries.filter(status=Delivery.Status.SHIPPED).order_by("pk"))
        if not shipped:
            # Shipped before deliveries existed (or without one): the lines say it all.
            return order_lines_deliver(actor=actor, order=order)
        for delivery in shipped:
            delivery = deliveries.delivery_deliver(actor=actor, delivery=delivery)
        return delivery.order

    def returned(self, *, actor: Actor, order_return: OrderReturn) -> None:
        """Returned goods go back on hand where they left from (the lot they left in)."""
        lines = list(order_return.lines.select_related("order_line__product"))
        tracked = [line for line in lines if line.order_line.product.tracks_stock]
        if not tracked:
            return
        shipped_from = {
            row.order_line_id: row
            for row in DeliveryLine.objects.filter(
                order_line__in=[line.order_line_id for line in tracked],
                delivery__status__in=[Delivery.Status.SHIPPED, Delivery.Status.DELIVERED],
            )
            .select_related("delivery", "lot")
            .order_by("pk")
        }
        order = order_return.order
        posting = Posting(actor, "return", order_return.pk, order_return.number)
        places = {}
        for line in tracked:
            sent = shipped_from.get(line.order_line_id)
            location_id = sent.delivery.location_id if sent else order.warehouse_id
            if location_id is None:
                continue
            places[line.pk] = (location_id, sent.lot if sent else None)
        posting.lock(
            (
                (line.order_line.product_id, places[line.pk][0])
                for line in tracked
                if line.pk in places
            ),
            lots=[(lot.pk, loc) for loc, lot in places.values() if lot is not None],
        )
        for line in tracked:
            if line.pk not in places:
                continue
            location_id, lot = places[line.pk]
            posting.move(
                StockMove.Kind.RETURN,
                line.order_line.product,
                location_id,
                line.quantity,
                lot=lot,
                reason=order_return.reason,
            )
        posting.save()
