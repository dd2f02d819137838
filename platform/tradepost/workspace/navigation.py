"""The workspace's navigation. A module adds its entry here when it ships, so the
menu never links to a page that does not exist yet."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    permission: str | None = None  # shown only to users holding it


NAVIGATION: list[NavEntry] = [
    NavEntry(_("Home"), "workspace:home"),
    NavEntry(_("Customers"), "customers:list", "customers.view_customer"),
    NavEntry(_("Sales"), "sales:my_day", "sales.view_order"),
    NavEntry(_("Inventory"), "inventory:stock", "inventory.view_stockbalance"),
    NavEntry(_("Finance"), "settlement:invoices", "settlement.view_invoice"),
    NavEntry(_("Targets"), "plans:targets", "plans.view_salestarget"),
    NavEntry(_("Reports"), "reports:stock_monthly", "reports.view_stockmonthly"),
    NavEntry(_("Products"), "masterdata:product_list", "masterdata.view_product"),
    NavEntry(_("Users"), "accounts:users", "accounts.view_user"),
    NavEntry(_("API keys"), "api-web:keys", "api.view_apikey"),
    NavEntry(_("Webhooks"), "webhooks:list", "webhooks.view_webhookendpoint"),
    NavEntry(_("Billing"), "billing:overview", "billing.manage_billing"),
    NavEntry(_("Company"), "masterdata:company", "masterdata.change_companyprofile"),
]


def entries_for(user) -> list[NavEntry]:
    if not user.is_authenticated:
        return []
    return [
        entry for entry in NAVIGATION if entry.permission is None or user.has_perm(entry.permission)
    ]
