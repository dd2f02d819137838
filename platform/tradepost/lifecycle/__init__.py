"""Document lifecycles: each document declares its steps once, and everything that
changes or shows a document's status reads that one declaration.

A declaration (`Lifecycle`) names the model, its status field and its steps
(`Transition`): the states a step starts from, the state it leads to, the permission it
needs, the audit action it records and the webhook event it emits, plus any rule that
depends on the document's data (`authorize`, `guards`). For example, in
`sales/orders.py`::

    LIFECYCLE = Lifecycle(
        model=Order,
        refusal=_("An order that is “%(status)s” cannot be %(action)s."),
        visible=orders_visible_to,
        not_visible=_("This order is not yours to change."),
        payload=order_payload,
        transitions=[
            Transition("confirm", source=[S.APPROVED], target=S.CONFIRMED,
                       permission="sales.confirm_order", action="order.confirmed",
                       event="order.confirmed", verb=pgettext_lazy("cannot be …", "confirmed")),
            ...
        ],
    )

Services run a step through it, inside their transaction:

* `LIFECYCLE.run("close", actor=..., document=..., fields={"closed_at": now})` for a
  step that only changes the status and a few fields;
* or, for a step with work of its own, `step = LIFECYCLE.start(name, actor=...,
  document=...)` (permission and scope), then `locked = step.lock()` (read-only
  workspace refused, the row re-read under `SELECT … FOR UPDATE`, the data rules, the
  status), the step's own work on `locked`, and `step.finish(...)` (status and fields
  saved, the audit entry, the webhook event — written to the outbox in this transaction,
  delivered on commit by `tradepost.events`).

Refusals are the same everywhere: a missing permission or a document out of the
actor's scope raises `PermissionDenied`, a wrong state `ValidationError({"status":
[…]})` worded by the lifecycle's `refusal`, a data rule its own error. Nothing is
written before the checks pass.

Pages draw their buttons from `LIFECYCLE.buttons(actor, document)` (a dict step →
bool for templates: `{% if can.submit %}`) and the API lists the same steps as the
document's read-only `allowed_actions`, so a button and an action endpoint can never
disagree with the service.

Why our own small engine rather than django-fsm-2 or django-viewflow's fsm: both put
transitions on model methods and let a method call change the status in memory; what
every step here needs — the row lock, the refusal wording, the scope check, the audit
entry and the outbox event in the caller's transaction, and an "allowed steps for this
user" list for pages and the API — we would have wrapped around each library call
anyway, and the declaration stays a plain, checked table next to the service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from billing.access import ensure_writable
from tradepost import events
from tradepost.audit.actions import audit_action_check
from tradepost.audit.services import audit_record
from tradepost.events.types import EVENT_TYPES
from tradepost.lifecycle.rows import row_lock
from tradepost.principals import Actor

DocumentT = TypeVar("DocumentT", bound=models.Model)

# A rule on the document's data: raises PermissionDenied or ValidationError, returns None.
Rule = Callable[..., None]


@dataclass(frozen=True)
class AnyOf:
    """A step open to holders of any one of these permissions."""

    permissions: tuple[str, ...]

    def __init__(self, *permissions: str) -> None:
        object.__setattr__(self, "permissions", tuple(permissions))


Permission = str | tuple[str, ...] | AnyOf


def permitted(actor: Actor | None, permission: Permission) -> bool:
    """True when `actor` holds `permission`: one codename, all of a tuple, or any of
    an `AnyOf`; never for no actor."""
    if actor is None:
        return False
    if isinstance(permission, str):
        return bool(actor.has_perm(permission))
    if isinstance(permission, AnyOf):
        return any(actor.has_perm(name) for name in permission.permissions)
    return all(actor.has_perm(name) for name in permission)


@dataclass(frozen=True)
class Transition:
    """One step of a document's life.

    `source`: the states it starts from. `target`: the state it leads to; None when it
    leaves the status as it is (editing a draft) or when the step chooses it from the
    data (a shipment makes an order shipped or partially shipped; an opportunity moves
    to the stage asked for) — then the service passes `to=` to `Step.finish`.
    `permission`: what the actor must hold (see `permitted`). `action`: the audit
    action recorded (registered in `tradepost.audit.actions`). `event`: the webhook
    event emitted, if any (registered in `tradepost.events.types`). `verb`: the
    participle that words a refusal ("… cannot be *confirmed*").

    `authorize(actor, document)`: who may do it on this very document, beyond the
    permission (raises `PermissionDenied`); checked on the locked row before the status.
    `guards`: rules on the document's data (`guard(actor, document, transition)`,
    raising `ValidationError`), checked after the status. Both also decide whether the
    step's button shows. `already`: the refusal when the document already is in
    `target` (e.g. "This quote has already been converted."), instead of the generic one.
    `endpoint`: the API action's path segment (`POST /<documents>/{id}/<endpoint>/`);
    by default the step's name, None for a step taken by `PATCH` on the document.
    """

    name: str
    source: Sequence[str]
    target: str | None
    permission: Permission
    action: str
    verb: str | Promise
    event: str | None = None
    authorize: Rule | None = None
    guards: Sequence[Rule] = field(default_factory=tuple)
    already: str | Promise | None = None
    endpoint: str | None = ""

    @property
    def api_path(self) -> str | None:
        """The API action's path segment (see `endpoint`)."""
        return self.name if self.endpoint == "" else self.endpoint


