"""The sales module's own menu (the bar above every sales page). An entry shows when
its page exists and the user holds its permission."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from tradepost.workspace.navigation import NavEntry

SALES_NAVIGATION: list[NavEntry] = [
    NavEntry(_("My day"), "sales:my_day", "sales.view_order"),
    NavEntry(_("Pipeline"), "sales:pipeline", "pipeline.view_opportunity"),
    NavEntry(_("Quotes"), "sales:quotes", "sales.view_quote"),
    NavEntry(_("Orders"), "sales:orders", "sales.view_order"),
    NavEntry(_("Promotions"), "sales:promotions", "pricing.view_promotion"),
    NavEntry(_("Price adjustments"), "sales:adjustments", "channel.view_priceadjustment"),
    NavEntry(_("Agreements"), "sales:agreements", "channel.view_agreement"),
    NavEntry(_("Demand plans"), "sales:demand_plans", "channel.view_demandplan"),
    NavEntry(_("Dealer stock"), "sales:stock_reports", "channel.view_dealerstockreport"),
]


def sales_entries_for(user) -> list[tuple[NavEntry, str]]:
    entries = []
    for entry in SALES_NAVIGATION:
        if entry.permission and not user.has_perm(entry.permission):
            continue
        try:
            entries.append((entry, reverse(entry.url_name)))
        except NoReverseMatch:
            continue
    return entries
