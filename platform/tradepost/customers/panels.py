"""Sections other modules add to the customer 360° page (orders, receivables …).

A module registers a `CustomerPanel` once, at import time of its `apps.ready()`:

    from tradepost.customers.panels import CustomerPanel, register_panel

    register_panel(CustomerPanel(
        key="orders",
        template="sales/customer_orders_panel.html",
        context=lambda request, customer: {"orders": orders_of(request.user, customer)},
        permission="sales.view_order",
    ))

The page includes each panel the user holds the permission for, after its own
sections, with the panel's context merged into `panel.context`. The customer is
already in the user's scope when `context` is called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from tradepost.customers.models import Customer


@dataclass(frozen=True)
class CustomerPanel:
    key: str
    template: str
    context: Callable[[HttpRequest, Customer], dict[str, Any]]
    permission: str | None = None


@dataclass(frozen=True)
class RenderedPanel:
    key: str
    template: str
    context: dict[str, Any]


PANELS: dict[str, CustomerPanel] = {}


def register_panel(panel: CustomerPanel) -> None:
    """Add (or replace, by key) a panel of the 360° page."""
    PANELS[panel.key] = panel


def panels_for(request: HttpRequest, customer: Customer) -> list[RenderedPanel]:
    return [
        RenderedPanel(panel.key, panel.template, panel.context(request, customer))
        for panel in PANELS.values()
        if panel.permission is None or request.user.has_perm(panel.permission)
    ]