# Every declared lifecycle by its model: what a page's `{% status_stepper document %}`
# looks its document up in.
DECLARED: dict[type[models.Model], Lifecycle[Any]] = {}


def declared_for(document: models.Model) -> Lifecycle[Any] | None:
    return DECLARED.get(type(document))


class Lifecycle(Generic[DocumentT]):
    """The declared steps of one kind of document (see the module docstring).

    `refusal`: the wrong-state message, with `%(status)s` and `%(action)s`.
    `visible(actor)`: the queryset of documents the actor may change (None: every
    document of the workspace); `not_visible` is the refusal for one outside it.
    `payload(document)`: what webhook receivers get. `refresh`: fields copied from the
    locked row back onto the caller's instance (which may be shown afterwards).
    `missing`: the refusal when the row vanished before it could be locked (None: the
    model's DoesNotExist propagates). `path`: the states of the document's usual life,
    in order — what its page's status stepper shows (`stepper`); a step may be a tuple
    of states that share its place ((shipped, partially shipped)), shown by the one the
    document is in, else the first; a state off the path (cancelled …) shows after it.
    """

    def __init__(
        self,
        *,
        model: type[DocumentT],
        transitions: Iterable[Transition],
        refusal: str | Promise,
        field: str = "status",
        visible: Callable[[Any], models.QuerySet[DocumentT]] | None = None,
        not_visible: str | Promise = "",
        payload: Callable[[DocumentT], dict[str, Any]] | None = None,
        refresh: Sequence[str] = (),
        select_related: Sequence[str] = (),
        missing: str | Promise | None = None,
        path: Sequence[str | tuple[str, ...]] = (),
    ) -> None:
        self.model = model
        self.field = field
        self.refusal = refusal
        self.visible = visible
        self.not_visible = not_visible
        self.payload = payload
        self.refresh = tuple(refresh)
        self.select_related = tuple(select_related)
        self.missing = missing
        self.transitions: dict[str, Transition] = {}
        state_field = model._meta.get_field(field)
        choices = state_field.choices  # type: ignore[union-attr]  # a concrete field, not a relation
        states = {str(value) for value, _label in choices or ()}
        for transition in transitions:
            self._check(transition, states)
            self.transitions[transition.name] = transition
        self.path: tuple[tuple[str, ...], ...] = tuple(
            tuple(str(s) for s in step) if isinstance(step, tuple) else (str(step),)
            for step in path
        )
        if unknown := {state for step in self.path for state in step} - states:
            raise ValueError(f"{model.__name__} path names unknown states {sorted(unknown)}")
        self.labels = {str(value): label for value, label in choices or ()}
        DECLARED[model] = self

    def _check(self, transition: Transition, states: set[str]) -> None:
        """Refuse a declaration that names an unknown state, action or event, at import."""
        where = f"{self.model.__name__}.{transition.name}"
        if transition.name in self.transitions:
            raise ValueError(f"{where} is declared twice")
        unknown = {str(s) for s in transition.source} - states
        if transition.target is not None and str(transition.target) not in states:
            unknown.add(str(transition.target))
        if unknown:
            raise ValueError(f"{where} names unknown states {sorted(unknown)}")
        audit_action_check(transition.action)
        if transition.event is not None and transition.event not in EVENT_TYPES:
            raise ValueError(f"{where} emits unregistered event {transition.event!r}")
        if transition.event is not None and self.payload is None:
            raise ValueError(f"{where} emits an event but the lifecycle has no payload")

    def __getitem__(self, name: str) -> Transition:
        return self.transitions[name]

    def __iter__(self) -> Iterator[Transition]:
        return iter(self.transitions.values())

    # --- Reading: which steps an actor may take --------------------------------------
    def allows(self, name: str, actor: Actor | None, document: DocumentT) -> bool:
        """True when `actor` may take step `name` on `document` as it is now: the
        permission, the state, `authorize` and the guards. Reads the document as given
        (no lock); the service checks again on the locked row."""
        transition = self.transitions[name]
        if not permitted(actor, transition.permission):
            return False
        if getattr(document, self.field) not in transition.source:
            return False
        try:
            if transition.authorize is not None:
                transition.authorize(actor, document)
            for guard in transition.guards:
                guard(actor, document, transition)
        except (PermissionDenied, ValidationError):
            return False
        return True

    def allowed(self, actor: Actor | None, document: DocumentT) -> list[str]:
        """The steps `actor` may take on `document`, in declaration order (the API's
        `allowed_actions`)."""
        return [name for name in self.transitions if self.allows(name, actor, document)]

    def buttons(self, actor: Actor | None, document: DocumentT) -> dict[str, bool]:
        """Every step → whether its button shows for `actor` (templates: `can.<step>`)."""
        allowed = set(self.allowed(actor, document))
        return {name: name in allowed for name in self.transitions}

    def stepper(self, document: DocumentT) -> list[dict[str, Any]]:
        """The document's status stepper: each state of `path` as `{"label", "state"}`
        with state "done", "current" or "todo"; a current state off the path (cancelled
        …) comes last, marked "off", after the path steps it passed."""
        current = str(getattr(document, self.field))
        reached = next((i for i, step in enumerate(self.path) if current in step), None)
        steps = []
        for i, step in enumerate(self.path):
            label = self.labels[current if current in step else step[0]]
            if reached is None or i > reached:
                state = "todo"
            else:
                state = "done" if i < reached else "current"
            steps.append({"label": label, "state": state})
        if reached is None:
            steps.append({"label": self.labels.get(current, current), "state": "off"})
        return steps

    # --- Writing ----------------------------------------------------------------------
    def start(self, name: str, *, actor: Actor, document: DocumentT) -> Step[DocumentT]:
        """Begin step `name`: checks the permission and the actor's scope now (before
        the caller parses its input), and returns the `Step` to lock and finish."""
        step = Step(self, self.transitions[name], actor=actor, document=document)
        step.authorize()
        return step

    def start_locked(
        self, name: str, *, actor: Actor, document: DocumentT
    ) -> tuple[Step[DocumentT], DocumentT]:
        """`start` and `lock` at once, for a step with no input to parse in between:
        the permission, then the row locked through the actor's scope — one query where
        `start` and `lock` take two. Refusals are the same as theirs."""
        step = Step(self, self.transitions[name], actor=actor, document=document)
        return step, step.lock(scoped=True)

    def run(
        self,
        name: str,
        *,
        actor: Actor,
        document: DocumentT,
        fields: Mapping[str, Any] | None = None,
        data: dict[str, Any] | None = None,
    ) -> DocumentT:
        """Take a step that only sets the status and `fields`: start, lock, finish."""
        step = self.start(name, actor=actor, document=document)
        step.lock()
        return step.finish(fields=fields, data=data)

    def check(self, name: str, *, actor: Actor, document: DocumentT) -> None:
        """Step `name`'s permission and rules on a row the caller locked itself (e.g. a
        plan found by dealer and month under `SELECT … FOR UPDATE`)."""
        transition = self.transitions[name]
        if not permitted(actor, transition.permission):
            raise PermissionDenied(_("You do not have permission to do this."))
        Step(self, transition, actor=actor, document=document).check(document)

    def status_refusal(self, document: DocumentT, verb: str | Promise) -> ValidationError:
        """The wrong-state error for `document` ("An order that is “Shipped” cannot be
        cancelled.")."""
        display = getattr(document, f"get_{self.field}_display")()
        return ValidationError(
            {
                self.field: [
                    str(self.refusal) % {"status": display, "action": verb},
                ]
            }
        )


