"""How precise money, quantities and percentages are: one definition for the models,
the browser forms (`tradepost.workspace.forms`) and the API fields (`api.fields`).

Money is `Decimal` with 14 digits, 2 of them after the point; quantities 12 digits
with 3 places; a percentage 0–100 with 2 places. The API sends all three as strings
(DRF's default decimal coercion), so no client reads a float.
"""

from __future__ import annotations

from typing import Any

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
