"""Demo settlement: exchange rates, invoices in every state, partial payments, customers
overdue in each aging bucket, a credit hold and an override.

`seed_demo()` runs inside the demo workspace's schema after the sales and inventory
seeds (`tradepost.demo`), and writes through the services, so the audit log, the
numbering and the ledger read right. It is idempotent: when the workspace has any
invoice (not a credit note) it does nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tradepost.accounts.models import User
from tradepost.customers import services as customer_services
from tradepost.customers.demo import demo_customers
from tradepost.customers.models import Customer
from tradepost.masterdata.demo import demo_products
from tradepost.sales import orders
from tradepost.sales.demo import demo_lines
from tradepost.sales.models import Order
from tradepost.settlement import credit, invoices, money, payments, services
from tradepost.settlement.models import Invoice

# Days past due of the invoices of the aging story: not yet due, then one per bucket.
OVERDUE_DAYS = (-12, 15, 45, 75, 120)
RATES = {"USD": ("7.1200", "7.1850"), "EUR": ("7.7400", "7.8120")}  # a month ago, today


def _confirmed(actor: User, customer: Customer, start: int) -> Order:
    order = orders.order_create(
        actor=actor, customer=customer, lines=demo_lines(demo_products(), start, 2)
    )
    order = orders.order_submit(actor=actor, order=order)
    order = orders.order_approve(actor=actor, order=order, comment="OK")
    return orders.order_confirm(actor=actor, order=order)


def _issued(actor: User, order: Order, issue_date: datetime.date | None = None) -> Invoice:
    draft = invoices.invoice_from_order(actor=actor, order=order)
    return invoices.invoice_issue(actor=actor, invoice=draft, issue_date=issue_date)


@transaction.atomic
def seed_demo(*, actor: User) -> int:
    """Create the demo's settlement records; returns how many invoices were made."""
    if Invoice.objects.filter(kind=Invoice.Kind.INVOICE).exists():
        return 0  # seeded already (the credit note of the sales seed's return is not)
    customers = demo_customers()
    if len(customers) < 10 or len(demo_products()) < 3:
        return 0
    today = timezone.localdate()
    base = money.base_currency()
    for currency, (then, now) in RATES.items():
        if currency != base:
            for days, rate in ((30, then), (0, now)):
                services.exchange_rate_set(
                    actor=actor,
                    currency=currency,
                    rate=Decimal(rate),
                    rate_date=today - datetime.timedelta(days=days),
                )

    made = []
    # The orders the sales seed shipped or delivered: invoiced today; the first paid in
    # full, the next in part.
    for order in Order.objects.filter(
        status__in=[Order.Status.DELIVERED, Order.Status.CLOSED, Order.Status.PARTIALLY_SHIPPED]
    ).order_by("pk"):
        made.append(_issued(actor, order))
    for index, invoice in enumerate(made[:2]):
        entry = invoice.entry
        assert entry is not None
        payments.payment_receive(
            actor=actor,
            customer=invoice.customer,
            amount=entry.open_amount
            if index == 0
            else (entry.open_amount / 2).quantize(Decimal("0.01")),
            reference=f"ICBC 工行 {4410 + index}",
        )

    # The aging story: one customer per bucket, invoiced in the past.
    for index, days in enumerate(OVERDUE_DAYS):
        customer = customers[index + 1]
        issue_date = today - datetime.timedelta(days=customer.payment_terms_days + days)
        made.append(_issued(actor, _confirmed(actor, customer, index), issue_date))
    # The 45-days-overdue customer paid part; another paid ahead (money on account).
    overdue = made[-3]
    payments.payment_receive(
        actor=actor,
        customer=overdue.customer,
        amount=Decimal("500.00"),
        method="cash",
        received_on=today - datetime.timedelta(days=20),
        reference="收据 0031",
    )
    payments.payment_receive(
        actor=actor,
        customer=customers[8],
        amount=Decimal("3000.00"),
        reference="Prepayment 预付款",
        allocate="none",
    )

    # A draft waiting to be issued, and an invoice issued by mistake and cancelled.
    draft_order = _confirmed(actor, customers[9], 6)
    line = draft_order.lines.order_by("position").first()
    if line is not None:
        invoices.invoice_from_order(
            actor=actor, order=draft_order, quantities={line.pk: line.quantity}
        )
    mistaken = _issued(actor, _confirmed(actor, customers[0], 7))
    invoices.invoice_cancel(actor=actor, invoice=mistaken, reason="Wrong customer 开错客户")

    # Credit control: a customer held by its limit, and an order let through by an
    # override.
    for index, customer in enumerate(customers[6:8]):
        customer_services.customer_update(
            actor=actor, customer=customer, credit_limit=Decimal("1000.00")
        )
        order = orders.order_create(
            actor=actor, customer=customer, lines=demo_lines(demo_products(), 8 + index, 3)
        )
        order = orders.order_submit(actor=actor, order=order)
        order = orders.order_approve(actor=actor, order=order, comment="OK")
        try:
            with transaction.atomic():
                orders.order_confirm(actor=actor, order=order)
        except ValidationError:
            if index == 1:
                credit.credit_override_grant(
                    actor=actor, order=order, reason="Paid by wire tomorrow 明日电汇"
                )
                orders.order_confirm(actor=actor, order=order)
    services.settings_update(actor=actor, overdue_block_days=90)
    return len(made)
