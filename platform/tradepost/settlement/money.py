"""Exchange rates and conversion into an account's currency.

A rate says what one unit of a currency was worth in the company's base currency on a
day (`ExchangeRate`, entered by finance or imported). A document in currency D for an
account kept in currency A converts at `rate(D, day) / rate(A, day)` — the latest rate
on or before the document's date for each; the base currency's rate is 1. The factor is
kept on the document (eight places) and the converted amount is rounded once, half up,
to the cent: `account_amount = round(document_amount × factor, 2)`.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tradepost.masterdata import selectors as masterdata_selectors
from tradepost.pricing.lines import money
from tradepost.settlement.models import RATE_DECIMAL_PLACES, ExchangeRate

ONE = Decimal("1")
RATE_PLACES = Decimal(1).scaleb(-RATE_DECIMAL_PLACES)


def base_currency() -> str:
    return masterdata_selectors.company_profile().base_currency


def rate_on(currency: str, day: datetime.date, *, base: str | None = None) -> Decimal:
    """Base-currency units per unit of `currency` on `day` (the latest rate entered on
    or before it); 1 for the base currency. A clear error when none is entered."""
    if currency == (base or base_currency()):
        return ONE
    rate = (
        ExchangeRate.objects.filter(currency=currency, rate_date__lte=day)
        .order_by("-rate_date")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise ValidationError(
            {
                "currency": [
                    _("No exchange rate for %(currency)s on or before %(date)s: enter one first.")
                    % {"currency": currency, "date": day.isoformat()}
                ]
            }
        )
    return rate


def factor(document_currency: str, account_currency: str, day: datetime.date) -> Decimal:
    """Account-currency units per unit of the document's currency on `day`."""
    if document_currency == account_currency:
        return ONE
    base = base_currency()
    ratio = rate_on(document_currency, day, base=base) / rate_on(account_currency, day, base=base)
    return ratio.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def converted(amount: Decimal, rate: Decimal) -> Decimal:
    """`amount` of a document in the account's currency (rounded half up to the cent)."""
    return money(amount * rate)
