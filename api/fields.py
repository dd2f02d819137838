"""The API's decimal fields: money, quantities and percentages with the precision of
`tradepost.amounts`, sent as strings. Inputs refuse negatives unless a field says
`min_value=None` (a difference, a discount a service checks itself)."""

from __future__ import annotations

from rest_framework import serializers

from tradepost.amounts import MONEY, PERCENT, QUANTITY, decimal_kwargs


class MoneyField(serializers.DecimalField):
    """An amount: 14 digits, 2 places, not negative unless `min_value=None`."""

    def __init__(self, **kwargs):
        super().__init__(**decimal_kwargs(MONEY, kwargs, bounds={"min_value": 0}))


class QuantityField(serializers.DecimalField):
    """A quantity: 12 digits, 3 places, not negative unless `min_value=None`."""

    def __init__(self, **kwargs):
        super().__init__(**decimal_kwargs(QUANTITY, kwargs, bounds={"min_value": 0}))


class PercentField(serializers.DecimalField):
    """A percentage from 0 to 100 with 2 places."""

    def __init__(self, **kwargs):
        super().__init__(
            **decimal_kwargs(PERCENT, kwargs, bounds={"min_value": 0, "max_value": 100})
        )
