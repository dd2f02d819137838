"""Dealers' monthly demand plans (seed S7 月度需求计划) and their aggregate.

A dealer — or the salesperson looking after it — draws up what the dealer expects to
order in a month: one plan per dealer and month, one line per product. The company
adds the submitted plans up per product for its sales and production plan (以销定产)
and compares them with what those dealers actually ordered that month.

The life of a plan (`DemandPlan.Status`), with the permission each step needs:

| step                                | from                 | permission                  |
|-------------------------------------|----------------------|-----------------------------|
| save (create, or replace the lines) | (new), draft,        | add_demandplan (new),       |
|                                     | returned             | change_demandplan           |
| submit                              | draft, returned      | change_demandplan           |
| accept, return (with a comment)     | submitted            | review_demandplan           |

The table is declared once, as `LIFECYCLE` below (`tradepost.lifecycle`): the services
run each step through it; the plan's page and the API's `allowed_actions` read it.

Rules: only resellers (`Customer.is_reseller`: dealers and franchisees) have plans;
the dealer must be in the actor's customer scope (a dealer user reaches only its own
record); the month is stored as its first day and may not be over (a plan is for this
month or a later one, at most `MAX_MONTHS_AHEAD` ahead); a plan has at least one line,
each product once, with a positive quantity. Every write runs in one transaction,
refuses in a read-only workspace, locks the plan row before a status change, and
writes an audit entry.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from billing.access import ensure_writable
from tradepost.audit.services import audit_record
from tradepost.channel.models import DemandPlan, DemandPlanLine
from tradepost.channel.selectors import demand_plans_visible_to
from tradepost.customers.models import RESELLER_CHANNELS, Customer
from tradepost.customers.selectors import customer_is_visible, customers_visible_to
from tradepost.lifecycle import Lifecycle, Transition
from tradepost.lifecycle.rows import lines_replace
from tradepost.masterdata.models import Product
from tradepost.pricing import documents
from tradepost.principals import Actor
from tradepost.sales.models import Order, OrderLine

S = DemandPlan.Status
EDITABLE = (S.DRAFT, S.RETURNED)
AGGREGATED = (S.SUBMITTED, S.ACCEPTED)
MAX_MONTHS_AHEAD = 12
MAX_NOTES = 2000


# --- Months --------------------------------------------------------------------------
def month_start(day: datetime.date) -> datetime.date:
    """The first day of `day`'s month: what a plan's month is stored as (text such as
    "2026-12" is parsed by `channel.months.month_parse` in the forms and the API)."""
    return day.replace(day=1)


def month_add(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def current_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def next_month() -> datetime.date:
    return month_add(current_month(), 1)


# --- Reading -------------------------------------------------------------------------
def demand_plan_list(
    actor: Actor, *, month: datetime.date | None = None, status: str | None = None
) -> QuerySet[DemandPlan]:
    """Plans in the actor's scope for a list: dealer joined, lines counted."""
    plans = demand_plans_visible_to(actor).select_related("dealer")
    if month is not None:
        plans = plans.filter(month=month)
    if status:
        plans = plans.filter(status=status)
    return plans.annotate(line_count=Count("lines")).order_by("-month", "dealer__name", "pk")


