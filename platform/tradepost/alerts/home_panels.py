"""The alerts panel of the home page (`workspace.dashboard`): the unresolved alerts the
person has, how many are past their deadline, the nearest few, and — for whoever has
people reporting to them — how many their team has open. Three queries: one aggregate
for theirs, one for the team's, one for the first rows."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tradepost.accounts.roles import Role
from tradepost.alerts import selectors
from tradepost.alerts.models import Alert
from tradepost.workspace.dashboard import HomePanel, register_home_panel

FIRST_ROWS = 5


def alerts_context(request: HttpRequest, today: datetime.date) -> dict[str, Any]:
    user = request.user
    now = timezone.now()
    unresolved = ~Q(state=Alert.State.RESOLVED)
    mine = selectors.alerts_visible_to(user, scope=selectors.MINE).filter(unresolved)
    figures = mine.aggregate(
        open=Count("pk"),
        late=Count("pk", filter=Q(deadline_at__lt=now)),
        escalated=Count("pk", filter=Q(level__gt=0)),
    )
    team_open = selectors.alerts_visible_to(user, scope=selectors.TEAM).filter(unresolved).count()
    first = list(mine.order_by("deadline_at", "-raised_at", "-pk")[:FIRST_ROWS])
    list_url = reverse("alerts:list")
    return figures | {
        "team_open": team_open,
        "rows": [(alert, selectors.alert_message(alert)) for alert in first],
        "mine_url": f"{list_url}?scope={selectors.MINE}&state=unresolved",
        "team_url": f"{list_url}?scope={selectors.TEAM}&state=unresolved",
        "now": now,
    }


def register() -> None:
    register_home_panel(
        HomePanel(
            key="alerts",
            title=_("Alerts"),
            template="alerts/home/alerts.html",
            context=alerts_context,
            roles=frozenset(
                {
                    Role.SALESPERSON,
                    Role.SALES_MANAGER,
                    Role.WAREHOUSE_MANAGER,
                    Role.FINANCE_MANAGER,
                    Role.EXECUTIVE,
                    Role.SYSTEM_ADMINISTRATOR,
                }
            ),
            permission="alerts.view_alert",
            order=15,
        )
    )
