"""The kinds of alert rule: what each watches, when it runs, what its threshold means
and its defaults (every kind is on in a new workspace).

Event kinds run on a domain event, inside the change's transaction; scheduled kinds
run from beat every `check_every_hours`. The threshold's meaning, unit and bounds are
per kind (`Threshold`); a kind without one has `threshold=None`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ORDER_SUBMITTED = "order_submitted", _("Order submitted for review")
    CREDIT_LIMIT = "credit_limit", _("Credit limit reached")
    LARGE_DISCOUNT = "large_discount", _("Large discount")
    RETURN_RECORDED = "return_recorded", _("Return recorded")
    STOCK_LOW = "stock_low", _("Stock below reorder point")
    INVOICE_OVERDUE = "invoice_overdue", _("Invoice overdue")
    REVIEW_WAITING = "review_waiting", _("Order waiting for review")
    CHURN = "churn", _("Customer past the churn line")
    TARGET_BEHIND = "target_behind", _("Target run-rate behind")


class Responsible(models.TextChoices):
    """Who an alert goes to first (then up their reporting chain)."""

    SUBJECT_OWNER = "subject_owner", _("The salesperson of the customer, order or target")
    OWNER_MANAGER = "owner_manager", _("That salesperson's manager")
    SALES_MANAGER = "sales_manager", _("A sales manager")
    WAREHOUSE_MANAGER = "warehouse_manager", _("A warehouse manager")
    FINANCE_MANAGER = "finance_manager", _("A finance manager")
    EXECUTIVE = "executive", _("An executive")
    PERSON = "person", _("A named person")


@dataclass(frozen=True)
class Threshold:
    label: str | Promise
    unit: str | Promise
    minimum: Decimal
    maximum: Decimal
    default: Decimal
    places: int = 0


@dataclass(frozen=True)
class KindSpec:
    kind: Kind
    description: str | Promise
    scheduled: bool
    responsible: Responsible
    deadline_hours: int
    check_every_hours: int | None = None
    threshold: Threshold | None = None


PERCENT = _("%")
HOURS = _("hours")
DAYS = _("days")

SPECS: dict[str, KindSpec] = {
    spec.kind.value: spec
    for spec in (
        KindSpec(
            Kind.ORDER_SUBMITTED,
            _("An order is submitted for review: the reviewer is told."),
            scheduled=False,
            responsible=Responsible.OWNER_MANAGER,
            deadline_hours=24,
        ),
        KindSpec(
            Kind.CREDIT_LIMIT,
            _(
                "A confirmed order brings the customer's exposure to "
                "this share of the credit limit."
            ),
            scheduled=False,
            responsible=Responsible.FINANCE_MANAGER,
            deadline_hours=24,
            threshold=Threshold(
                _("Share of the limit"), PERCENT, Decimal(50), Decimal(200), Decimal(90)
            ),
        ),
        KindSpec(
            Kind.LARGE_DISCOUNT,
            _("An order submitted for review has a line discount above this percentage."),
            scheduled=False,
            responsible=Responsible.OWNER_MANAGER,
            deadline_hours=24,
            threshold=Threshold(_("Discount over"), PERCENT, Decimal(1), Decimal(100), Decimal(20)),
        ),
        KindSpec(
            Kind.RETURN_RECORDED,
            _("Goods are returned against an order."),
            scheduled=False,
            responsible=Responsible.SUBJECT_OWNER,
            deadline_hours=48,
        ),
        KindSpec(
            Kind.STOCK_LOW,
            _("A product's available stock at a location is under its reorder point."),
            scheduled=True,
            responsible=Responsible.WAREHOUSE_MANAGER,
            deadline_hours=24,
            check_every_hours=1,
        ),
        KindSpec(
            Kind.INVOICE_OVERDUE,
            _("An issued invoice is unpaid this many days after its due date."),
            scheduled=True,
            responsible=Responsible.FINANCE_MANAGER,
            deadline_hours=72,
            check_every_hours=24,
            threshold=Threshold(_("Days past due"), DAYS, Decimal(0), Decimal(365), Decimal(0)),
        ),
        KindSpec(
            Kind.REVIEW_WAITING,
            _("An order has waited for review longer than this."),
            scheduled=True,
            responsible=Responsible.OWNER_MANAGER,
            deadline_hours=8,
            check_every_hours=1,
            threshold=Threshold(
                _("Waiting longer than"), HOURS, Decimal(1), Decimal(720), Decimal(24)
            ),
        ),
        KindSpec(
            Kind.CHURN,
            _("A customer's gap since the last order passes the churn line of Customer value."),
            scheduled=True,
            responsible=Responsible.SUBJECT_OWNER,
            deadline_hours=168,
            check_every_hours=24,
        ),
        KindSpec(
            Kind.TARGET_BEHIND,
            _("A salesperson's target of the current period is forecast under this share."),
            scheduled=True,
            responsible=Responsible.SUBJECT_OWNER,
            deadline_hours=72,
            check_every_hours=24,
            threshold=Threshold(
                _("Forecast under"), PERCENT, Decimal(1), Decimal(100), Decimal(90)
            ),
        ),
    )
}

DEADLINE_HOURS_MAX = 720
CHECK_EVERY_HOURS_MAX = 168
