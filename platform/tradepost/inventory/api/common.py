"""What the inventory endpoints share: short views of a product, a location and a lot
inside a row, the line input of the stock documents, and the base of their viewsets."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, serializers

from api.fields import QuantityField
from api.serializers import ReadSerializer, StrictSerializer, StringField
from api.views import CanView, ServiceViewSet
from tradepost.inventory.lines import StockLineInput
from tradepost.inventory.models import COST_DECIMAL_PLACES, COST_MAX_DIGITS, Lot
from tradepost.masterdata.models import Location, Product

COST_PERMISSION = "inventory.view_stock_cost"


def sees_cost(context: dict[str, Any]) -> bool:
    """Whether the request's caller may see what stock cost."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and user.has_perm(COST_PERMISSION))


class ProductBriefSerializer(ReadSerializer):
    class Meta:
        model = Product
        fields = ["id", "sku", "name"]


class LocationBriefSerializer(ReadSerializer):
    class Meta:
        model = Location
        fields = ["id", "code", "name"]


class LotBriefSerializer(ReadSerializer):
    class Meta:
        model = Lot
        fields = ["id", "number", "expires_on"]


class CostField(serializers.DecimalField):
    """A unit cost: 4 decimal places, zero or more."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        super().__init__(max_digits=COST_MAX_DIGITS, decimal_places=COST_DECIMAL_PLACES, **kwargs)


class ActiveLocationField(serializers.PrimaryKeyRelatedField):
    """An active warehouse or store, by id."""

    default_error_messages = {
        "does_not_exist": _(
            "Choose an active warehouse or store (no active location has id {pk_value})."
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Location.objects.filter(is_active=True))
        super().__init__(**kwargs)


class StockProductField(serializers.PrimaryKeyRelatedField):
    """An active product, by id (the service checks that it tracks stock)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Product.objects.filter(is_active=True))
        super().__init__(**kwargs)


class StockLineInputSerializer(StrictSerializer):
    """One line of a receipt, transfer or adjustment."""

    product = StockProductField()
    quantity = QuantityField(help_text="More than zero; up to 3 decimal places.")
    lot_number = StringField(
        required=False,
        allow_blank=True,
        max_length=60,
        help_text="The lot (batch) of a lot-tracked product; required for those.",
    )


def stock_lines(rows: list[dict[str, Any]]) -> list[StockLineInput]:
    """Validated line input as the services take it."""
    lines: list[StockLineInput] = []
    for row in rows:
        line: StockLineInput = {"product": row["product"], "quantity": row["quantity"]}
        for name in ("unit_cost", "lot_number", "expires_on"):
            if name in row:
                line[name] = row[name]
        lines.append(line)
    return lines


class WarehouseDocumentViewSet(ServiceViewSet):
    """A warehouse document: read with `view_<model>`, created with `add_<model>`
    (the model permissions of the caller's role); its steps (`POST …/{id}/<step>/`)
    need only read access here, and the service checks the step's own permission."""

    view_permission: str
    writes: tuple[str, ...] = ("create", "partial_update")

    def get_permissions(self):
        if self.action not in ("list", "retrieve", *self.writes):
            return [permissions.IsAuthenticated(), CanView(self.view_permission)]
        return super().get_permissions()
