"""The inventory menu (the bar above every inventory page). The header's "Inventory"
entry shows with `inventory.view_stockbalance`; each page here with its own view
permission."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tradepost.workspace.navigation import NavEntry

INVENTORY_NAVIGATION: list[NavEntry] = [
    NavEntry(_("Stock"), "inventory:stock", "inventory.view_stockbalance"),
    NavEntry(_("Deliveries"), "inventory:deliveries", "inventory.view_delivery"),
    NavEntry(_("Receipts"), "inventory:receipts", "inventory.view_receipt"),
    NavEntry(_("Transfers"), "inventory:transfers", "inventory.view_transfer"),
    NavEntry(_("Stocktakes"), "inventory:stocktakes", "inventory.view_stocktake"),
    NavEntry(_("Adjustments"), "inventory:adjustments", "inventory.view_stockadjustment"),
    NavEntry(_("Locations"), "inventory:locations", "masterdata.view_location"),
    NavEntry(_("Suppliers"), "inventory:suppliers", "masterdata.view_supplier"),
]


def inventory_entries_for(user) -> list[tuple[NavEntry, str]]:
    return [
        (entry, reverse(entry.url_name))
        for entry in INVENTORY_NAVIGATION
        if not entry.permission or user.has_perm(entry.permission)
    ]
