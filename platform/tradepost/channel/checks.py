"""Checks the channel services share on what they are given: a date in range, a
quantity, a dealer in the actor's scope, a product."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tradepost.customers.models import Customer
from tradepost.customers.selectors import customer_is_visible
from tradepost.masterdata.models import Product
from tradepost.pricing import documents
from tradepost.principals import Actor

EARLIEST_DATE = datetime.date(2000, 1, 1)


def date_in_range(value: datetime.date, field: str, *, latest: datetime.date) -> datetime.date:
    """A date between `EARLIEST_DATE` and `latest` (so the look-back stays a date)."""
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


def quantity_value(value: Decimal) -> Decimal:
    """A quantity (not negative, three places) the quantity columns hold."""
    return documents.decimal_checked(
        value,
        field="quantity",
        places=documents.QUANTITY_PLACES,
        maximum=documents.MAX_QUANTITY,
    )


def dealer_required(actor: Actor, dealer: Customer, field: str = "dealer") -> Customer:
    """A reseller customer in the actor's scope (others are refused like missing ones)."""
    if not isinstance(dealer, Customer) or not customer_is_visible(actor, dealer.pk):
        raise ValidationError({field: [_("Select a valid dealer.")]})
    if not dealer.is_reseller:
        raise ValidationError({field: [_("Only dealers and franchisees hold stock for resale.")]})
    return dealer


def product_required(product: Product) -> Product:
    if not isinstance(product, Product) or product.pk is None:
        raise ValidationError({"product": [_("Select a product.")]})
    return product
