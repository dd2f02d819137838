"""The workspace's navigation. A module adds its entry here when it ships, so the
menu never links to a page that does not exist yet.

Entries with a `group` are gathered under one menu item of that name (a drop-down in
the header, a section of the phone menu), so the reports and the administration pages
do not push the modules onto a second row of the top bar."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    permission: str | None = None  # shown only to users holding it
    group: str | Promise | None = None  # gathered under this menu item


@dataclass(frozen=True)
class NavGroup:
    label: str | Promise
    entries: tuple[NavEntry, ...]


REPORTS = _("Reports")
SETTINGS = _("Settings")


NAVIGATION: list[NavEntry] = [
    NavEntry(_("Home"), "workspace:home"),
    NavEntry(_("Customers"), "customers:list", "customers.view_customer"),
    NavEntry(_("Sales"), "sales:my_day", "sales.view_order"),
    NavEntry(_("Inventory"), "inventory:stock", "inventory.view_stockbalance"),
    NavEntry(_("Finance"), "settlement:invoices", "settlement.view_invoice"),
    NavEntry(_("Targets"), "plans:targets", "plans.view_salestarget"),
    NavEntry(
        _("Monthly stock report"), "reports:stock_monthly", "reports.view_stockmonthly", REPORTS
    ),
    NavEntry(_("Customer value"), "reports:customer_value", "reports.view_customervalue", REPORTS),
    NavEntry(
        _("Sales drill-down"), "reports:sales_drilldown", "reports.view_salesmonthly", REPORTS
    ),
    NavEntry(_("Products"), "masterdata:product_list", "masterdata.view_product"),
    NavEntry(_("Users"), "accounts:users", "accounts.view_user", SETTINGS),
    NavEntry(_("API keys"), "api-web:keys", "api.view_apikey", SETTINGS),
    NavEntry(_("Webhooks"), "webhooks:list", "webhooks.view_webhookendpoint", SETTINGS),
    NavEntry(_("Billing"), "billing:overview", "billing.manage_billing", SETTINGS),
    NavEntry(_("Company"), "masterdata:company", "masterdata.change_companyprofile", SETTINGS),
    NavEntry(_("Alert rules"), "alerts:rules", "alerts.view_alertrule", SETTINGS),
]


def entries_for(user) -> list[NavEntry]:
    if not user.is_authenticated:
        return []
    return [
        entry for entry in NAVIGATION if entry.permission is None or user.has_perm(entry.permission)
    ]


def menu_for(user) -> list[NavEntry | NavGroup]:
    """The user's entries in menu order, each group gathered where its first entry is
    (a group holding a single entry is shown as that entry)."""
    order: list[NavEntry | str] = []
    groups: dict[str, list[NavEntry]] = {}
    labels: dict[str, str | Promise] = {}
    for entry in entries_for(user):
        if entry.group is None:
            order.append(entry)
            continue
        key = str(entry.group)
        if key not in groups:
            groups[key], labels[key] = [], entry.group
            order.append(key)
        groups[key].append(entry)
    items: list[NavEntry | NavGroup] = []
    for item in order:
        if isinstance(item, NavEntry):
            items.append(item)
        elif len(groups[item]) == 1:
            items.append(groups[item][0])
        else:
            items.append(NavGroup(labels[item], tuple(groups[item])))
    return items
