"""The panels of the home page, registered by the apps that own their figures.

The home page (`workspace.views.home`) shows each signed-in person the panels of their
roles: a salesperson their targets, their day and their overdue receivables; a sales
manager the team's completion and the orders to review; the warehouse the deliveries due
and low stock; finance the aging and collections; executives and administrators the
company's figures with their trend. Someone with several roles gets the panels of each,
once (panels are keyed).

The workspace app sits below the domain apps and imports none of them, so each app
registers its panels from its `AppConfig.ready`, as it does for the customer 360° page
(`customers.panels`) and the activity feeds (`workspace.feed_targets`):

    # tradepost/alerts/home_panels.py
    from django.utils.translation import gettext_lazy as _

    from tradepost.workspace.dashboard import HomePanel, register_home_panel

    def _context(request, today):
        from tradepost.alerts.selectors import open_alerts_for

        alerts = open_alerts_for(request.user)
        return {"count": alerts.count(), "alerts": list(alerts[:5])}

    def register() -> None:
        register_home_panel(HomePanel(
            key="alerts",
            title=_("Alerts"),
            template="alerts/home/alerts.html",   # reads panel.context.count …
            context=_context,
            roles=frozenset({"sales_manager", "executive", "system_administrator"}),
            permission="alerts.view_alert",
            order=25,
        ))

    # tradepost/alerts/apps.py
    def ready(self) -> None:
        from tradepost.alerts import home_panels

        home_panels.register()

A panel's `context(request, today)` is called only for people it is shown to, and must
stay cheap: a fixed number of aggregate queries (COUNT / SUM … GROUP BY), never a query
per row, and every figure read through the app's `*_visible_to` scope rule. Its template
is included inside the panel's card (the page draws the card and its title) and reads
`panel.context`; every figure links to the list it summarises.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise


@dataclass(frozen=True)
class HomePanel:
    """One panel of the home page.

    `roles`: role codes (`accounts.roles.Role` values) whose holders see it;
    `permission`: besides, the permission they must hold (None: none); `order`: where
    it stands (lower first; the roles' own panels are 10–90 apart so others slot in);
    `wide`: spans the whole row on a wide screen (charts)."""

    key: str
    title: str | Promise
    template: str
    context: Callable[[HttpRequest, datetime.date], dict[str, Any]]
    roles: frozenset[str]
    permission: str | None = None
    order: int = 100
    wide: bool = False

    def shown_to(self, user: Any, roles: Iterable[str]) -> bool:
        if not self.roles.intersection(roles):
            return False
        return self.permission is None or bool(user.has_perm(self.permission))


@dataclass(frozen=True)
class RenderedPanel:
    key: str
    title: str | Promise
    template: str
    wide: bool
    context: dict[str, Any]


PANELS: dict[str, HomePanel] = {}


def register_home_panel(panel: HomePanel) -> None:
    """Add (or replace, by key) a panel of the home page."""
    PANELS[panel.key] = panel


def panels_for(user: Any) -> list[HomePanel]:
    """The panels `user` sees, in page order: those of each of their roles, once."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    roles = set(getattr(user, "roles", ()) or ())
    shown = [panel for panel in PANELS.values() if panel.shown_to(user, roles)]
    return sorted(shown, key=lambda panel: (panel.order, panel.key))


def panels_rendered(request: HttpRequest, today: datetime.date) -> list[RenderedPanel]:
    """The caller's panels with their figures, ready for `workspace/home.html`."""
    return [
        RenderedPanel(
            key=panel.key,
            title=panel.title,
            template=panel.template,
            wide=panel.wide,
            context=panel.context(request, today),
        )
        for panel in panels_for(request.user)
    ]
