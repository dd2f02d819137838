"""Credit control (信用控制): an order is confirmed only while the customer's credit
allows it.

    exposure = the account's balance (open invoices − money on account, i.e. the ledger)
             + confirmed orders not invoiced yet (their gross total less what live
               invoices of theirs carry), this order included

Confirming is refused (code `credit_limit_exceeded`, with the figures) when the
exposure would exceed the customer's credit limit (a limit of 0 means none is set), or
when the workspace holds orders of customers with an invoice overdue by more than
`SettlementSettings.overdue_block_days` days — unless a finance manager has recorded an
override for that order (`credit_override_grant`, with a reason, audited); the
confirmation uses it up.

The check runs inside the order's confirmation transaction and starts by locking the
customer's account row (`ledger.account_lock`): a second confirmation for the same
customer waits there, then sees the first order in its exposure. So two confirmations
can never pass the limit together. The deposit of the order is booked (as a payment on
account) under the same lock, before the figures are taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.access import ensure_writable
from tradepost.audit.services import audit_record
from tradepost.customers.models import Customer
from tradepost.pricing import documents
from tradepost.principals import Actor
from tradepost.sales.models import Order, SettlementCredit
from tradepost.settlement import invoices, ledger, money, payments, selectors
from tradepost.settlement.models import CreditOverride, CustomerAccount, Invoice
from tradepost.settlement.services import overdue_hold_days

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)
# Orders whose value counts until it is invoiced.
EXPOSED_STATUSES = (
    Order.Status.CONFIRMED,
    Order.Status.PARTIALLY_SHIPPED,
    Order.Status.SHIPPED,
    Order.Status.DELIVERED,
)


@dataclass(frozen=True)
class CreditPosition:
    currency: str
    credit_limit: Decimal
    balance: Decimal
    uninvoiced: Decimal
    exposure: Decimal
    available: Decimal | None  # None: no limit set
    overdue_days: int
    hold_days: int | None

    @property
    def over_limit(self) -> bool:
        return self.available is not None and self.available < 0

    @property
    def overdue_hold(self) -> bool:
        return self.hold_days is not None and self.overdue_days > self.hold_days


def uninvoiced(customer_id: int, currency: str, *, exclude_order: int | None = None) -> Decimal:
    """Confirmed orders of the customer not yet invoiced, in the account's currency."""
    invoiced = (
        Invoice.objects.filter(order=OuterRef("pk"), kind=Invoice.Kind.INVOICE)
        .exclude(status=Invoice.Status.CANCELLED)
        .values("order")
        .annotate(total=Sum("gross_total"))
        .values("total")
    )
    orders = Order.objects.filter(customer_id=customer_id, status__in=EXPOSED_STATUSES)
    if exclude_order is not None:
        orders = orders.exclude(pk=exclude_order)
    rows = (
        orders.annotate(
            open=Greatest(
                F("gross_total") - Coalesce(Subquery(invoiced, output_field=MONEY), Value(ZERO)),
                Value(ZERO),
                output_field=MONEY,
            )
        )
        .values("currency")
        .annotate(total=Sum("open"))
        .values_list("currency", "total")
    )
    today = timezone.localdate()
    return sum(
        (money.converted(total, money.factor(code, currency, today)) for code, total in rows),
        ZERO,
    )


def position(
    account: CustomerAccount,
    customer: Customer,
    *,
    adding: Decimal = ZERO,
    order: int | None = None,
    hold_days: int | None,
    overdue: bool = True,
) -> CreditPosition:
    """The customer's figures now, with `adding` (the order being confirmed, in the
    account's currency) on top; `hold_days` is the workspace's overdue hold
    (`overdue_hold_days()`). `overdue=False` skips reading the oldest overdue invoice
    when nothing depends on it (no hold)."""
    open_orders = uninvoiced(customer.pk, account.currency, exclude_order=order) + adding
    exposure = account.balance + open_orders
    limit = customer.credit_limit
    return CreditPosition(
        currency=account.currency,
        credit_limit=limit,
        balance=account.balance,
        uninvoiced=open_orders,
        exposure=exposure,
        available=limit - exposure if limit > 0 else None,
        overdue_days=selectors.oldest_overdue_days(customer.pk) if overdue else 0,
        hold_days=hold_days,
    )