def demand_plan_get(actor: Actor, plan_id: int | str) -> DemandPlan:
    """One plan in scope with its lines and products, or Http404."""
    try:
        return (
            demand_plans_visible_to(actor)
            .select_related("dealer", "reviewed_by", "created_by")
            .prefetch_related(
                Prefetch(
                    "lines",
                    queryset=DemandPlanLine.objects.select_related("product").order_by(
                        "product__sku", "pk"
                    ),
                )
            )
            .get(pk=plan_id)
        )
    except (DemandPlan.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def dealers_for_plans(actor: Actor) -> QuerySet[Customer]:
    """The resellers the actor may draw up plans for (a dealer user: its own record)."""
    return (
        customers_visible_to(actor)
        .filter(channel__in=[channel.value for channel in RESELLER_CHANNELS], is_active=True)
        .order_by("name", "pk")
    )


# --- Checks --------------------------------------------------------------------------
def _require_dealer(actor: Actor, dealer: Customer) -> None:
    """The dealer must be in scope (else "not a valid choice", like a missing one),
    a reseller and active."""
    if not isinstance(dealer, Customer) or not customer_is_visible(actor, dealer.pk):
        raise ValidationError({"dealer": [_("Select a valid dealer.")]})
    if not dealer.is_reseller:
        raise ValidationError(
            {"dealer": [_("Demand plans come from dealers and franchisees only.")]}
        )
    if not dealer.is_active:
        raise ValidationError({"dealer": [_("This dealer is inactive.")]})


def _require_plannable_month(month: datetime.date) -> None:
    this_month = current_month()
    if month < this_month:
        raise ValidationError(
            {"month": [_("%(month)s is over: plan this month or a later one.") % _fmt(month)]}
        )
    if month > month_add(this_month, MAX_MONTHS_AHEAD):
        raise ValidationError(
            {"month": [_("Plan at most %(count)d months ahead.") % {"count": MAX_MONTHS_AHEAD}]}
        )


def _fmt(month: datetime.date) -> dict[str, str]:
    return {"month": f"{month:%Y-%m}"}


class PlanLineInput(TypedDict):
    """A plan's line as a form or serializer parsed it."""

    product: Product
    quantity: Decimal


def plan_lines(items: Iterable[PlanLineInput] | None) -> list[tuple[Product, Decimal]]:
    """Check the lines: at least one, each an active product once with a positive
    quantity (up to three decimal places)."""
    items = list(items or [])
    if not items:
        raise ValidationError({"lines": [_("Add at least one product.")]})
    if len(items) > documents.MAX_LINES:
        raise ValidationError(
            {"lines": [_("At most %(count)d lines per plan.") % {"count": documents.MAX_LINES}]}
        )
    result: list[tuple[Product, Decimal]] = []
    errors: list[str] = []
    for index, item in enumerate(items, start=1):
        try:
            product = item.get("product")
            if not isinstance(product, Product):
                raise ValidationError({"product": [_("Select a product.")]})
            if not product.is_active:
                raise ValidationError(
                    {"product": [_("%(sku)s is no longer sold.") % {"sku": product.sku}]}
                )
            quantity = documents.decimal_checked(
                item["quantity"],
                field="quantity",
                places=documents.QUANTITY_PLACES,
                maximum=documents.MAX_QUANTITY,
                positive=True,
            )
        except ValidationError as exc:
            errors.extend(
                _("Line %(line)d, %(field)s: %(message)s")
                % {"line": index, "field": field, "message": message}
                for field, messages in exc.message_dict.items()
                for message in messages
            )
            continue
        result.append((product, quantity))
    if errors:
        raise ValidationError({"lines": errors})
    products = [product.pk for product, _quantity in result]
    if len(products) != len(set(products)):
        raise ValidationError(
            {"lines": [_("Each product once per plan: change the quantity instead.")]}
        )
    return result


def _notes(value: str | None) -> str:
    notes = (value or "").strip()
    if len(notes) > MAX_NOTES:
        raise ValidationError(
            {"notes": [_("At most %(count)d characters.") % {"count": MAX_NOTES}]}
        )
    return notes


LIFECYCLE: Lifecycle[DemandPlan] = Lifecycle(
    model=DemandPlan,
    path=[
        (DemandPlan.Status.DRAFT, DemandPlan.Status.RETURNED),
        DemandPlan.Status.SUBMITTED,
        DemandPlan.Status.ACCEPTED,
    ],
    refusal=gettext_lazy("A demand plan that is “%(status)s” cannot be %(action)s."),
    visible=demand_plans_visible_to,
    not_visible=gettext_lazy("This demand plan is not yours to change."),
    select_related=("dealer",),
    transitions=[
        Transition(
            "edit",
            source=EDITABLE,
            target=None,
            permission="channel.change_demandplan",
            action="demand_plan.updated",
            verb=pgettext_lazy("cannot be …", "changed"),
            endpoint=None,
        ),
        Transition(
            "submit",
            source=EDITABLE,
            target=S.SUBMITTED,
            permission="channel.change_demandplan",
            action="demand_plan.submitted",
            verb=pgettext_lazy("cannot be …", "submitted"),
        ),
        Transition(
            "accept",
            source=[S.SUBMITTED],
            target=S.ACCEPTED,
            permission="channel.review_demandplan",
            action="demand_plan.accepted",
            verb=pgettext_lazy("cannot be …", "accepted"),
        ),
        Transition(
            "return",
            source=[S.SUBMITTED],
            target=S.RETURNED,
            permission="channel.review_demandplan",
            action="demand_plan.returned",
            verb=pgettext_lazy("cannot be …", "returned"),
        ),
    ],
)


# --- Writing -------------------------------------------------------------------------
def _write_lines(plan: DemandPlan, lines: list[tuple[Product, Decimal]]) -> None:
    lines_replace(
        plan.lines,
        (
            DemandPlanLine(plan=plan, product=product, quantity=quantity)
            for product, quantity in lines
        ),
    )


def _existing_locked(dealer: Customer, month: datetime.date) -> DemandPlan | None:
    return (
        DemandPlan.objects.select_for_update()
        .select_related("dealer")
        .filter(dealer_id=dealer.pk, month=month)
        .first()
    )


@transaction.atomic
def demand_plan_save(
    *,
    actor: Actor,
    dealer: Customer,
    month: datetime.date,
    lines: Iterable[PlanLineInput],
    notes: str = "",
) -> DemandPlan:
    """Create the dealer's plan for `month`, or replace the lines and notes of the one
    it has while that is a draft or returned. `month` may be any day of the month.
    The returned plan carries `created_now` (True when it is new)."""
    if actor is None or not (
        actor.has_perm("channel.add_demandplan") or actor.has_perm("channel.change_demandplan")
    ):
        raise PermissionDenied(_("You do not have permission to do this."))
    _require_dealer(actor, dealer)
    month = month_start(month)
    _require_plannable_month(month)
    checked = plan_lines(lines)
    notes = _notes(notes)
    ensure_writable()
    user = documents.actor_user(actor)
    plan = _existing_locked(dealer, month)
    created = False
    if plan is None:
        documents.require(actor, "channel.add_demandplan")
        try:
            with transaction.atomic():
                plan = DemandPlan.objects.create(
                    dealer=dealer, month=month, notes=notes, created_by=user
                )
                created = True
        except IntegrityError:
            # Someone saved this dealer's plan for the month meanwhile: replace its
            # lines instead, under the same rules as any existing plan.
            plan = _existing_locked(dealer, month)
            if plan is None:  # pragma: no cover - the conflicting row vanished again
                raise
    if not created:
        LIFECYCLE.check("edit", actor=actor, document=plan)  # locked above
        plan.notes = notes
        plan.save(update_fields=["notes", "updated_at"])
    _write_lines(plan, checked)
    audit_record(
        actor=actor,
        action="demand_plan.created" if created else "demand_plan.updated",
        target=plan,
        data={"dealer": dealer.pk, "month": f"{month:%Y-%m}", "lines": len(checked)},
    )
    plan.created_now = created  # type: ignore[attr-defined]  # for the caller
    return plan


@transaction.atomic
def demand_plan_update(
    *,
    actor: Actor,
    plan: DemandPlan,
    lines: Iterable[PlanLineInput] | None = None,
    notes: str | None = None,
) -> DemandPlan:
    """Change a draft or returned plan: its lines (replaced whole) and/or its notes."""
    step = LIFECYCLE.start("edit", actor=actor, document=plan)
    checked = plan_lines(lines) if lines is not None else None
    new_notes = _notes(notes) if notes is not None else None
    locked = step.lock()
    _require_plannable_month(locked.month)
    if new_notes is not None:
        locked.notes = new_notes
    locked.save(update_fields=["notes", "updated_at"])
    if checked is not None:
        _write_lines(locked, checked)
    return step.finish(
        data={
            "fields": [
                name
                for name, value in (("lines", checked), ("notes", new_notes))
                if value is not None
            ]
        },
    )


@transaction.atomic
def demand_plan_submit(*, actor: Actor, plan: DemandPlan) -> DemandPlan:
    """Send a draft (or a corrected returned plan) for review. A plan for a month that
    is over can no longer be submitted."""
    step = LIFECYCLE.start("submit", actor=actor, document=plan)
    locked = step.lock()
    _require_plannable_month(locked.month)
    if not locked.lines.exists():
        raise ValidationError({"lines": [_("Add at least one product.")]})
    return step.finish(fields={"submitted_at": timezone.now()})


def _review(name: str, actor: Actor, plan: DemandPlan, *, comment: str) -> DemandPlan:
    return LIFECYCLE.run(
        name,
        actor=actor,
        document=plan,
        fields={
            "reviewed_by": documents.actor_user(actor),
            "reviewed_at": timezone.now(),
            "review_comment": comment,
        },
        data={"comment": comment},
    )


def _comment(value: str | None) -> str:
    comment = (value or "").strip()
    if len(comment) > MAX_NOTES:
        raise ValidationError(
            {"comment": [_("At most %(count)d characters.") % {"count": MAX_NOTES}]}
        )
    return comment


@transaction.atomic
def demand_plan_accept(*, actor: Actor, plan: DemandPlan, comment: str = "") -> DemandPlan:
    """Accept a submitted plan: it stays in the month's aggregate, now final."""
    return _review("accept", actor, plan, comment=_comment(comment))


@transaction.atomic
def demand_plan_return(*, actor: Actor, plan: DemandPlan, comment: str) -> DemandPlan:
    """Send a submitted plan back to the dealer; the comment says what to change. It
    leaves the aggregate until it is submitted again."""
    comment = _comment(comment)
    if not comment:
        raise ValidationError({"comment": [_("Say what the dealer should change.")]})
    return _review("return", actor, plan, comment=comment)


# --- The aggregate -------------------------------------------------------------------
@dataclass(frozen=True)
class AggregateRow:
    """One product in a month: what the dealers planned and what they ordered."""

    product: Product
    planned: Decimal
    dealers: int
    ordered: Decimal

    @property
    def difference(self) -> Decimal:
        """Ordered minus planned: negative while the dealers are behind their plans."""
        return self.ordered - self.planned

    @property
    def fulfilment(self) -> Decimal | None:
        """Ordered as a percentage of planned (one decimal), None without a plan."""
        if not self.planned:
            return None
        return (self.ordered * 100 / self.planned).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class DemandAggregate:
    month: datetime.date
    rows: list[AggregateRow]
    plans: int  # submitted and accepted plans counted
    dealers: int  # dealers with such a plan


def demand_aggregate(actor: Actor, month: datetime.date) -> DemandAggregate:
    """Σ quantity per product over the submitted and accepted plans of `month` in the
    actor's scope, with the number of dealers planning each product; beside it, Σ the
    order-line quantities of those dealers' orders dated in the month (every status
    but cancelled). Products ordered without a plan show with planned 0."""
    documents.require(actor, "channel.view_demandplan")
    month = month_start(month)
    plans = demand_plans_visible_to(actor).filter(month=month, status__in=AGGREGATED)
    planned = {
        row["product_id"]: row
        for row in DemandPlanLine.objects.filter(plan__in=plans)
        .values("product_id")
        .annotate(planned=Sum("quantity"), dealers=Count("plan__dealer_id", distinct=True))
    }
    dealer_ids = plans.values("dealer_id")
    ordered = dict(
        OrderLine.objects.filter(
            order__customer_id__in=dealer_ids,
            order__order_date__gte=month,
            order__order_date__lt=month_add(month, 1),
        )
        .exclude(order__status=Order.Status.CANCELLED)
        .values("product_id")
        .annotate(ordered=Sum("quantity"))
        .values_list("product_id", "ordered")
    )
    products = Product.objects.in_bulk(set(planned) | set(ordered))
    rows = [
        AggregateRow(
            product=products[product_id],
            # `planned` holds the aggregate rows (planned, dealers) by product.
            planned=planned.get(product_id, {}).get("planned") or Decimal("0"),  # type: ignore[call-overload]
            dealers=planned.get(product_id, {}).get("dealers") or 0,  # type: ignore[call-overload]
            ordered=ordered.get(product_id) or Decimal("0"),
        )
        for product_id in products
    ]
    rows.sort(key=lambda row: (row.product.sku.lower(), row.product.pk))
    counts = plans.aggregate(plans=Count("pk"), dealers=Count("dealer_id", distinct=True))
    return DemandAggregate(
        month=month, rows=rows, plans=counts["plans"] or 0, dealers=counts["dealers"] or 0
    )
