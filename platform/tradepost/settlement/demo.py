"""Demo settlement: exchange rates, invoices in every state, partial payments, customers
overdue in each aging bucket, a credit hold and an override; (`seed_rebates`) a
rebate rule with two tiers and last month's rebates computed; and (`seed_expenses`) a
salesperson's expense claims in every state, the paid one with its receipt.

`seed_demo()` runs inside the demo workspace's schema after the sales and inventory
seeds (`tradepost.demo`), and writes through the services, so the audit log, the
numbering and the ledger read right. It is idempotent: when the workspace has any
invoice (not a credit note) it does nothing.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from reportlab.lib.pagesizes import A6
from reportlab.pdfgen import canvas

from tradepost.accounts.models import User
from tradepost.accounts.roles import Role
from tradepost.customers import selectors as customer_selectors
from tradepost.customers import services as customer_services
from tradepost.customers.demo import demo_customers
from tradepost.customers.models import Customer
from tradepost.masterdata.demo import demo_products
from tradepost.pdffonts import cjk_font
from tradepost.sales import orders
from tradepost.sales.demo import demo_lines
from tradepost.sales.models import Order
from tradepost.settlement import credit, expenses, invoices, money, payments, rebates, services
from tradepost.settlement.models import ExpenseClaim, Invoice, Rebate, RebateRule

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


@transaction.atomic
def seed_rebates(*, actor: User) -> int:
    """A rebate rule on every customer's CNY orders (1 % of the net amount from 1,000, 2 %
    from 5,000 a month), two customers' orders of last month, and last month computed
    (the rebates wait for review). Idempotent: nothing when any rule exists. Returns
    how many rebates were computed."""
    if RebateRule.objects.exists():
        return 0
    customers = [c for c in demo_customers() if c.currency == "CNY"]
    products = demo_products()
    if len(customers) < 2 or not products:
        return 0
    today = timezone.localdate()
    period_end = rebates.last_period_end(today)
    rebates.rebate_rule_create(
        actor=actor,
        name="Monthly volume rebate 月度返利",
        basis=RebateRule.Basis.AMOUNT,
        reward=RebateRule.Reward.PERCENT,
        period=RebateRule.Period.MONTH,
        valid_from=period_end.replace(month=1, day=1),
        currency="CNY",
        tiers=[
            {"threshold": Decimal("1000"), "rate": Decimal("1")},
            {"threshold": Decimal("5000"), "rate": Decimal("2")},
        ],
    )
    order_date = period_end.replace(day=min(12, period_end.day))
    for index, customer in enumerate(customers[:2]):
        order = orders.order_create(
            actor=actor,
            customer=customer,
            lines=demo_lines(products, 10 + index, min(2 + index, len(products))),
            order_date=order_date,
        )
        order = orders.order_submit(actor=actor, order=order)
        order = orders.order_approve(actor=actor, order=order, comment="OK")
        try:
            with transaction.atomic():
                orders.order_confirm(actor=actor, order=order)
        except ValidationError:
            continue  # held by the credit rules: it does not count
    rebates.rebates_compute(actor=actor, period_end=period_end)
    return Rebate.objects.count()


def _first_with(role: Role) -> User | None:
    return User.objects.filter(groups__name=role.value, is_active=True).order_by("pk").first()


def _receipt(text: str, amount: Decimal) -> SimpleUploadedFile:
    """A small PDF receipt (A6) with the shop's line and the amount."""
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A6)
    sheet.setFont(cjk_font(), 12)
    sheet.drawString(24, 360, "收据 Receipt")
    sheet.setFont(cjk_font(), 10)
    sheet.drawString(24, 330, text)
    sheet.drawString(24, 310, f"¥ {amount:,.2f}")
    sheet.showPage()
    sheet.save()
    return SimpleUploadedFile("receipt.pdf", buffer.getvalue(), content_type="application/pdf")


@transaction.atomic
def seed_expenses(*, actor: User) -> int:
    """The first salesperson's claims: paid (with a receipt), approved waiting for
    payment, submitted waiting for review, rejected, and a draft — reviewed by the first
    sales manager (else `actor`) and paid by the first finance manager (else `actor`).
    Idempotent: nothing when any claim exists, or without a salesperson. Returns how
    many claims were made."""
    claimant = _first_with(Role.SALESPERSON)
    if claimant is None or ExpenseClaim.objects.exists():
        return 0
    payer = _first_with(Role.FINANCE_MANAGER) or actor
    customers = list(customer_selectors.customers_visible_to(claimant).order_by("pk")[:3])
    if not customers:
        return 0
    reviewer = _first_with(Role.SALES_MANAGER)
    if reviewer is None or customer_selectors.customers_visible_to(reviewer).filter(
        pk__in=[c.pk for c in customers]
    ).count() < len(customers):
        reviewer = actor  # the manager must see the customers they review claims for
    profile = getattr(claimant, "staff_profile", None)
    branch = profile.branch if profile is not None else None
    today = timezone.localdate()
    Category = ExpenseClaim.Category
    # (description, category, amount, days ago, customer index, how far it got)
    stories = [
        ("Taxi to the customer 拜访客户打车", Category.TRAVEL, "86.00", 9, 0, "paid"),
        ("Dinner with the buyer 客户招待晚餐", Category.ENTERTAINMENT, "680.00", 6, 1, "approved"),
        ("Samples sent 寄送样品", Category.SAMPLES, "245.50", 3, 2, "submitted"),
        ("Courier without invoice 快递费（无发票）", Category.FREIGHT, "35.00", 5, 0, "rejected"),
        ("Trade fair booth 展会展位", Category.MARKETING, "1200.00", 1, None, "draft"),
    ]
    for description, category, amount, days, index, stage in stories:
        value = Decimal(amount)
        claim = expenses.expense_create(
            actor=claimant,
            description=description,
            amount=value,
            incurred_on=today - datetime.timedelta(days=days),
            category=category,
            # The booth is the branch's (the first customer's when the claimant has none).
            customer=customers[(index or 0) % len(customers)]
            if index is not None or branch is None
            else None,
            branch=branch if index is None else None,
            receipt=_receipt(description, value) if stage == "paid" else None,
        )
        if stage == "draft":
            continue
        claim = expenses.expense_submit(actor=claimant, claim=claim)
        if stage == "submitted":
            continue
        if stage == "rejected":
            expenses.expense_reject(
                actor=reviewer, claim=claim, comment="Attach the courier's receipt 请附快递单据"
            )
            continue
        claim = expenses.expense_approve(actor=reviewer, claim=claim, comment="OK")
        if stage == "paid":
            expenses.expense_pay(actor=payer, claim=claim, reference="Bank transfer 转账 0815")
    return ExpenseClaim.objects.count()
