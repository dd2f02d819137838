"""How precise money, quantities and percentages are: one definition for the models,
the browser forms (`tradepost.workspace.forms`) and the API fields (`api.fields`).

Money is `Decimal` with 14 digits, 2 of them after the point; quantities 12 digits
with 3 places; a percentage 0–100 with 2 places. The API sends all three as strings
(DRF's default decimal coercion), so no client reads a float.

`money_text` is how an amount reads on pages and PDFs: `300,000.00 CNY`, or `¥300,000.00`
where the workspace shows currency symbols (the `money` template filter,
`tradepost.masterdata.templatetags.money`, reads that setting once per request).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import formats

MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2
QUANTITY_MAX_DIGITS = 12
QUANTITY_DECIMAL_PLACES = 3
PERCENT_MAX_DIGITS = 5
PERCENT_DECIMAL_PLACES = 2

MONEY: dict[str, Any] = {"max_digits": MONEY_MAX_DIGITS, "decimal_places": MONEY_DECIMAL_PLACES}
QUANTITY: dict[str, Any] = {
    "max_digits": QUANTITY_MAX_DIGITS,
    "decimal_places": QUANTITY_DECIMAL_PLACES,
}
PERCENT: dict[str, Any] = {
    "max_digits": PERCENT_MAX_DIGITS,
    "decimal_places": PERCENT_DECIMAL_PLACES,
}


def decimal_kwargs(precision: dict[str, int], kwargs: dict, *, bounds: dict) -> dict:
    """`kwargs` for a form or serializer DecimalField of `precision`, with the default
    `bounds` (e.g. `{"min_value": 0}`) unless the caller names them (None lifts one)."""
    return {**precision, **bounds, **kwargs}


# --- Amounts as people read them --------------------------------------------------------
# The sign a reader knows each currency by. CNY keeps the bare ¥ (the workspaces are
# Chinese businesses), so the yen is written JP¥; a currency not listed keeps its code.
CURRENCY_SYMBOLS = {
    "CNY": "¥",
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "JP¥",
    "KRW": "₩",
    "HKD": "HK$",
    "TWD": "NT$",
    "SGD": "S$",
    "AUD": "A$",
}


def money_text(value: Decimal | int | float | str, currency: str, *, symbol: bool) -> str:
    """`300,000.00 CNY`, or with `symbol` `¥300,000.00` (`-$1,200.00` below zero): two
    places rounded half up, grouped by thousands in the active language's format. A
    currency without a known symbol keeps its code; `currency` empty prints the number."""
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return ""
    digits = formats.number_format(abs(number), 2, use_l10n=True, force_grouping=True)
    sign = "-" if number < 0 else ""
    if symbol and currency in CURRENCY_SYMBOLS:
        return f"{sign}{CURRENCY_SYMBOLS[currency]}{digits}"
    return f"{sign}{digits} {currency}".rstrip()