class Step(Generic[DocumentT]):
    """One step being taken: `authorize` → `lock` → `finish`, in one transaction."""

    def __init__(
        self,
        lifecycle: Lifecycle[DocumentT],
        transition: Transition,
        *,
        actor: Actor,
        document: DocumentT,
    ) -> None:
        self.lifecycle = lifecycle
        self.transition = transition
        self.actor = actor
        self.document: DocumentT = document
        self.locked: DocumentT | None = None

    def authorize(self) -> None:
        """The permission, then the scope: a document the actor may not reach is
        refused like one they may not change."""
        lifecycle, transition = self.lifecycle, self.transition
        if not permitted(self.actor, transition.permission):
            raise PermissionDenied(_("You do not have permission to do this."))
        if lifecycle.visible is not None:
            reachable = lifecycle.visible(self.actor).filter(pk=self.document.pk).exists()
            if not reachable:
                raise PermissionDenied(str(lifecycle.not_visible))

    def lock(self, *, scoped: bool = False) -> DocumentT:
        """Refuse in a read-only workspace, re-read the row under a lock (so its status
        cannot change until the transaction ends), then check `authorize`, the status
        and the guards on it. Returns the locked row. `scoped` (`start_locked`): the
        permission and scope of `authorize` are checked here, the scope by the locking
        query itself (a row it does not find is looked at again to say why)."""
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("A lifecycle step runs inside the service's transaction.")
        lifecycle = self.lifecycle
        if scoped and not permitted(self.actor, self.transition.permission):
            raise PermissionDenied(_("You do not have permission to do this."))
        ensure_writable()
        queryset = lifecycle.model._default_manager.all()
        if scoped and lifecycle.visible is not None:
            queryset = lifecycle.visible(self.actor)
        if lifecycle.select_related:
            queryset = queryset.select_related(*lifecycle.select_related)
        try:
            if scoped:
                found = list(queryset.select_for_update(of=("self",)).filter(pk=self.document.pk))
                if not found:
                    self.authorize()  # out of scope: refused as `start` refuses it
                    raise lifecycle.model.DoesNotExist  # type: ignore[attr-defined]  # every model has one
                locked = found[0]
            else:
                locked = row_lock(queryset, self.document.pk)
        except lifecycle.model.DoesNotExist:  # type: ignore[attr-defined]  # every model has one
            if lifecycle.missing is None:
                raise
            raise ValidationError(str(lifecycle.missing)) from None
        for name in lifecycle.refresh:
            setattr(self.document, name, getattr(locked, name))
        self.locked = locked
        self.check(locked)
        return locked

    def check(self, document: DocumentT) -> None:
        """The rules of this step on `document` (already locked): `authorize`, the
        state (with the `already` wording when it is in the target), the guards."""
        lifecycle, transition = self.lifecycle, self.transition
        if transition.authorize is not None:
            transition.authorize(self.actor, document)
        status = getattr(document, lifecycle.field)
        if status not in transition.source:
            if transition.already is not None and status == transition.target:
                raise ValidationError({lifecycle.field: [str(transition.already)]})
            raise lifecycle.status_refusal(document, transition.verb)
        for guard in transition.guards:
            guard(self.actor, document, transition)

    def finish(
        self,
        *,
        to: str | None = None,
        fields: Mapping[str, Any] | None = None,
        update_fields: Iterable[str] = (),
        data: dict[str, Any] | None = None,
    ) -> DocumentT:
        """Set the status (the declared target, or `to` for a step that chooses it) and
        `fields` on the locked row and save them (with `update_fields`, names the
        caller already set); record the audit entry with `data`; emit the webhook event.
        Returns the locked row."""
        lifecycle, transition = self.lifecycle, self.transition
        locked = self.locked
        if locked is None:
            raise RuntimeError("Lock the document before finishing the step.")
        target = to if to is not None else transition.target
        if to is not None and transition.target is not None and to != transition.target:
            raise ValueError(f"{transition.name} leads to {transition.target}, not {to}")
        changed = list(update_fields)
        if target is not None:
            setattr(locked, lifecycle.field, target)
            changed.append(lifecycle.field)
        for name, value in (fields or {}).items():
            setattr(locked, name, value)
            changed.append(name)
        if changed:
            if any(f.name == "updated_at" for f in lifecycle.model._meta.concrete_fields):
                changed.append("updated_at")
            locked.save(update_fields=list(dict.fromkeys(changed)))
        audit_record(actor=self.actor, action=transition.action, target=locked, data=data or {})
        if transition.event is not None and lifecycle.payload is not None:
            events.emit(event_type=transition.event, payload=lifecycle.payload(locked))
        return locked


__all__ = ["AnyOf", "Lifecycle", "Step", "Transition", "permitted"]
