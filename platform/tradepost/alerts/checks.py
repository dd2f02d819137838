"""What each rule watches: the event handler (`on_event`, subscribed to
`tradepost.events`) and the scheduled checks (`run_scheduled`, from the per-workspace
task). Each finds its subjects and calls `services.alert_raise`, which deduplicates.

Event kinds run inside the emitting transaction: an order submission that rolls back
raises nothing. An event this module does not watch costs nothing (no query).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tradepost.alerts import services
from tradepost.alerts.kinds import SPECS, Kind
from tradepost.alerts.models import Alert, AlertRule
from tradepost.customers.models import Customer
from tradepost.inventory.models import StockBalance
from tradepost.inventory.selectors import below_threshold_q
from tradepost.plans import selectors as plans
from tradepost.plans.models import SalesTarget
from tradepost.plans.periods import period_end
from tradepost.reports.customer_value import customer_values
from tradepost.sales.models import Order, OrderReturn
from tradepost.settlement.credit import credit_position
from tradepost.settlement.models import Invoice

logger = logging.getLogger(__name__)

S = Alert.Subject
WATCHED = {
    "order.submitted",
    "order.approved",
    "order.cancelled",
    "order.confirmed",
    "order.returned",
}
# An order reviewed (or cancelled) needs no review any more.
REVIEW_KINDS = [Kind.ORDER_SUBMITTED.value, Kind.REVIEW_WAITING.value]
SCAN_LIMIT = 500  # subjects a scheduled check raises for in one run, at most


def _rules(*kinds: Kind) -> dict[str, AlertRule]:
    return {
        rule.kind: rule
        for rule in AlertRule.objects.filter(kind__in=[k.value for k in kinds], enabled=True)
    }


def order_label(order: Order) -> str:
    return order.number or f"#{order.pk}"


def _order(payload: dict[str, Any]) -> Order | None:
    order_id = payload.get("id")
    if not isinstance(order_id, int):
        return None
    return Order.objects.select_related("owner", "customer").filter(pk=order_id).first()


def on_event(event_type: str, payload: dict[str, Any]) -> None:
    """Run the event rules watching `event_type` (see the module docstring)."""
    if event_type not in WATCHED:
        return
    if event_type in ("order.approved", "order.cancelled"):
        note = _("The order was reviewed.") if event_type == "order.approved" else ""
        services.alerts_close_for(
            kinds=REVIEW_KINDS,
            subject_type=S.ORDER,
            subject_id=int(payload["id"]),
            note=note or _("The order was cancelled."),
        )
        return
    if event_type == "order.submitted":
        rules = _rules(Kind.ORDER_SUBMITTED, Kind.LARGE_DISCOUNT)
    elif event_type == "order.confirmed":
        rules = _rules(Kind.CREDIT_LIMIT)
    else:
        rules = _rules(Kind.RETURN_RECORDED)
    if not rules:
        return
    order = _order(payload)
    if order is None:
        return
    customer_name = order.customer.name
    base = {"customer": customer_name}
    if rule := rules.get(Kind.ORDER_SUBMITTED):
        services.alert_raise(
            rule=rule,
            subject_type=S.ORDER,
            subject_id=order.pk,
            subject_label=order_label(order),
            owner=order.owner,
            data={**base, "total": str(order.gross_total), "currency": order.currency},
        )
    if rule := rules.get(Kind.LARGE_DISCOUNT):
        largest = order.lines.aggregate(top=Max("discount_percent"))["top"]
        if largest is not None and rule.threshold is not None and largest > rule.threshold:
            services.alert_raise(
                rule=rule,
                subject_type=S.ORDER,
                subject_id=order.pk,
                subject_label=order_label(order),
                owner=order.owner,
                data={**base, "discount": str(largest)},
            )
    if rule := rules.get(Kind.CREDIT_LIMIT):
        _credit(rule, order)
    if rule := rules.get(Kind.RETURN_RECORDED):
        latest = OrderReturn.objects.filter(order=order).order_by("-pk").first()
        services.alert_raise(
            rule=rule,
            subject_type=S.ORDER,
            subject_id=order.pk,
            subject_label=order_label(order),
            owner=order.owner,
            data={
                **base,
                "return": latest.number if latest else "",
                "total": str(latest.gross_total) if latest else "",
            },
        )


def _credit(rule: AlertRule, order: Order) -> None:
    """The order just confirmed brings the customer to the rule's share of their
    credit limit (or past it, through a finance override)."""
    customer = order.customer
    if customer.credit_limit <= 0 or rule.threshold is None:
        return
    figures = credit_position(customer)
    percent = figures.exposure * 100 / figures.credit_limit
    if percent < rule.threshold:
        return
    services.alert_raise(
        rule=rule,
        subject_type=S.CUSTOMER,
        subject_id=customer.pk,
        subject_label=customer.name,
        owner=customer.owner,
        data={
            "exposure": str(figures.exposure),
            "limit": str(figures.credit_limit),
            "currency": figures.currency,
            "percent": str(percent.quantize(Decimal(1))),
            "order": order_label(order),
        },
    )


# --- Scheduled ----------------------------------------------------------------------------
def _stock_low(rule: AlertRule, now: datetime.datetime) -> int:
    rows = (
        StockBalance.objects.filter(below_threshold_q())
        .select_related("product", "location")
        .order_by("pk")[:SCAN_LIMIT]
    )
    raised = 0
    for balance in rows:
        raised += (
            services.alert_raise(
                rule=rule,
                subject_type=S.STOCK,
                subject_id=balance.pk,
                subject_label=f"{balance.product.sku} · {balance.location.name}",
                owner=None,
                data={
                    "product": balance.product_id,
                    "available": str(balance.on_hand - balance.reserved),
                    "reorder_point": str(balance.reorder_point),
                },
                now=now,
            )
            is not None
        )
    return raised


def _invoice_overdue(rule: AlertRule, now: datetime.datetime) -> int:
    today = timezone.localdate(now)
    grace = int(rule.threshold or 0)
    rows = (
        Invoice.objects.filter(
            kind=Invoice.Kind.INVOICE,
            status=Invoice.Status.ISSUED,
            due_date__lt=today - datetime.timedelta(days=grace),
            entry__open_amount__gt=0,
        )
        .select_related("customer__owner")
        .order_by("due_date", "pk")[:SCAN_LIMIT]
    )
    raised = 0
    for invoice in rows:
        assert invoice.due_date is not None  # noqa: S101  # filtered above
        raised += (
            services.alert_raise(
                rule=rule,
                subject_type=S.INVOICE,
                subject_id=invoice.pk,
                subject_label=invoice.number or f"#{invoice.pk}",
                owner=invoice.customer.owner,
                data={
                    "customer": invoice.customer.name,
                    "days": (today - invoice.due_date).days,
                    "total": str(invoice.gross_total),
                    "currency": invoice.currency,
                },
                now=now,
            )
            is not None
        )
    return raised


def _review_waiting(rule: AlertRule, now: datetime.datetime) -> int:
    hours = int(rule.threshold or 24)
    rows = (
        Order.objects.filter(
            status=Order.Status.SUBMITTED,
            submitted_at__lte=now - datetime.timedelta(hours=hours),
        )
        .select_related("owner", "customer")
        .order_by("submitted_at", "pk")[:SCAN_LIMIT]
    )
    raised = 0
    for order in rows:
        assert order.submitted_at is not None  # noqa: S101  # filtered above
        raised += (
            services.alert_raise(
                rule=rule,
                subject_type=S.ORDER,
                subject_id=order.pk,
                subject_label=order_label(order),
                owner=order.owner,
                data={
                    "customer": order.customer.name,
                    "hours": int((now - order.submitted_at).total_seconds() // 3600),
                },
                now=now,
            )
            is not None
        )
    return raised


def _churn(rule: AlertRule, now: datetime.datetime) -> int:
    # The churn line of Customer value (reports), over every customer of the workspace:
    # the rule runs for the workspace, so an executive's view is the one taken.
    executive = services.workspace_lead()
    if executive is None:
        return 0
    rows = (
        customer_values(executive, today=timezone.localdate(now))
        .filter(churn=True)
        .values("pk", "name", "owner_id", "days_since_last", "usual_interval")[:SCAN_LIMIT]
    )
    owners = {
        c.pk: c.owner
        for c in Customer.objects.select_related("owner").filter(pk__in=[row["pk"] for row in rows])
    }
    raised = 0
    for row in rows:
        raised += (
            services.alert_raise(
                rule=rule,
                subject_type=S.CUSTOMER,
                subject_id=row["pk"],
                subject_label=row["name"],
                owner=owners.get(row["pk"]),
                data={"days": row["days_since_last"], "usual": round(row["usual_interval"] or 0)},
                now=now,
            )
            is not None
        )
    return raised


def _target_behind(rule: AlertRule, now: datetime.datetime) -> int:
    today = timezone.localdate(now)
    current = [
        target
        for target in SalesTarget.objects.filter(
            dimension=SalesTarget.Dimension.SALESPERSON, period_start__lte=today
        ).select_related("salesperson")
        if period_end(target.period_kind, target.period_start) >= today
    ][:SCAN_LIMIT]
    if not current or rule.threshold is None:
        return 0
    figures = plans.completion(current, today=today)
    raised = 0
    for target in current:
        completion = figures[target.pk]
        # A week into the period at least: the first days' pace says little.
        if completion.forecast_percent is None or completion.elapsed_days < 7:
            continue
        if completion.forecast_percent >= rule.threshold:
            continue
        raised += (
            services.alert_raise(
                rule=rule,
                subject_type=S.TARGET,
                subject_id=target.pk,
                subject_label=str(target),
                owner=target.salesperson,
                data={"percent": str(completion.forecast_percent)},
                now=now,
            )
            is not None
        )
    return raised


SCHEDULED: dict[str, Callable[[AlertRule, datetime.datetime], int]] = {
    Kind.STOCK_LOW: _stock_low,
    Kind.INVOICE_OVERDUE: _invoice_overdue,
    Kind.REVIEW_WAITING: _review_waiting,
    Kind.CHURN: _churn,
    Kind.TARGET_BEHIND: _target_behind,
}
assert set(SCHEDULED) == {k for k, s in SPECS.items() if s.scheduled}  # noqa: S101


def run_scheduled(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Run every enabled scheduled rule whose next check has come, each in its own
    transaction under its row lock (a rule another run holds is skipped), and set its
    next check. Returns alerts raised per kind."""
    now = now or timezone.now()
    due = list(
        AlertRule.objects.filter(
            kind__in=list(SCHEDULED), enabled=True, next_run_at__lte=now
        ).values_list("pk", flat=True)
    )
    raised: dict[str, int] = {}
    for pk in due:
        with transaction.atomic():
            rule = (
                AlertRule.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, enabled=True, next_run_at__lte=now)
                .first()
            )
            if rule is None:
                continue
            raised[rule.kind] = SCHEDULED[rule.kind](rule, now)
            hours = rule.check_every_hours or SPECS[rule.kind].check_every_hours or 24
            rule.next_run_at = now + datetime.timedelta(hours=hours)
            rule.save(update_fields=["next_run_at"])
    return raised


def workspace_run(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Everything due in this workspace: scheduled checks, then escalations; then the
    workspace's due time is set again from what is left."""
    now = now or timezone.now()
    raised = run_scheduled(now=now)
    escalated = services.alerts_escalate_due(now=now)
    services.due_reset()
    return {**raised, "escalated": escalated}
