"""Master agreements (seed S2: a framework contract signed once, local orders placed
under it): agreed prices and quantity caps per product for a period.

An order under an agreement takes the agreement's prices (a product not in it is
refused) and may not push the quantity ordered under the agreement — over every
order not cancelled or rejected — past a line's cap. The check runs with the
agreement's row locked, so two orders racing for the last units cannot both pass.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from tradepost.sales.models import Agreement, Order, OrderLine

# Orders whose quantities count against an agreement's caps.
COUNTED_STATUSES = [
    status
    for status in Order.Status.values
    if status not in (Order.Status.CANCELLED, Order.Status.REJECTED)
]


def agreement_prices(agreement: Agreement) -> dict[int, Decimal]:
    return dict(agreement.lines.values_list("product_id", "unit_price"))


def agreement_check_usable(agreement: Agreement, *, customer, on_date: datetime.date) -> None:
    """The agreement must be active, the customer's, and cover `on_date`."""
    if agreement.customer_id != customer.pk:
        raise ValidationError({"agreement": [_("This agreement belongs to another customer.")]})
    if agreement.status != Agreement.Status.ACTIVE:
        raise ValidationError({"agreement": [_("Only an active agreement takes orders.")]})
    if not agreement.starts_on <= on_date <= agreement.ends_on:
        raise ValidationError(
            {
                "agreement": [
                    _("The agreement runs from %(start)s to %(end)s; the order date is outside.")
                    % {"start": agreement.starts_on, "end": agreement.ends_on}
                ]
            }
        )


def agreement_caps_check(
    agreement: Agreement,
    quantities: dict[int, Decimal],
    *,
    exclude_order_id: int | None = None,
) -> None:
    """Refuse when ordering `quantities` (product id → quantity) would exceed a cap.

    Locks the agreement row first; call inside the transaction that saves the order.
    """
    Agreement.objects.select_for_update().filter(pk=agreement.pk).first()
    caps, skus = {}, {}
    for product_id, cap, sku in agreement.lines.values_list(
        "product_id", "max_quantity", "product__sku"
    ):
        skus[product_id] = sku
        if cap is not None:
            caps[product_id] = cap
    if not caps:
        return
    used_rows = (
        OrderLine.objects.filter(
            order__agreement=agreement,
            order__status__in=COUNTED_STATUSES,
            product_id__in=list(caps),
        )
        .exclude(order_id=exclude_order_id)
        .values("product_id")
        .annotate(total=Sum("quantity"))
    )
    used = {row["product_id"]: row["total"] for row in used_rows}
    errors = []
    for product_id, quantity in quantities.items():
        cap = caps.get(product_id)
        if cap is None:
            continue
        already = used.get(product_id) or Decimal("0")
        if already + quantity > cap:
            errors.append(
                _(
                    "The agreement caps product %(product)s at %(cap)s; %(used)s is already "
                    "ordered, so at most %(left)s more."
                )
                % {
                    "product": skus[product_id],
                    "cap": cap.normalize(),
                    "used": already.normalize(),
                    "left": max(cap - already, Decimal("0")).normalize(),
                }
            )
    if errors:
        raise ValidationError({"lines": errors})
