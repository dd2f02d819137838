"""The finance menu (the bar above every finance page). The header's "Finance" entry
shows with `settlement.view_invoice` (every role that claims expenses holds it); each
page here with its own permission, or its rule in `RULES`."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tradepost.lifecycle import Permission, permitted
from tradepost.settlement.expenses import EXPENSE_PAGES
from tradepost.settlement.journal import JOURNAL_EXPORT
from tradepost.settlement.profitability import PROFITABILITY
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
# Expenses and the accounting export: pages that more than one permission opens (any
# of the expense permissions; both of the export's), by `RULES`.
FINANCE_NAVIGATION += [
    NavEntry(_("Expenses"), "settlement:expenses"),
    NavEntry(_("Accounting export"), "settlement:journal"),
]
# Profitability: whoever reads invoices and rebates (`profitability.PROFITABILITY`).
FINANCE_NAVIGATION += [
    NavEntry(_("Profitability"), "settlement:profitability"),
]
RULES: dict[str, Permission] = {
    "settlement:expenses": EXPENSE_PAGES,
    "settlement:journal": JOURNAL_EXPORT,
    "settlement:profitability": PROFITABILITY,
}


def finance_entries_for(user) -> list[tuple[NavEntry, str]]:
    return [(entry, reverse(entry.url_name)) for entry in FINANCE_NAVIGATION if _shown(user, entry)]


def _shown(user, entry: NavEntry) -> bool:
    rule = RULES.get(entry.url_name)
    if rule is not None:
        return permitted(user, rule)
    return not entry.permission or user.has_perm(entry.permission)
