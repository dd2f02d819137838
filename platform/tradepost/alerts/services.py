"""The writes of the alerts engine: rules kept, alerts raised, escalated, acknowledged
and resolved, notifications read, and the workspace's due time in the public index.

Rules the module keeps:
- one unresolved alert per rule and subject (`alert_raise` returns None for a second;
  the partial unique index settles two raised at once);
- an alert unresolved past its deadline goes one level up the reporting chain of the
  person who has it, with a fresh deadline (`alerts_escalate_due`); rows are locked and
  re-checked, so two escalation runs at once move an alert one level, not two; with
  nobody above (the top of the chain, no executive) the deadline is cleared;
- the workspace's due time (`due.WorkspaceDue`) is never later than its next scheduled
  check or unresolved deadline: every write that sets one moves it in the same
  transaction (`due_touch`); a run recomputes it under the row's lock (`due_reset`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.models import Tenant
from tradepost import events
from tradepost.accounts.roles import Role
from tradepost.alerts.due.models import WorkspaceDue
from tradepost.alerts.kinds import (
    CHECK_EVERY_HOURS_MAX,
    DEADLINE_HOURS_MAX,
    SPECS,
    Responsible,
)
from tradepost.alerts.models import Alert, AlertRule, AlertStep, Notification
from tradepost.alerts.selectors import alerts_visible_to, bell_key
from tradepost.audit.services import audit_record
from tradepost.background import enqueue_on_commit
from tradepost.masterdata.selectors import reporting_chain
from tradepost.principals import Actor

MAIL_TASK = "tradepost.alerts.tasks.alert_mail"
DEDUPE_CONSTRAINT = "alerts_one_open_per_rule_subject"
NOTE_MAX = 500
DUE_TABLE = f"public.{WorkspaceDue._meta.db_table}"
TENANT_TABLE = f"public.{Tenant._meta.db_table}"


# --- The public due index ---------------------------------------------------------------
def _schema() -> str | None:
    schema = getattr(connection, "schema_name", "public")
    return None if schema == "public" else str(schema)


# The workspace is found by its schema (in a task or `schema_context` the connection's
# tenant is a stand-in without an id), inside the one statement.
_TOUCH = (
    f"INSERT INTO {DUE_TABLE} (tenant_id, due_at) "  # noqa: S608  # constant names
    f"SELECT id, %s FROM {TENANT_TABLE} WHERE schema_name = %s "
    "ON CONFLICT (tenant_id) DO UPDATE "
    f"SET due_at = LEAST({DUE_TABLE}.due_at, EXCLUDED.due_at)"
)
_LOCK = (
    f"SELECT due.due_at FROM {DUE_TABLE} due JOIN {TENANT_TABLE} t ON t.id = due.tenant_id "  # noqa: S608
    "WHERE t.schema_name = %s FOR UPDATE OF due"
)
_SET = (
    f"INSERT INTO {DUE_TABLE} (tenant_id, due_at) "  # noqa: S608
    f"SELECT id, %s FROM {TENANT_TABLE} WHERE schema_name = %s "
    "ON CONFLICT (tenant_id) DO UPDATE SET due_at = EXCLUDED.due_at"
)
_DROP = (
    f"DELETE FROM {DUE_TABLE} WHERE tenant_id = "  # noqa: S608
    f"(SELECT id FROM {TENANT_TABLE} WHERE schema_name = %s)"
)


def due_touch(at: datetime.datetime | None) -> None:
    """Make this workspace due no later than `at` (in the caller's transaction)."""
    schema = _schema()
    if at is None or schema is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(_TOUCH, [at, schema])


def due_next() -> datetime.datetime | None:
    """The earliest of the enabled scheduled rules' next checks and the unresolved
    alerts' deadlines: when this workspace next has work (None: nothing to do)."""
    scheduled = [kind for kind, spec in SPECS.items() if spec.scheduled]
    rules = AlertRule.objects.filter(kind__in=scheduled, enabled=True).aggregate(
        at=Min("next_run_at")
    )["at"]
    deadlines = (
        Alert.objects.exclude(state=Alert.State.RESOLVED)
        .filter(deadline_at__isnull=False)
        .aggregate(at=Min("deadline_at"))["at"]
    )
    times = [at for at in (rules, deadlines) if at is not None]
    return min(times) if times else None


@transaction.atomic
def due_reset() -> datetime.datetime | None:
    """Set this workspace's due time to `due_next()`, under the index row's lock: a
    transaction that moves it earlier meanwhile waits and then applies LEAST on top."""
    schema = _schema()
    if schema is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_LOCK, [schema])
        at = due_next()
        if at is None:
            cursor.execute(_DROP, [schema])
        else:
            cursor.execute(_SET, [at, schema])
    return at


