"""The finance menu (the bar above every finance page). The header's "Finance" entry
shows with `settlement.view_invoice`; each page here with its own permission."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tradepost.workspace.navigation import NavEntry

FINANCE_NAVIGATION: list[NavEntry] = [
    NavEntry(_("Invoices"), "settlement:invoices", "settlement.view_invoice"),
    NavEntry(_("Payments"), "settlement:payments", "settlement.view_payment"),
    NavEntry(_("Receivables"), "settlement:receivables", "settlement.view_customeraccount"),
    NavEntry(_("Overdue"), "settlement:overdue", "settlement.view_customeraccount"),
    NavEntry(_("Exchange rates"), "settlement:exchange_rates", "settlement.view_exchangerate"),
    NavEntry(_("Settings"), "settlement:settings", "settlement.change_settlementsettings"),
]

# Rebates (返利): the rebates of the customers in scope; their rules are reached from there.
FINANCE_NAVIGATION += [
    NavEntry(_("Rebates"), "settlement:rebates", "settlement.view_rebate"),
]


def finance_entries_for(user) -> list[tuple[NavEntry, str]]:
    return [
        (entry, reverse(entry.url_name))
        for entry in FINANCE_NAVIGATION
        if not entry.permission or user.has_perm(entry.permission)
    ]
