"""Setting, adjusting and removing sales targets. Each write checks the permission
(`plans.add_salestarget`, `change_`, `delete_`) and the actor's scope
(`selectors.target_scope(actor, writing=True)`: a sales manager sets targets for their
branch's and region's subtrees and their people only), and writes its audit entry.

Once set, a target changes only through `target_adjust`, which keeps the history (one
`TargetAdjustment` per change, with its reason). A target may be removed while it has
no adjustment (a mistake caught at once); one with a history stays.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from billing.access import ensure_writable
from tradepost.accounts.models import User
from tradepost.audit.services import audit_record
from tradepost.masterdata.models import Branch, ProductCategory, SalesRegion
from tradepost.plans.models import OBJECT_FIELDS, SalesTarget, TargetAdjustment
from tradepost.plans.periods import PeriodKind, period_label, period_start_check
from tradepost.plans.selectors import CENT, QUANTITY_PLACES, TargetScope, target_scope
from tradepost.pricing.documents import actor_user, decimal_checked, require
from tradepost.principals import Actor

MAX_AMOUNT = Decimal("999999999999.99")
MAX_QUANTITY = Decimal("999999999.999")
D = SalesTarget.Dimension


def _figures(amount: Decimal, quantity: Decimal | None) -> tuple[Decimal, Decimal | None]:
    if amount is None:
        raise ValidationError({"amount": [_("Enter the target amount.")]})
    amount = decimal_checked(amount, field="amount", places=CENT, maximum=MAX_AMOUNT)
    if amount < 0:
        raise ValidationError({"amount": [_("Enter an amount of zero or more.")]})
    if quantity is not None:
        quantity = decimal_checked(
            quantity, field="quantity", places=QUANTITY_PLACES, maximum=MAX_QUANTITY
        )
        if quantity < 0:
            raise ValidationError({"quantity": [_("Enter a quantity of zero or more.")]})
    return amount, quantity


def _object_checked(
    scope: TargetScope, dimension: str, objects: dict[str, Model | None]
) -> dict[str, Model | None]:
    """The object fields for `dimension`: its own set and within the scope, the others
    empty."""
    if dimension not in D.values:
        raise ValidationError(
            {"dimension": [_("Choose company, branch, region, salesperson or category.")]}
        )
    for name in OBJECT_FIELDS:
        if name != dimension and objects.get(name) is not None:
            raise ValidationError({name: [_("Leave this empty for a target of this kind.")]})
    if dimension == D.COMPANY:
        if not scope.everything:
            raise ValidationError({"dimension": [_("You may not set company targets.")]})
        return dict.fromkeys(OBJECT_FIELDS)
    chosen = objects.get(dimension)
    if chosen is None:
        raise ValidationError({dimension: [_("Choose whom or what the target is for.")]})
    choices: dict[str, Callable[[], QuerySet[Any]]] = {
        D.BRANCH: scope.branches,
        D.REGION: scope.regions,
        D.SALESPERSON: scope.salespeople,
        D.CATEGORY: scope.categories,
    }
    allowed = choices[dimension]()
    if not allowed.filter(pk=chosen.pk).exists():
        raise ValidationError({dimension: [_("You may not set targets for this one.")]})
    return {name: (chosen if name == dimension else None) for name in OBJECT_FIELDS}


def _payload(target: SalesTarget) -> dict[str, Any]:
    return {
        "period": period_label(target.period_kind, target.period_start),
        "dimension": target.dimension,
        "amount": str(target.amount),
        "quantity": None if target.quantity is None else str(target.quantity),
    }


@transaction.atomic
def target_create(
    *,
    actor: Actor,
    period_kind: str,
    period_start: datetime.date,
    dimension: str,
    amount: Decimal,
    quantity: Decimal | None = None,
    branch: Branch | None = None,
    region: SalesRegion | None = None,
    salesperson: User | None = None,
    category: ProductCategory | None = None,
) -> SalesTarget:
    """Set a target for one object and period. One target per object and period: a
    second one is refused (adjust the first)."""
    require(actor, "plans.add_salestarget")
    ensure_writable()
    if period_kind not in PeriodKind.values:
        raise ValidationError({"period_kind": [_("Choose month, quarter or year.")]})
    period_start_check(period_kind, period_start)
    objects = _object_checked(
        target_scope(actor, writing=True),
        dimension,
        {"branch": branch, "region": region, "salesperson": salesperson, "category": category},
    )
    amount, quantity = _figures(amount, quantity)
    duplicate = SalesTarget.objects.filter(
        period_kind=period_kind, period_start=period_start, dimension=dimension, **objects
    )
    if duplicate.exists():
        raise ValidationError(
            {"period_start": [_("This period already has a target for it: adjust that one.")]}
        )
    try:
        with transaction.atomic():
            target = SalesTarget.objects.create(
                period_kind=period_kind,
                period_start=period_start,
                dimension=dimension,
                amount=amount,
                quantity=quantity,
                created_by=actor_user(actor),
                **objects,
            )
    except IntegrityError:  # set by someone else since the check
        raise ValidationError(
            {"period_start": [_("This period already has a target for it: adjust that one.")]}
        ) from None
    audit_record(actor=actor, action="sales_target.created", target=target, data=_payload(target))
    return target


def _require_change(actor: Actor, target: SalesTarget, permission: str) -> None:
    require(actor, permission)
    scoped = SalesTarget.objects.filter(target_scope(actor, writing=True).q(), pk=target.pk)
    if not scoped.exists():
        raise ValidationError({"target": [_("You may not change this target.")]})


@transaction.atomic
def target_adjust(
    *,
    actor: Actor,
    target: SalesTarget,
    amount: Decimal,
    quantity: Decimal | None,
    reason: str,
) -> TargetAdjustment:
    """Change a target's amount and quantity, keeping the history: one
    `TargetAdjustment` (old → new, who, why) per change. A reason is required; a
    change that changes nothing is refused."""
    _require_change(actor, target, "plans.change_salestarget")
    ensure_writable()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the target changes.")]})
    if len(reason) > 300:
        raise ValidationError({"reason": [_("Use at most 300 characters.")]})
    amount, quantity = _figures(amount, quantity)
    locked = SalesTarget.objects.select_for_update().get(pk=target.pk)
    if locked.amount == amount and locked.quantity == quantity:
        raise ValidationError({"amount": [_("Change the amount or the quantity.")]})
    adjustment = TargetAdjustment.objects.create(
        target=locked,
        old_amount=locked.amount,
        new_amount=amount,
        old_quantity=locked.quantity,
        new_quantity=quantity,
        reason=reason,
        adjusted_by=actor_user(actor),
    )
    locked.amount, locked.quantity = amount, quantity
    locked.save(update_fields=["amount", "quantity", "updated_at"])
    target.amount, target.quantity = amount, quantity
    audit_record(
        actor=actor,
        action="sales_target.adjusted",
        target=locked,
        data={
            "amount": [str(adjustment.old_amount), str(amount)],
            "quantity": [
                None if adjustment.old_quantity is None else str(adjustment.old_quantity),
                None if quantity is None else str(quantity),
            ],
            "reason": reason,
        },
    )
    return adjustment


@transaction.atomic
def target_delete(*, actor: Actor, target: SalesTarget) -> None:
    """Remove a target set by mistake. Only while it has no adjustment: a target with a
    history stays (adjust it, to zero if need be)."""
    _require_change(actor, target, "plans.delete_salestarget")
    ensure_writable()
    locked = SalesTarget.objects.select_for_update().get(pk=target.pk)
    if locked.adjustments.exists():
        raise ValidationError(
            {"target": [_("This target has adjustments and keeps its history: adjust it instead.")]}
        )
    audit_record(actor=actor, action="sales_target.deleted", target=locked, data=_payload(locked))
    locked.delete()
