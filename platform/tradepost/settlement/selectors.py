"""Who sees which settlement records, and the figures read from the ledger.

Settlement records hang off a customer, so who may see them follows the customer scope
(`customers.selectors.scope_q`): finance, executives and administrators every
customer's, a salesperson their own customers', a dealer its own account.

Aging buckets the open debits of an account by how many days they are past due
(`BUCKETS`); the open credits (money on account) count against the total as they are,
so the buckets and "on account" add up to the balance.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tradepost.customers.selectors import scope_q
from tradepost.principals import Actor
from tradepost.settlement.models import (
    CreditOverride,
    CustomerAccount,
    ExchangeRate,
    Invoice,
    LedgerEntry,
    Payment,
)

ZERO = Decimal("0.00")

# (key, label, first day past due, last day past due or None).
BUCKETS: tuple[tuple[str, Any, int | None, int | None], ...] = (
    ("current", _("Not yet due"), None, 0),
    ("days_1_30", _("1–30 days"), 1, 30),
    ("days_31_60", _("31–60 days"), 31, 60),
    ("days_61_90", _("61–90 days"), 61, 90),
    ("days_over_90", _("Over 90 days"), 91, None),
)
BUCKET_KEYS = tuple(key for key, *_rest in BUCKETS)


def invoices_visible_to(actor: Actor) -> QuerySet[Invoice]:
    return Invoice.objects.filter(scope_q(actor, "customer__"))


def payments_visible_to(actor: Actor) -> QuerySet[Payment]:
    return Payment.objects.filter(scope_q(actor, "customer__"))


def ledger_entries_visible_to(actor: Actor) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(scope_q(actor, "customer__"))


def accounts_visible_to(actor: Actor) -> QuerySet[CustomerAccount]:
    return CustomerAccount.objects.filter(scope_q(actor, "customer__"))


def overrides_visible_to(actor: Actor) -> QuerySet[CreditOverride]:
    return CreditOverride.objects.filter(scope_q(actor, "customer__"))


def exchange_rates() -> QuerySet[ExchangeRate]:
    return ExchangeRate.objects.all()


def invoice_list(actor: Actor) -> QuerySet[Invoice]:
    """Invoices and credit notes for a list: customer and ledger entry joined."""
    return invoices_visible_to(actor).select_related("customer", "entry", "order")


def payment_list(actor: Actor) -> QuerySet[Payment]:
    return payments_visible_to(actor).select_related("customer", "entry")


# --- Aging -----------------------------------------------------------------------------
def _bucket_sums(today: datetime.date) -> dict[str, Any]:
    """One conditional SUM per bucket over open entries (an aggregate's kwargs)."""
    money = DecimalField(max_digits=16, decimal_places=2)
    sums: dict[str, Any] = {}
    for key, _label, first, last in BUCKETS:
        condition = Q(amount__gt=0)
        if first is None:  # not yet due: due today or later (or no due date)
            condition &= Q(due_date__gte=today) | Q(due_date__isnull=True)
        else:
            condition &= Q(due_date__lte=today - datetime.timedelta(days=first))
            if last is not None:
                condition &= Q(due_date__gte=today - datetime.timedelta(days=last))
        sums[key] = Coalesce(Sum("open_amount", filter=condition), Value(ZERO), output_field=money)
    sums["on_account"] = Coalesce(
        Sum("open_amount", filter=Q(amount__lt=0)), Value(ZERO), output_field=money
    )
    return sums


@dataclass
class Aging:
    """One account's (or a total's) open items by age; `balance` = Σ buckets − on account."""

    current: Decimal = ZERO
    days_1_30: Decimal = ZERO
    days_31_60: Decimal = ZERO
    days_61_90: Decimal = ZERO
    days_over_90: Decimal = ZERO
    on_account: Decimal = ZERO
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def overdue(self) -> Decimal:
        return self.days_1_30 + self.days_31_60 + self.days_61_90 + self.days_over_90

    @property
    def balance(self) -> Decimal:
        return self.current + self.overdue - self.on_account

    def buckets(self) -> list[tuple[str, Any, Decimal]]:
        return [(key, label, getattr(self, key)) for key, label, *_rest in BUCKETS]


def aging_of(customer_id: int, *, today: datetime.date | None = None) -> Aging:
    today = today or timezone.localdate()
    row = LedgerEntry.objects.filter(customer_id=customer_id, open_amount__gt=0).aggregate(
        **_bucket_sums(today)
    )
    return Aging(**row)


def aging_by_customer(
    entries: QuerySet[LedgerEntry], *, today: datetime.date | None = None
) -> QuerySet[Any]:
    """Per customer of `entries` (already scoped and filtered): the buckets, on account
    and the balance, as `values()` rows — one grouped query over the open entries."""
    today = today or timezone.localdate()
    money = DecimalField(max_digits=16, decimal_places=2)
    sums = _bucket_sums(today)
    balance = Sum(
        Case(
            When(amount__gt=0, then=F("open_amount")),
            default=-F("open_amount"),
            output_field=money,
        )
    )
    return (
        entries.filter(open_amount__gt=0)
        .values("customer_id", "currency")
        .annotate(**sums, balance=balance)
        .order_by("-balance", "customer_id")
    )


def aging_total(rows: Iterable[dict[str, Any]]) -> dict[str, Decimal]:
    """Column totals of `aging_by_customer` rows of one currency."""
    totals = dict.fromkeys([*BUCKET_KEYS, "on_account", "balance"], ZERO)
    for row in rows:
        for key in totals:
            totals[key] += row[key]
    return totals


def oldest_overdue_days(customer_id: int, *, today: datetime.date | None = None) -> int:
    """How many days the account's oldest open invoice is past due (0: none is)."""
    today = today or timezone.localdate()
    due = (
        LedgerEntry.objects.filter(
            customer_id=customer_id, open_amount__gt=0, amount__gt=0, due_date__lt=today
        )
        .order_by("due_date")
        .values_list("due_date", flat=True)
        .first()
    )
    return (today - due).days if due is not None else 0


# --- Statement -------------------------------------------------------------------------
@dataclass
class Statement:
    customer_id: int
    currency: str
    start: datetime.date
    end: datetime.date
    opening: Decimal
    lines: list[dict[str, Any]]
    closing: Decimal
    aging: Aging


def statement(customer_id: int, start: datetime.date, end: datetime.date) -> Statement:
    """The account from `start` to `end`: the opening balance, every entry with the
    running balance, the closing balance and the aging at `end`."""
    entries = LedgerEntry.objects.filter(customer_id=customer_id)
    opening = entries.filter(entry_date__lt=start).aggregate(
        total=Coalesce(Sum("amount"), Value(ZERO))
    )["total"]
    running = opening
    lines = []
    for entry in entries.filter(entry_date__gte=start, entry_date__lte=end).order_by(
        "entry_date", "pk"
    ):
        running += entry.amount
        lines.append({"entry": entry, "balance": running})
    account = CustomerAccount.objects.filter(customer_id=customer_id).first()
    currency = account.currency if account is not None else ""
    return Statement(
        customer_id=customer_id,
        currency=currency,
        start=start,
        end=end,
        opening=opening,
        lines=lines,
        closing=running,
        aging=aging_of(customer_id, today=end),
    )
