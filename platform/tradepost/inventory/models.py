"""Inventory and delivery (seed S1 仓库管理, S10): the stock ledger, the balances kept
from it, lots, order reservations, and the documents that move stock — deliveries,
receipts, transfers, stocktakes and adjustments.

Every table lives in the workspace's schema. Locations (warehouses, stores) and
suppliers are master data (`masterdata.Location`, `masterdata.Supplier`).

The ledger (`StockMove`) is append-only: one row per product, location (and lot) a
document changes, with a signed quantity. `StockBalance` (product × location) and
`LotBalance` (lot × location) carry its sums, updated in the same transaction under
`SELECT … FOR UPDATE` (`inventory.ledger`), and database CHECK constraints forbid a
negative on-hand, a negative reservation and a reservation above what is on hand.
`manage.py stock_check` proves the balances equal the ledger.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tradepost.amounts import QUANTITY
from tradepost.modelfields import quantity_field as _quantity
from tradepost.modelfields import user_field as _user

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MIN_QUANTITY = Decimal("0.001")
# Unit costs carry four places (a 3-for-1.00 item costs 0.3333).
COST_MAX_DIGITS = 18
COST_DECIMAL_PLACES = 4


def _cost(verbose_name: StrOrPromise, **kwargs: Any) -> models.DecimalField:
    kwargs.setdefault("default", Decimal("0"))
    return models.DecimalField(
        verbose_name, max_digits=COST_MAX_DIGITS, decimal_places=COST_DECIMAL_PLACES, **kwargs
    )


class Lot(models.Model):
    """A batch of a lot-tracked product: its number and expiry (批号/有效期)."""

    product = models.ForeignKey(
        "masterdata.Product",
        on_delete=models.PROTECT,
        related_name="lots",
        verbose_name=_("product"),
    )
    number = models.CharField(_("lot number"), max_length=60)
    expires_on = models.DateField(_("expires"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["expires_on", "number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="lot_unique_number")
        ]

    def __str__(self) -> str:
        return self.number


class StockBalance(models.Model):
    """What one location holds of one product, kept in step with the ledger.

    `on_hand`: the sum of the ledger's moves. `reserved`: promised to confirmed
    orders and not shipped yet. `available` = on hand − reserved. `in_transit`:
    transferred here and not received yet (not on hand anywhere). `average_cost`:
    moving average of what the stock here cost (receipts and transfers in).
    `reorder_point`: below this, the product is low here (`stock.low`); None: no
    threshold.
    """

    product = models.ForeignKey(
        "masterdata.Product",
        on_delete=models.PROTECT,
        related_name="stock_balances",
        verbose_name=_("product"),
    )
    location = models.ForeignKey(
        "masterdata.Location",
        on_delete=models.PROTECT,
        related_name="stock_balances",
        verbose_name=_("location"),
    )
    on_hand = _quantity(_("on hand"))
    reserved = _quantity(_("reserved"))
    in_transit = _quantity(_("in transit"))
    average_cost = _cost(_("average cost"))
    reorder_point = models.DecimalField(
        _("reorder point"), null=True, blank=True, validators=[MinValueValidator(0)], **QUANTITY
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        ordering = ["product", "location"]
        permissions = [("view_stock_cost", _("Can see what stock cost"))]
        constraints = [
            models.UniqueConstraint(fields=["product", "location"], name="stockbalance_unique"),
            models.CheckConstraint(
                condition=models.Q(on_hand__gte=0), name="stockbalance_on_hand_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(reserved__gte=0, reserved__lte=models.F("on_hand")),
                name="stockbalance_reserved_within_on_hand",
            ),
            models.CheckConstraint(
                condition=models.Q(in_transit__gte=0), name="stockbalance_in_transit_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["location", "product"], name="stockbalance_location")]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.location_id}: {self.on_hand:f}"

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved

    @property
    def is_low(self) -> bool:
        return self.reorder_point is not None and self.available < self.reorder_point


class LotBalance(models.Model):
    """What one location holds of one lot (lot-tracked products only)."""

    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, related_name="balances", verbose_name=_("lot")
    )
    location = models.ForeignKey(
        "masterdata.Location",
        on_delete=models.PROTECT,
        related_name="lot_balances",
        verbose_name=_("location"),
    )
    on_hand = _quantity(_("on hand"))

    class Meta:
        verbose_name = _("lot balance")
        verbose_name_plural = _("lot balances")
        constraints = [
            models.UniqueConstraint(fields=["lot", "location"], name="lotbalance_unique"),
            models.CheckConstraint(
                condition=models.Q(on_hand__gte=0), name="lotbalance_on_hand_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id}@{self.location_id}: {self.on_hand:f}"


class StockMove(models.Model):
    """One line of the stock ledger: `quantity` (signed) of a product (and lot) came
    into (+) or left (−) a location, caused by the document `document_type` /
    `document_id` (its number in `reference`). Never updated, never deleted: a database
    trigger refuses both (migration 0002); a mistake is corrected by a new move."""

    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening stock")
        RECEIPT = "receipt", _("Receipt")
        DELIVERY = "delivery", _("Delivery")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        RETURN = "return", _("Customer return")
        ADJUSTMENT = "adjustment", _("Adjustment")
        STOCKTAKE = "stocktake", _("Stocktake difference")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    product = models.ForeignKey(
        "masterdata.Product",
        on_delete=models.PROTECT,
        related_name="stock_moves",
        verbose_name=_("product"),
    )
    location = models.ForeignKey(
        "masterdata.Location",
        on_delete=models.PROTECT,
        related_name="stock_moves",
        verbose_name=_("location"),
    )
    lot = models.ForeignKey(
        Lot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="moves",
        verbose_name=_("lot"),
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit_cost = _cost(_("unit cost"))
    document_type = models.CharField(_("document"), max_length=30)
    document_id = models.BigIntegerField(_("document id"))
    reference = models.CharField(_("reference"), max_length=60)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = _user("+", _("by"))
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(quantity=0), name="stockmove_not_zero")
        ]
        indexes = [
            models.Index(fields=["product", "location", "created_at"], name="stockmove_card"),
            models.Index(fields=["document_type", "document_id"], name="stockmove_document"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.quantity:f} × {self.product_id}@{self.location_id}"


class Reservation(models.Model):
    """Stock promised to one confirmed order line at its order's warehouse: made on
    confirmation, reduced as deliveries ship, released when the order is cancelled.
    `quantity` is what is still held."""

    order = models.ForeignKey(
        "sales.Order",
        on_delete=models.CASCADE,
        related_name="reservations",
        verbose_name=_("order"),
    )
    order_line = models.OneToOneField(
        "sales.OrderLine",
        on_delete=models.CASCADE,
        related_name="reservation",
        verbose_name=_("order line"),
    )
    product = models.ForeignKey(
        "masterdata.Product",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product"),
    )
    location = models.ForeignKey(
        "masterdata.Location",
        on_delete=models.PROTECT,
        related_name="reservations",
        verbose_name=_("location"),
    )
    quantity = _quantity(_("reserved"))

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="reservation_not_negative"
            )
        ]
        indexes = [models.Index(fields=["product", "location"], name="reservation_product")]

    def __str__(self) -> str:
        return f"{self.order_line_id}: {self.quantity:f}"


# --- Documents ---------------------------------------------------------------------
class Delivery(models.Model):
    """Goods of one order leaving its warehouse (发货单): picked, shipped (stock
    issued), delivered (signed for). An order may have several (partial deliveries)."""

    class Status(models.TextChoices):
        PICKING = "picking", _("Picking")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("number"), max_length=40, unique=True)
    order = models.ForeignKey(
        "sales.Order",
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("order"),
    )
    location = models.ForeignKey(
        "masterdata.Location",
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("ship from"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PICKING, db_index=True
    )
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_by = _user("+", _("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number


class DeliveryLine(models.Model):
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="lines", verbose_name=_("delivery")
    )
    order_line = models.ForeignKey(
        "sales.OrderLine",
        on_delete=models.PROTECT,
        related_name="delivery_lines",
        verbose_name=_("order line"),
    )
    product = models.ForeignKey(
        "masterdata.Product",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product"),
    )
    lot = models.ForeignKey(
        Lot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lot"),
    )
    quantity = _quantity(_("quantity"), validators=[MinValueValidator(MIN_QUANTITY)])

    class Meta:
        verbose_name = _("delivery line")
        verbose_name_plural = _("delivery lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="deliveryline_positive")
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id}: {self.quantity:f} × {self.product_id}"


class Receipt(models.Model):
    """Goods in from a supplier (入库单), with what they cost: draft, then received
    (stock and moving-average cost updated)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RECEIVED = "received", _("Received")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("number"), max_length=40, unique=True)
    supplier = models.ForeignKey(
        "masterdata.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipts",
        verbose_name=_("supplier"),
    )
    location = models.ForeignKey(
        "masterdata.Location",
        on_delete=models.PROTECT,
        related_name="receipts",
        verbose_name=_("receive into"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    supplier_reference = models.CharField(_("supplier's reference"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    created_by = _user("+", _("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number


class ReceiptLine(models.Model):
    receipt = models.ForeignKey(
        Receipt, on_delete=models.CASCADE, related_name="lines", verbose_name=_("receipt")
    )
    product = models.ForeignKey(
        "masterdata.Product",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product"),
    )
    quantity = _quantity(_("quantity"), validators=[MinValueValidator(MIN_QUANTITY)])
    unit_cost = _cost(_("unit cost"), validators=[MinValueValidator(0)])
    lot_number = models.CharField(_("lot number"), max_length=60, blank=True)
    expires_on = models.DateField(_("expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("receipt line")
        verbose_name_plural = _("receipt lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="receiptline_positive"),
            models.CheckConstraint(condition=models.Q(unit_cost__gte=0), name="receiptline_cost"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id}: {self.quantity:f} × {self.product_id}"


class Transfer(models.Model):
    """Stock moving between two locations (调拨单, 异地调拨 between stores): requested,
    shipped (out of the source, in transit to the destination), received."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        SHIPPED = "shipped", _("In transit")
        RECEIVED = "received", _("Received")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("number"), max_length=40, unique=True)
    source = models.ForeignKey(
        "masterdata.Location",
        on_delete=models.PROTECT,
        related_name="transfers_out",
        verbose_name=_("from"),
    )
    destination = models.ForeignKey(
        "masterdata.Location",
        on_delete=models.PROTECT,
        related_name="transfers_in",
        verbose_name=_("to"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.REQUESTED,
        db_index=True,
    )
    notes = models.TextField(_("notes"), blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    created_by = _user("+", _("requested by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(source=models.F("destination")),
                name="transfer_between_two_places",
            )
        ]

    def __str__(self) -> str:
        return self.number


class TransferLine(models.Model):
    transfer = models.ForeignKey(
        Transfer, on_delete=models.CASCADE, related_name="lines", verbose_name=_("transfer")
    )
    product = models.ForeignKey(
        "masterdata.Product",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product"),
    )
    lot = models.ForeignKey(
        Lot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lot"),
    )
    quantity = _quantity(_("quantity"), validators=[MinValueValidator(MIN_QUANTITY)])
    unit_cost = _cost(_("unit cost"))

    class Meta:
        verbose_name = _("transfer line")
        verbose_name_plural = _("transfer lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="transferline_positive")
        ]

    def __str__(self) -> str:
        return f"{self.transfer_id}: {self.quantity:f} × {self.product_id}"


class Stocktake(models.Model):
    """A count of one location (盘点): the sheet lists what the ledger expects; the
    counted quantities are entered; posting writes the differences to the ledger."""

    class Status(models.TextChoices):
        COUNTING = "counting", _("Counting")
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("number"), max_length=40, unique=True)
    location = models.ForeignKey(
        "masterdata.Location",
        on_delete=models.PROTECT,
        related_name="stocktakes",
        verbose_name=_("location"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.COUNTING,
        db_index=True,
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)
    created_by = _user("+", _("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number


class StocktakeLine(models.Model):
    stocktake = models.ForeignKey(
        Stocktake, on_delete=models.CASCADE, related_name="lines", verbose_name=_("stocktake")
    )
    product = models.ForeignKey(
        "masterdata.Product",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product"),
    )
    lot = models.ForeignKey(
        Lot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lot"),
    )
    expected = _quantity(_("expected"))
    counted = models.DecimalField(_("counted"), null=True, blank=True, **QUANTITY)

    class Meta:
        verbose_name = _("stocktake line")
        verbose_name_plural = _("stocktake lines")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["stocktake", "product"],
                condition=models.Q(lot__isnull=True),
                name="stocktakeline_unique_product",
            ),
            models.UniqueConstraint(
                fields=["stocktake", "product", "lot"],
                condition=models.Q(lot__isnull=False),
                name="stocktakeline_unique_lot",
            ),
            models.CheckConstraint(
                condition=models.Q(counted__gte=0) | models.Q(counted__isnull=True),
                name="stocktakeline_counted_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stocktake_id}: {self.product_id}"


class StockAdjustment(models.Model):
    """A manual correction with a reason (breakage, found stock, opening stock),
    posted at once by a warehouse manager."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    location = models.ForeignKey(
        "masterdata.Location",
        on_delete=models.PROTECT,
        related_name="adjustments",
        verbose_name=_("location"),
    )
    reason = models.CharField(_("reason"), max_length=300)
    is_opening = models.BooleanField(_("opening stock"), default=False)
    created_by = _user("+", _("by"))
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("stock adjustment")
        verbose_name_plural = _("stock adjustments")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number


class StockAdjustmentLine(models.Model):
    adjustment = models.ForeignKey(
        StockAdjustment,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("adjustment"),
    )
    product = models.ForeignKey(
        "masterdata.Product",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product"),
    )
    lot = models.ForeignKey(
        Lot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lot"),
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit_cost = _cost(_("unit cost"))

    class Meta:
        verbose_name = _("adjustment line")
        verbose_name_plural = _("adjustment lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(quantity=0), name="adjustmentline_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.adjustment_id}: {self.quantity:f} × {self.product_id}"
