"""`{{ order.gross_total|money:order.currency }}`: an amount as the workspace prints
amounts — `300,000.00 CNY`, or `¥300,000.00` when the company profile turns currency
symbols on (`CompanyProfile.show_currency_symbols`, read once per request)."""

from __future__ import annotations

from django import template

from tradepost.amounts import money_text
from tradepost.masterdata.selectors import currency_symbols_shown

register = template.Library()


@register.filter
def money(value, currency: str = "") -> str:
    if value is None or value == "":
        return ""
    return money_text(value, currency or "", symbol=currency_symbols_shown())