# --- Rules --------------------------------------------------------------------------------
def rules_ensure_defaults(sender: Any = None, using: str = "default", **kwargs: Any) -> None:
    """Create the missing rules of every kind with their defaults (post_migrate of the
    alerts app in a workspace schema; also the template, so every new workspace has
    them). Rules that exist are left as their administrators set them."""
    if sender is not None and getattr(sender, "label", None) != "alerts":
        return
    if connection.schema_name == "public":  # type: ignore[attr-defined]
        return  # alerts are a workspace matter
    now = timezone.now()
    existing = set(AlertRule.objects.using(using).values_list("kind", flat=True))
    AlertRule.objects.using(using).bulk_create(
        [
            AlertRule(
                kind=kind,
                enabled=True,
                threshold=spec.threshold.default if spec.threshold else None,
                deadline_hours=spec.deadline_hours,
                responsible=spec.responsible,
                check_every_hours=spec.check_every_hours,
                next_run_at=now if spec.scheduled else None,
            )
            for kind, spec in SPECS.items()
            if kind not in existing
        ]
    )


def rule_validate(
    *,
    rule: AlertRule,
    threshold: Decimal | None,
    deadline_hours: int,
    responsible: str,
    responsible_user: Any | None,
    check_every_hours: int | None,
) -> None:
    """The rule's fields within the bounds of its kind (a ValidationError per field)."""
    spec = SPECS[rule.kind]
    errors: dict[str, list[str]] = {}
    bounds = spec.threshold
    if bounds is None:
        if threshold is not None:
            errors["threshold"] = [_("This kind of rule has no threshold.")]
    elif threshold is None or not threshold.is_finite():
        errors["threshold"] = [_("Enter the threshold.")]
    elif not bounds.minimum <= threshold <= bounds.maximum:
        errors["threshold"] = [
            _("Enter a number from %(min)s to %(max)s.")
            % {"min": bounds.minimum, "max": bounds.maximum}
        ]
    elif threshold != threshold.quantize(Decimal(1)):
        errors["threshold"] = [_("Enter a whole number.")]
    if not 1 <= deadline_hours <= DEADLINE_HOURS_MAX:
        errors["deadline_hours"] = [
            _("Enter a number of hours from 1 to %(max)s.") % {"max": DEADLINE_HOURS_MAX}
        ]
    if responsible not in Responsible.values:
        errors["responsible"] = [_("Choose who is responsible.")]
    elif responsible == Responsible.PERSON:
        if responsible_user is None:
            errors["responsible_user"] = [_("Choose the person responsible.")]
        elif (
            not responsible_user.is_active
            or responsible_user.groups.filter(name=Role.DEALER.value).exists()
        ):
            errors["responsible_user"] = [_("Choose an active member of staff.")]
    if spec.scheduled:
        if check_every_hours is None or not 1 <= check_every_hours <= CHECK_EVERY_HOURS_MAX:
            errors["check_every_hours"] = [
                _("Enter a number of hours from 1 to %(max)s.") % {"max": CHECK_EVERY_HOURS_MAX}
            ]
    elif check_every_hours is not None:
        errors["check_every_hours"] = [_("Rules on events are not checked on a schedule.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def rule_update(
    *,
    actor: Actor,
    rule: AlertRule,
    enabled: bool,
    threshold: Decimal | None,
    deadline_hours: int,
    responsible: str,
    responsible_user: Any | None = None,
    check_every_hours: int | None = None,
) -> AlertRule:
    """Change a rule (administrators and executives: `alerts.change_alertrule`). A
    scheduled rule switched on or given a new interval is checked at the next beat."""
    if actor is None or not actor.has_perm("alerts.change_alertrule"):
        raise PermissionDenied(_("You do not have permission to do this."))
    rule_validate(
        rule=rule,
        threshold=threshold,
        deadline_hours=deadline_hours,
        responsible=responsible,
        responsible_user=responsible_user,
        check_every_hours=check_every_hours,
    )
    locked = AlertRule.objects.select_for_update().get(pk=rule.pk)
    before = {
        "enabled": locked.enabled,
        "threshold": str(locked.threshold) if locked.threshold is not None else None,
        "deadline_hours": locked.deadline_hours,
        "responsible": locked.responsible,
        "responsible_user": locked.responsible_user_id,
        "check_every_hours": locked.check_every_hours,
    }
    rerun = SPECS[locked.kind].scheduled and (
        (enabled and not locked.enabled) or check_every_hours != locked.check_every_hours
    )
    locked.enabled = enabled
    locked.threshold = threshold
    locked.deadline_hours = deadline_hours
    locked.responsible = responsible
    locked.responsible_user = responsible_user if responsible == Responsible.PERSON else None
    locked.check_every_hours = check_every_hours
    if rerun:
        locked.next_run_at = timezone.now()
    locked.save()
    if rerun:
        due_touch(locked.next_run_at)
    after = {
        "enabled": enabled,
        "threshold": str(threshold) if threshold is not None else None,
        "deadline_hours": deadline_hours,
        "responsible": locked.responsible,
        "responsible_user": locked.responsible_user_id,
        "check_every_hours": check_every_hours,
    }
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    audit_record(actor=actor, action="alert_rule.updated", target=locked, data=changed)
    return locked


# --- Who is responsible -------------------------------------------------------------------
def _first_with_role(role: Role, *, excluding: int | None = None) -> Any | None:
    people = get_user_model().objects.filter(is_active=True, groups__name=role.value)
    if excluding is not None:
        people = people.exclude(pk=excluding)
    return people.order_by("pk").first()


def workspace_lead() -> Any | None:
    """Whoever runs the workspace: an executive, else the system administrator."""
    return _first_with_role(Role.EXECUTIVE) or _first_with_role(Role.SYSTEM_ADMINISTRATOR)


def responsible_for(rule: AlertRule, *, owner: Any | None) -> Any | None:
    """The person an alert of `rule` goes to first; `owner` is the salesperson of the
    subject (the order's, the customer's, the target's). When the rule's choice finds
    nobody (no owner, no manager, nobody in the role), an executive has it."""
    choice = rule.responsible
    person: Any | None = None
    if choice == Responsible.PERSON:
        person = rule.responsible_user
    elif choice == Responsible.SUBJECT_OWNER:
        person = owner
    elif choice == Responsible.OWNER_MANAGER:
        chain = reporting_chain(owner) if owner is not None else []
        person = chain[0] if chain else None
    else:
        person = _first_with_role(Role(choice))
    if person is None or not person.is_active:
        person = workspace_lead()
    return person


# --- Raising ------------------------------------------------------------------------------
def alert_payload(alert: Alert) -> dict[str, Any]:
    """What webhook receivers get."""
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "state": alert.state,
        "subject": {"type": alert.subject_type, "id": alert.subject_id},
        "subject_label": alert.subject_label,
        "data": alert.data,
        "assignee": getattr(alert.assignee, "email", None),
        "level": alert.level,
        "deadline_at": alert.deadline_at.isoformat() if alert.deadline_at else None,
    }


