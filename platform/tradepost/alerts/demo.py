"""Demo alerts: the sales seed's submissions and returns have raised their event alerts
already (the rules run on the events); this runs the scheduled rules once (low stock,
overdue invoices, orders waiting, churn, targets behind) and lets one alert miss its
deadline, so the list shows open alerts, the bell a count and one alert an escalation
up the demo's reporting chain.

Idempotent: nothing when an alert has been escalated already."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from tradepost.accounts.models import User
from tradepost.alerts import checks, services
from tradepost.alerts.models import Alert, AlertStep


def seed_demo(*, actor: User) -> int:
    """Raise the demo's alerts; returns how many alerts the workspace has."""
    if AlertStep.objects.filter(action=AlertStep.Action.ESCALATED).exists():
        return Alert.objects.count()
    now = timezone.now()
    checks.run_scheduled(now=now)
    unresolved = Alert.objects.exclude(state=Alert.State.RESOLVED).order_by("raised_at", "pk")
    # One alert a salesperson let pass (up to their manager) and one a manager let pass
    # (up to `actor`, the owner, whose bell then shows it).
    late = [
        alert.pk
        for alert in (
            unresolved.filter(assignee__staff_profile__manager__isnull=False)
            .exclude(assignee__staff_profile__manager=actor)
            .first(),
            unresolved.filter(assignee__staff_profile__manager=actor).first(),
        )
        if alert is not None
    ]
    with transaction.atomic():
        # As if nobody had acted in time: the deadline passed an hour ago.
        Alert.objects.filter(pk__in=late).update(deadline_at=now - datetime.timedelta(hours=1))
    for pk in late:
        services.alert_escalate(pk, now=now)
    services.due_reset()
    return Alert.objects.count()
