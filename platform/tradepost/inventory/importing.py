"""Opening stock in CSV and Excel files: the `opening_stock` resource of
tradepost.dataio.

Import: each row is a quantity of a product at a location — columns location (code or
name), sku, quantity, unit_cost, and for a lot-tracked product lot_number and
expires_on (headers in English or Chinese). The whole file is checked first and every
problem reported by row; only a file without any is posted, as one opening-stock
adjustment per location (`adjustments.adjustment_post`), all in one transaction.

Export: the stock on hand per product and location with its average cost — a file
that imports into a new workspace as its opening stock. Only for those who may see
costs (`inventory.view_stock_cost`).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tradepost.audit.services import audit_record
from tradepost.dataio import spec as dataio
from tradepost.dataio.parsers import decimal_parser, iso_date, lookup_parser, lookup_table
from tradepost.inventory.adjustments import adjustment_post
from tradepost.inventory.lines import StockLineInput
from tradepost.inventory.models import StockBalance
from tradepost.masterdata.models import Location, Product
from tradepost.principals import Actor

REASON = "Opening stock (imported)"


def _prepare(actor: Actor) -> dict[str, Any]:
    locations = list(Location.objects.filter(is_active=True).only("pk", "name", "code"))
    table = lookup_table([(location.name, location) for location in locations])
    table.update({location.code.casefold(): location for location in locations})
    products = Product.objects.filter(is_active=True).only(
        "pk", "sku", "name", "tracks_stock", "lot_tracked"
    )
    return {"locations": table, "products": {p.sku.casefold(): p for p in products}}


_decimal = decimal_parser(StockBalance._meta.get_field("on_hand"))


def _quantity(text: str, context: dict[str, Any]) -> Decimal:
    value: Decimal = _decimal(text, context)
    if value <= 0:
        raise ValidationError(_("Enter a quantity above zero."))
    return value


def _text(text: str, context: dict[str, Any]) -> str:
    if len(text) > 60:
        raise ValidationError(_("Use at most 60 characters."))
    return text


def _check(rows: list[Any], context: dict[str, Any], report: Any) -> None:
    """Every product keeps stock; a lot-tracked one names its lot, another none."""
    for row in rows:
        product = row.values.get("product")
        if product is None:
            continue
        if not product.tracks_stock:
            report.add_error(
                row.row, "sku", row.cells.get("sku", ""), _("This product does not track stock.")
            )
        lot = row.values.get("lot_number")
        if product.lot_tracked and not lot:
            report.add_error(row.row, "lot_number", "", _("Enter the lot number."))
        if lot and not product.lot_tracked:
            report.add_error(row.row, "lot_number", lot, _("This product does not track lots."))


def _apply(actor: Actor, rows: list[Any], context: dict[str, Any]) -> tuple[int, int]:
    by_location: dict[Location, list[StockLineInput]] = defaultdict(list)
    for row in rows:
        values = row.values
        by_location[values["location"]].append(
            {
                "product": values["product"],
                "quantity": values["on_hand"],
                "unit_cost": values.get("average_cost"),
                "lot_number": values.get("lot_number") or "",
                "expires_on": values.get("expires_on"),
            }
        )
    for location, lines in sorted(by_location.items(), key=lambda item: item[0].pk):
        adjustment_post(actor=actor, location=location, lines=lines, reason=REASON, opening=True)
    return len(rows), 0


def _finished(actor: Actor, created: int, updated: int) -> None:
    audit_record(actor=actor, action="stock.opening_imported", data={"rows": created})


def _visible(actor: Actor) -> QuerySet[StockBalance]:
    if actor is None or not actor.has_perm("inventory.view_stock_cost"):
        return StockBalance.objects.none()
    return StockBalance.objects.filter(on_hand__gt=0)


def _row_key(cells: dict[str, str]) -> str:
    return "|".join(cells.get(name, "") for name in ("location", "sku", "lot_number"))


OPENING_STOCK = dataio.register(
    dataio.ResourceSpec(
        name="opening_stock",
        label=gettext_lazy("opening stock"),
        model=StockBalance,
        key="sku",
        row_key=_row_key,
        columns=[
            dataio.Column(
                "location",
                required=True,
                parse=lookup_parser("locations", gettext_lazy("No location “%(value)s”.")),
                export=lambda balance: balance.location.code,
                aliases=("warehouse", "仓库", "门店", "库位"),
            ),
            dataio.Column(
                "sku",
                field="product",
                required=True,
                parse=lookup_parser("products", gettext_lazy("No product with SKU “%(value)s”.")),
                export=lambda balance: balance.product.sku,
                aliases=("SKU", "编码", "商品编码"),
            ),
            dataio.Column(
                "quantity",
                field="on_hand",
                required=True,
                parse=_quantity,
                aliases=("数量", "期初数量"),
            ),
            dataio.Column("unit_cost", field="average_cost", aliases=("cost", "单位成本", "成本")),
            dataio.Column(
                "lot_number", parse=_text, export=lambda balance: "", aliases=("lot", "批号")
            ),
            dataio.Column(
                "expires_on",
                parse=iso_date,
                export=lambda balance: "",
                aliases=("expiry", "有效期", "到期日"),
            ),
        ],
        queryset=_visible,
        prepare=_prepare,
        check=_check,
        apply=_apply,
        finished=_finished,
        export_queryset=lambda queryset: queryset.select_related("location", "product"),
        list_url="inventory:stock",
    )
)
