"""Reads of the alerts engine: whose alerts a person sees, the bell's unread count, a
person's notifications, and an alert's message in the reader's language.

Scope: everyone sees the alerts they have or were first given; a manager also those of
everyone reporting to them (directly or further down); executives and administrators
(`alerts.view_all_alerts`) every alert of the workspace. Dealers see none.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from tradepost.alerts.kinds import Kind
from tradepost.alerts.models import Alert, AlertRule, Notification
from tradepost.masterdata.selectors import reports_subtree_ids
from tradepost.principals import Actor

BELL_TIMEOUT = 300  # seconds: a bound on anything invalidation could miss

MINE = "mine"
TEAM = "team"
ALL = "all"


def bell_key(user_id: int) -> str:
    # The cache's key function adds the workspace's schema.
    return f"alerts:unread:{user_id}"


def alerts_visible_to(actor: Actor, *, scope: str = ALL) -> QuerySet[Alert]:
    """The alerts `actor` may see (see the module docstring); `scope` narrows them to
    `mine` (theirs) or `team` (their reports')."""
    if actor is None or not getattr(actor, "pk", None) or not actor.has_perm("alerts.view_alert"):
        return Alert.objects.none()
    rows = Alert.objects.all()
    mine = Q(assignee_id=actor.pk) | Q(responsible_id=actor.pk)
    team = Q(assignee_id__in=reports_subtree_ids(actor.pk)) | Q(
        responsible_id__in=reports_subtree_ids(actor.pk)
    )
    if scope == MINE:
        return rows.filter(mine)
    if scope == TEAM:
        return rows.filter(team).exclude(mine)
    if actor.has_perm("alerts.view_all_alerts"):
        return rows
    return rows.filter(mine | team)


def alert_list(actor: Actor, *, scope: str = ALL, state: str = "") -> QuerySet[Alert]:
    """Alerts for a list: the scope, an optional state (`unresolved`: open or
    acknowledged), the latest first, with the people shown."""
    rows = alerts_visible_to(actor, scope=scope)
    if state == "unresolved":
        rows = rows.exclude(state=Alert.State.RESOLVED)
    elif state in Alert.State.values:
        rows = rows.filter(state=state)
    return rows.select_related("assignee", "responsible").order_by("-raised_at", "-pk")


def alert_get(actor: Actor, alert_id: int | str) -> Alert:
    """One alert in the actor's scope (Alert.DoesNotExist for one out of it: the same
    answer as a missing one)."""
    return (
        alerts_visible_to(actor).select_related("assignee", "responsible", "rule").get(pk=alert_id)
    )


def alert_steps(alert: Alert) -> QuerySet[Any]:
    return alert.steps.select_related("actor", "to_user").order_by("at", "pk")


def open_alerts_for(user: Actor) -> QuerySet[Alert]:
    """The unresolved alerts `user` has now (for dashboards), the nearest deadline first."""
    if user is None or not getattr(user, "pk", None):
        return Alert.objects.none()
    return (
        Alert.objects.filter(assignee_id=user.pk)
        .exclude(state=Alert.State.RESOLVED)
        .order_by("deadline_at", "-raised_at", "-pk")
    )


def open_alert_count_for(user: Actor) -> int:
    """How many unresolved alerts `user` has (one COUNT on an index)."""
    return open_alerts_for(user).order_by().count()


def unread_count(user: Actor) -> int:
    """The bell's number: the user's unread notifications. Cached per person (zero
    queries); a miss costs one COUNT over a partial index. Every write that changes it
    drops the entry (`services.bell_forget`)."""
    if user is None or not getattr(user, "pk", None):
        return 0
    key = bell_key(int(user.pk))
    found = cache.get(key)
    if found is not None:
        return int(found)
    count = Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()
    cache.set(key, count, timeout=BELL_TIMEOUT)
    return count


def notifications_of(user: Actor, *, unread: bool = False) -> QuerySet[Notification]:
    """The user's notifications, the latest first, with their alerts."""
    if user is None or not getattr(user, "pk", None):
        return Notification.objects.none()
    rows = Notification.objects.filter(user_id=user.pk)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return rows.select_related("alert").order_by("-created_at", "-pk")


def rules() -> QuerySet[AlertRule]:
    return AlertRule.objects.select_related("responsible_user").order_by("pk")


def _number(value: Any, places: int = 0) -> str:
    """Grouped thousands in either language; `places` < 0 drops trailing zeros."""
    if value is None:
        return "—"
    return str(floatformat(value, f"{places}g"))


def alert_message(alert: Alert) -> str:
    """What the alert says, in the active language, from its kind and figures."""
    data = alert.data or {}
    label = alert.subject_label
    kind = alert.kind
    if kind == Kind.ORDER_SUBMITTED:
        return _("Order %(order)s was submitted for review.") % {"order": label}
    if kind == Kind.CREDIT_LIMIT:
        return _(
            "%(customer)s owes %(exposure)s %(currency)s, %(percent)s%% of a credit limit "
            "of %(limit)s %(currency)s."
        ) % {
            "customer": label,
            "exposure": _number(data.get("exposure"), 2),
            "limit": _number(data.get("limit"), 2),
            "currency": data.get("currency", ""),
            "percent": _number(data.get("percent")),
        }
    if kind == Kind.LARGE_DISCOUNT:
        return _("Order %(order)s has a line discount of %(discount)s%%.") % {
            "order": label,
            "discount": _number(data.get("discount"), 2),
        }
    if kind == Kind.RETURN_RECORDED:
        return _("Goods were returned against order %(order)s (return %(number)s).") % {
            "order": label,
            "number": data.get("return", "—"),
        }
    if kind == Kind.STOCK_LOW:
        return _("%(product)s: %(available)s available, under the reorder point of %(point)s.") % {
            "product": label,
            "available": _number(data.get("available"), -3),
            "point": _number(data.get("reorder_point"), -3),
        }
    if kind == Kind.INVOICE_OVERDUE:
        return _("Invoice %(invoice)s is %(days)s days past due.") % {
            "invoice": label,
            "days": data.get("days", 0),
        }
    if kind == Kind.REVIEW_WAITING:
        return _("Order %(order)s has waited %(hours)s hours for review.") % {
            "order": label,
            "hours": data.get("hours", 0),
        }
    if kind == Kind.CHURN:
        return _("%(customer)s has not ordered for %(days)s days (usually every %(usual)s).") % {
            "customer": label,
            "days": data.get("days", 0),
            "usual": _number(data.get("usual"), 0),
        }
    if kind == Kind.TARGET_BEHIND:
        return _("Target %(target)s is forecast at %(percent)s%% of its amount.") % {
            "target": label,
            "percent": _number(data.get("percent"), 1),
        }
    return label