def _refusal(position: CreditPosition, order: Order) -> ValidationError:
    figures = {
        "exposure": position.exposure,
        "limit": position.credit_limit,
        "currency": position.currency,
        "balance": position.balance,
        "uninvoiced": position.uninvoiced,
        "days": position.overdue_days,
        "hold": position.hold_days,
    }
    if position.over_limit:
        message = (
            _(
                "Credit limit exceeded: with this order the customer would owe %(exposure)s "
                "%(currency)s (balance %(balance)s + orders not invoiced %(uninvoiced)s) "
                "against a limit of %(limit)s %(currency)s. A finance manager can record an "
                "override."
            )
            % figures
        )
    else:
        message = (
            _(
                "The customer has an invoice overdue by %(days)s days (orders are held after "
                "%(hold)s days). A finance manager can record an override."
            )
            % figures
        )
    return ValidationError({"customer": [ValidationError(message, code="credit_limit_exceeded")]})


def credit_check(*, actor: Actor, order: Order, account: CustomerAccount) -> CreditPosition | None:
    """Refuse the locked `order` if the credit rules do not allow it (see the module
    docstring); use up its override if they do not but one was granted."""
    customer = account.customer  # read with the account's lock
    hold_days = overdue_hold_days()
    if customer.credit_limit <= 0 and hold_days is None:
        return None  # no limit set and overdue invoices hold nothing: nothing to check
    rate = money.factor(order.currency, account.currency, timezone.localdate())
    figures = position(
        account,
        customer,
        adding=money.converted(order.gross_total, rate),
        order=order.pk,
        hold_days=hold_days,
        overdue=hold_days is not None,
    )
    if not (figures.over_limit or figures.overdue_hold):
        return figures
    override = CreditOverride.objects.filter(order=order, used_at__isnull=True).first()
    if override is None:
        raise _refusal(figures, order)
    override.used_at = timezone.now()
    override.save(update_fields=["used_at"])
    audit_record(
        actor=actor,
        action="credit_override.used",
        target=order,
        data={"override": override.pk, "exposure": str(figures.exposure)},
    )
    return figures


@transaction.atomic
def credit_override_grant(*, actor: Actor, order: Order, reason: str) -> CreditOverride:
    """A finance manager lets `order` be confirmed over the credit rules, once."""
    documents.require(actor, "settlement.add_creditoverride")
    ensure_writable()
    documents.require_customer_visible(actor, order.customer)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the order may go over the credit rules.")]})
    if order.status not in (Order.Status.DRAFT, Order.Status.SUBMITTED, Order.Status.APPROVED):
        raise ValidationError({"order": [_("Only orders not yet confirmed need an override.")]})
    account = ledger.account_lock(order.customer)
    if CreditOverride.objects.filter(order=order, used_at__isnull=True).exists():
        raise ValidationError({"order": [_("This order already has an override waiting.")]})
    customer = order.customer
    figures = position(
        account,
        customer,
        adding=money.converted(
            order.gross_total, money.factor(order.currency, account.currency, timezone.localdate())
        ),
        order=order.pk,
        hold_days=overdue_hold_days(),
    )
    override = CreditOverride.objects.create(
        order=order,
        customer=customer,
        reason=reason[:300],
        exposure=figures.exposure,
        credit_limit=figures.credit_limit,
        currency=figures.currency,
        created_by=documents.actor_user(actor),
    )
    audit_record(
        actor=actor,
        action="credit_override.granted",
        target=order,
        data={"reason": reason[:300], "exposure": str(figures.exposure)},
    )
    return override


def credit_position(customer: Customer) -> CreditPosition:
    """The figures for a page (no lock: a reading, not a decision)."""
    account = CustomerAccount.objects.filter(customer=customer).first() or CustomerAccount(
        customer=customer, currency=customer.currency
    )
    return position(account, customer, hold_days=overdue_hold_days())


class AccountSettlement:
    """The `sales.settlement.Settlement` of this app (registered in `apps.ready`)."""

    def confirming(self, *, actor: Actor, order: Order) -> None:
        account = ledger.account_lock(order.customer_id)
        payments.deposit_book(actor=actor, order=order, account=account)
        credit_check(actor=actor, order=order, account=account)

    def credits_posted(self, *, actor: Actor, credits: Sequence[SettlementCredit]) -> None:
        """Returns and price adjustments owe the customer: each credit becomes an issued
        credit note that settles the customer's oldest open invoices, the rest on account."""
        for credit in credits:
            invoices.credit_note_for(actor=actor, credit=credit)

    def position(self, *, customer: Customer) -> dict[str, Any] | None:
        figures = credit_position(customer)
        return {
            **asdict(figures),
            "over_limit": figures.over_limit,
            "overdue_hold": figures.overdue_hold,
        }