def bell_forget(user_id: int) -> None:
    """Drop the cached unread count of `user_id` (now and after commit)."""
    key = bell_key(user_id)
    cache.delete(key)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: cache.delete(key))


def _notify(alert: Alert, person: Any, reason: str) -> None:
    Notification.objects.create(user=person, alert=alert, reason=reason)
    bell_forget(person.pk)
    enqueue_on_commit(MAIL_TASK, alert.pk, person.pk, reason)


def alert_open_exists(rule: AlertRule, subject_type: str, subject_id: int) -> bool:
    return (
        Alert.objects.filter(rule=rule, subject_type=subject_type, subject_id=subject_id)
        .exclude(state=Alert.State.RESOLVED)
        .exists()
    )


def alert_raise(
    *,
    rule: AlertRule,
    subject_type: str,
    subject_id: int,
    subject_label: str,
    owner: Any | None,
    data: dict[str, Any] | None = None,
    now: datetime.datetime | None = None,
) -> Alert | None:
    """Raise an alert of `rule` about the subject for its responsible person, with
    their deadline; None when the rule is off, nobody can take it, or an unresolved
    alert of this rule and subject exists (also one raised by a concurrent
    transaction: the partial unique index refuses the second, in a savepoint)."""
    if not rule.enabled or alert_open_exists(rule, subject_type, subject_id):
        return None
    person = responsible_for(rule, owner=owner)
    if person is None:
        return None
    now = now or timezone.now()
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                rule=rule,
                kind=rule.kind,
                subject_type=subject_type,
                subject_id=subject_id,
                subject_label=subject_label[:200],
                data=data or {},
                responsible=person,
                assignee=person,
                deadline_at=now + datetime.timedelta(hours=rule.deadline_hours),
            )
    except IntegrityError as exc:
        if DEDUPE_CONSTRAINT not in str(exc):
            raise
        return None
    AlertStep.objects.create(alert=alert, action=AlertStep.Action.RAISED, to_user=person)
    _notify(alert, person, Notification.Reason.RAISED)
    due_touch(alert.deadline_at)
    events.emit("alert.raised", alert_payload(alert))
    return alert


