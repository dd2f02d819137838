"""`/api/v1/exchange-rates/`: what one unit of a currency was worth in the company's
base currency on a day (`settlement.services.exchange_rate_set`). Documents in another
currency than their customer's account convert at these. Finance enters them
(`settlement.add_exchangerate`); entering a day again replaces that day's rate."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status

from api.serializers import ReadSerializer, StrictSerializer
from api.views import ServiceViewSet
from tradepost.masterdata.models import Currency
from tradepost.settlement import selectors, services
from tradepost.settlement.filters import ExchangeRateApiFilter
from tradepost.settlement.models import RATE_DECIMAL_PLACES, RATE_MAX_DIGITS, ExchangeRate


class ExchangeRateSerializer(ReadSerializer):
    class Meta:
        model = ExchangeRate
        fields = ["id", "currency", "rate_date", "rate", "created_by", "created_at"]
        extra_kwargs = {
            "rate": {"help_text": "Base-currency units per unit of `currency`."},
        }


class ExchangeRateInputSerializer(StrictSerializer):
    currency = serializers.ChoiceField(
        choices=Currency.choices, help_text="Any currency but the base currency."
    )
    rate = serializers.DecimalField(
        max_digits=RATE_MAX_DIGITS,
        decimal_places=RATE_DECIMAL_PLACES,
        min_value=0,
        help_text="Base-currency units per unit of `currency`; more than zero.",
    )
    rate_date = serializers.DateField(required=False, help_text="Default today; at most tomorrow.")


@extend_schema_view(
    create=extend_schema(
        request=ExchangeRateInputSerializer,
        responses={status.HTTP_201_CREATED: ExchangeRateSerializer},
        summary="Enter a day's rate",
        description="Replaces the rate already entered for that currency and day. Needs "
        "`settlement.add_exchangerate`.",
    ),
)
class ExchangeRateViewSet(ServiceViewSet):
    """Exchange rates, the latest day first. Needs `settlement.view_exchangerate`."""

    serializer_class = ExchangeRateSerializer
    create_serializer_class = ExchangeRateInputSerializer
    filterset_class = ExchangeRateApiFilter
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["rate_date", "currency"]
    ordering = ["-rate_date", "currency"]
    answer_create_from_row = True

    def get_queryset(self):
        return selectors.exchange_rates().order_by("-rate_date", "currency")

    def service_create(self, data: dict[str, Any]) -> ExchangeRate:
        return services.exchange_rate_set(actor=self.request.user, **data)


ROUTES = [("exchange-rates", ExchangeRateViewSet, "exchange-rate")]
