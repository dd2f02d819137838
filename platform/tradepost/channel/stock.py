"""Dealers' stock reports (社会库存): how much of a product a dealer holds on a day, as
the dealer reported it. The latest report on or before a date is the dealer's stock
then; price adjustments on reported stock read it (`channel.adjustments`).

A dealer user reports for its own record (its customer scope), sales staff for the
dealers in theirs. One report per dealer, product and day: reporting again the same
day replaces the quantity.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.access import ensure_writable
from tradepost.audit.services import audit_record
from tradepost.channel.checks import (
    date_in_range,
    dealer_required,
    product_required,
    quantity_value,
)
from tradepost.channel.models import DealerStockReport
from tradepost.channel.selectors import stock_reports_visible_to
from tradepost.customers.models import Customer
from tradepost.masterdata.models import Product
from tradepost.pricing import documents
from tradepost.principals import Actor


@transaction.atomic
def stock_report_create(
    *,
    actor: Actor,
    dealer: Customer,
    product: Product,
    quantity: Decimal,
    as_of: datetime.date | None = None,
) -> DealerStockReport:
    """Record how much of `product` the dealer holds on `as_of` (default: today).

    The dealer must be a reseller in the actor's scope — a dealer user reaches only
    its own record. The day may not be in the future. A second report for the same
    dealer, product and day replaces the first one's quantity; the returned report
    then carries `replaced_quantity` (the quantity it had), else that is None.
    """
    documents.require(actor, "channel.add_dealerstockreport")
    dealer_required(actor, dealer)
    if not dealer.is_active:
        raise ValidationError({"dealer": [_("This dealer is inactive.")]})
    product_required(product)
    amount = quantity_value(quantity)
    today = timezone.localdate()
    if as_of is not None and as_of > today:
        raise ValidationError({"as_of": [_("Stock can be reported up to today, not ahead.")]})
    as_of = date_in_range(as_of or today, "as_of", latest=today)
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