# --- Escalation ---------------------------------------------------------------------------
def _next_up(person: Any) -> Any | None:
    """Whom an alert held by `person` climbs to: their manager; at the top of the
    chain an executive (unless they are one, or the administrator); else nobody."""
    chain = reporting_chain(person)
    if chain:
        return chain[0]
    if person.groups.filter(
        name__in=[Role.EXECUTIVE.value, Role.SYSTEM_ADMINISTRATOR.value]
    ).exists():
        return None
    return _first_with_role(Role.EXECUTIVE, excluding=person.pk)


def alert_escalate(alert_id: int, *, now: datetime.datetime) -> Alert | None:
    """Escalate one alert if it is still unresolved and past its deadline, under its
    row lock (skipped when another run holds it). Returns it when it moved up."""
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("rule", "assignee")
            .filter(pk=alert_id, deadline_at__lte=now)
            .exclude(state=Alert.State.RESOLVED)
            .first()
        )
        if alert is None:
            return None
        up = _next_up(alert.assignee) if alert.assignee else workspace_lead()
        if up is None:
            # Nobody above: it stays with them, no further deadline.
            alert.deadline_at = None
            alert.save(update_fields=["deadline_at"])
            return None
        alert.level += 1
        alert.assignee = up
        alert.deadline_at = now + datetime.timedelta(hours=alert.rule.deadline_hours)
        alert.save(update_fields=["level", "assignee", "deadline_at"])
        AlertStep.objects.create(
            alert=alert, action=AlertStep.Action.ESCALATED, to_user=up, level=alert.level
        )
        _notify(alert, up, Notification.Reason.ESCALATED)
        due_touch(alert.deadline_at)
        events.emit("alert.escalated", alert_payload(alert))
        return alert


def alerts_escalate_due(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Escalate the unresolved alerts past their deadline (each in its own transaction).
    Returns how many moved up."""
    now = now or timezone.now()
    ids = list(
        Alert.objects.filter(deadline_at__lte=now)
        .exclude(state=Alert.State.RESOLVED)
        .order_by("deadline_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if alert_escalate(pk, now=now) is not None)


# --- Acting on an alert -------------------------------------------------------------------
def _note(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationError({"note": [_("Say what was done.")]})
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": [_("Keep the note under %(max)s characters.") % {"max": NOTE_MAX}]}
        )
    return note


def _locked_for(actor: Actor, alert: Alert) -> Alert:
    if actor is None or not actor.has_perm("alerts.change_alert"):
        raise PermissionDenied(_("You do not have permission to do this."))
    locked = alerts_visible_to(actor).select_for_update(of=("self",)).filter(pk=alert.pk).first()
    if locked is None:
        raise PermissionDenied(_("This alert is not yours to act on."))
    return locked


@transaction.atomic
def alert_acknowledge(*, actor: Actor, alert: Alert, note: str = "") -> Alert:
    """The person who has it (or anyone above them) says they are on it. It keeps its
    deadline: acknowledged and still unresolved in time, it escalates."""
    note = _note(note, required=False)
    locked = _locked_for(actor, alert)
    if locked.state != Alert.State.OPEN:
        raise ValidationError(
            {"state": [_("Only an open alert can be acknowledged.")]}, code="invalid_state"
        )
    locked.state = Alert.State.ACKNOWLEDGED
    locked.acknowledged_at = timezone.now()
    locked.save(update_fields=["state", "acknowledged_at"])
    AlertStep.objects.create(
        alert=locked,
        action=AlertStep.Action.ACKNOWLEDGED,
        actor=actor,  # type: ignore[misc]
        level=locked.level,
        note=note,
    )
    audit_record(actor=actor, action="alert.acknowledged", target=locked, data={"note": note})
    return locked


@transaction.atomic
def alert_resolve(*, actor: Actor, alert: Alert, note: str) -> Alert:
    """Close the alert with a note of what was done; it escalates no further."""
    note = _note(note, required=True)
    locked = _locked_for(actor, alert)
    if locked.state == Alert.State.RESOLVED:
        raise ValidationError(
            {"state": [_("This alert is resolved already.")]}, code="invalid_state"
        )
    _close(locked, actor=actor, note=note)
    audit_record(actor=actor, action="alert.resolved", target=locked, data={"note": note})
    return locked


def _close(alert: Alert, *, actor: Actor | None, note: str) -> None:
    alert.state = Alert.State.RESOLVED
    alert.resolved_at = timezone.now()
    alert.resolution_note = note
    alert.deadline_at = None
    alert.save(update_fields=["state", "resolved_at", "resolution_note", "deadline_at"])
    AlertStep.objects.create(
        alert=alert,
        action=AlertStep.Action.RESOLVED,
        actor=actor if getattr(actor, "pk", None) else None,  # type: ignore[misc]
        level=alert.level,
        note=note,
    )


def alerts_close_for(*, kinds: list[str], subject_type: str, subject_id: int, note: str) -> int:
    """Resolve the unresolved alerts of `kinds` about a subject whose cause went away
    (the order was reviewed): no person acted, the step says why."""
    rows = list(
        Alert.objects.select_for_update()
        .filter(kind__in=kinds, subject_type=subject_type, subject_id=subject_id)
        .exclude(state=Alert.State.RESOLVED)
        .order_by("pk")
    )
    for alert in rows:
        _close(alert, actor=None, note=note)
    return len(rows)


# --- Notifications ------------------------------------------------------------------------
@transaction.atomic
def notifications_mark_read(*, actor: Actor, ids: list[int] | None = None) -> int:
    """Mark the actor's own notifications read (`ids`, or every unread one)."""
    if actor is None or not getattr(actor, "pk", None):
        raise PermissionDenied(_("You do not have permission to do this."))
    rows = Notification.objects.filter(user_id=actor.pk, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    count = rows.update(read_at=timezone.now())
    bell_forget(int(actor.pk))
    return count


def notifications_read_for_alert(*, actor: Actor, alert: Alert) -> None:
    """Opening an alert reads the actor's notifications of it (one UPDATE)."""
    if not getattr(actor, "pk", None):
        return
    if Notification.objects.filter(
        Q(user_id=actor.pk) & Q(alert=alert) & Q(read_at__isnull=True)
    ).update(read_at=timezone.now()):
        bell_forget(int(actor.pk))
