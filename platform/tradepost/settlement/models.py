"""Settlement: invoices, credit notes, payments received and the receivables ledger.

Every table lives in the workspace's schema.

**The ledger.** `LedgerEntry` is the customer's account, append-only: one row per
invoice issued (+), credit note (−), payment received (−), refund paid out (+),
adjustment (调帐, ±, with a reason) and cancellation (the opposite of what it
cancels). Amounts are in the account's currency (the customer's); an entry made from a
document in another currency keeps the document's amount and the exchange rate used.
`CustomerAccount.balance` is the sum of the account's entries, kept in the same
transaction by `settlement.ledger`, whose `manage.py receivables_check` proves it.

**Open items.** Each entry also carries `open_amount`: the part not yet matched. An
`Allocation` matches a debit (an invoice, a refund, a debit adjustment) with a credit
(a payment, a credit note, a credit adjustment) and lowers both open amounts. So an
invoice is paid when its entry's open amount is zero, a payment's open amount is what
is still on account, and aging buckets the open debits by days past their due date —
the open credits (on account) count against the balance as they are. The open amounts
add up to the balance: Σ open debits − Σ open credits = Σ entries (each allocation
takes the same amount off both sides).

**Credit control** locks the `CustomerAccount` row (`settlement.credit`), so two
confirmations of one customer's orders are checked one after the other.

Money is `Decimal` with two places. A document converts to the account's currency
once, at its date's rate, rounded half up to cents (`settlement.money`).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Abs
from django.utils.translation import gettext_lazy as _

from tradepost.modelfields import ZERO
from tradepost.modelfields import currency_field as _currency
from tradepost.modelfields import money_field as _money
from tradepost.modelfields import quantity_field as _quantity
from tradepost.modelfields import user_field as _user

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

RATE_MAX_DIGITS = 18
RATE_DECIMAL_PLACES = 8


def _rate(verbose_name: StrOrPromise, **kwargs: Any) -> models.DecimalField:
    kwargs.setdefault("default", Decimal("1"))
    return models.DecimalField(
        verbose_name,
        max_digits=RATE_MAX_DIGITS,
        decimal_places=RATE_DECIMAL_PLACES,
        **kwargs,
    )


class SettlementSettings(models.Model):
    """The workspace's settlement rules: one row per schema (see `singleton`)."""

    singleton = models.BooleanField(default=True, editable=False, unique=True)
    overdue_block_days = models.PositiveSmallIntegerField(
        _("hold orders when overdue by more than (days)"),
        null=True,
        blank=True,
        help_text=_(
            "Refuse to confirm orders of a customer with an invoice overdue by more than "
            "this many days. Empty: overdue invoices do not hold orders."
        ),
    )
    reminders_enabled = models.BooleanField(
        _("send payment reminders"),
        default=False,
        help_text=_("E-mail customers a list of their overdue invoices."),
    )
    reminder_every_days = models.PositiveSmallIntegerField(
        _("remind every (days)"), default=7, validators=[MinValueValidator(1)]
    )
    # The accounting export's chart of accounts (defaults: 小企业会计准则 codes).
    account_receivable = models.CharField(_("receivables account"), max_length=20, default="1122")
    account_revenue = models.CharField(_("revenue account"), max_length=20, default="6001")
    account_tax = models.CharField(_("output tax account"), max_length=20, default="2221")
    account_bank = models.CharField(_("bank account"), max_length=20, default="1002")
    account_cash = models.CharField(_("cash account"), max_length=20, default="1001")
    account_adjustment = models.CharField(_("adjustments account"), max_length=20, default="6711")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("settlement settings")
        verbose_name_plural = _("settlement settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(singleton=True), name="settlementsettings_single_row"
            )
        ]

    def __str__(self) -> str:
        return str(_("Settlement settings"))


class ExchangeRate(models.Model):
    """What one unit of `currency` was worth in the company's base currency on a day
    (entered by finance or imported)."""

    currency = _currency()
    rate_date = models.DateField(_("date"))
    rate = _rate(_("rate"), validators=[MinValueValidator(Decimal("0.00000001"))])
    created_by = _user("+", _("entered by"))
    created_at = models.DateTimeField(_("entered"), auto_now_add=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["-rate_date", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "rate_date"], name="exchangerate_day"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchangerate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate_date} {self.rate:f}"


class CustomerAccount(models.Model):
    """A customer's receivables account: its currency and the sum of its entries."""

    # An account without entries goes with its customer; entries (PROTECT) keep both.
    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="account",
        verbose_name=_("customer"),
    )
    currency = _currency()
    balance = _money(_("balance"))
    reminders = models.BooleanField(
        _("payment reminders"),
        default=True,
        help_text=_("Send this customer reminders of overdue invoices."),
    )
    reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer account")
        verbose_name_plural = _("customer accounts")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.balance} {self.currency}"


class LedgerEntry(models.Model):
    """One line of a customer's account (see the module docstring). Never updated but
    for `open_amount`, never deleted."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")
        PAYMENT = "payment", _("Payment")
        REFUND = "refund", _("Refund")
        ADJUSTMENT = "adjustment", _("Adjustment")
        CANCELLATION = "cancellation", _("Cancellation")

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    amount = _money(_("amount"), help_text=_("Positive: owed by the customer."))
    open_amount = _money(_("open"), help_text=_("The part not yet matched (always ≥ 0)."))
    currency = _currency()
    entry_date = models.DateField(_("date"))
    due_date = models.DateField(_("due"), null=True, blank=True)
    document_currency = _currency()
    document_amount = _money(_("document amount"))
    exchange_rate = _rate(_("exchange rate"))
    document_type = models.CharField(_("document"), max_length=30)
    document_id = models.BigIntegerField(_("document id"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=60)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = _user("+", _("by"))
    created_at = models.DateTimeField(_("entered"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-entry_date", "-pk"]
        permissions = [("adjust_receivable", _("Can adjust receivables (调帐)"))]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledgerentry_not_zero"),
            models.CheckConstraint(
                condition=models.Q(open_amount__gte=0), name="ledgerentry_open_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(open_amount__lte=Abs("amount")),
                name="ledgerentry_open_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "entry_date"], name="ledgerentry_account"),
            # Aging and the overdue hold read only what is still open.
            models.Index(
                fields=["customer", "due_date"],
                name="ledgerentry_open",
                condition=models.Q(open_amount__gt=0),
            ),
            models.Index(fields=["document_type", "document_id"], name="ledgerentry_document"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.amount} {self.currency}"

    @property
    def is_debit(self) -> bool:
        return self.amount > 0


class Allocation(models.Model):
    """`amount` of a credit entry (a payment, a credit note) settles a debit entry (an
    invoice, a refund)."""

    debit = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="settled_by", verbose_name=_("owed")
    )
    credit = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="settles", verbose_name=_("paid by")
    )
    amount = _money(_("amount"))
    created_by = _user("+", _("by"))
    created_at = models.DateTimeField(_("allocated"), auto_now_add=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_positive")
        ]

    def __str__(self) -> str:
        return f"{self.credit_id} → {self.debit_id}: {self.amount}"


class Invoice(models.Model):
    """An invoice (发票) or a credit note (红字发票 / 贷项通知单) to a customer.

    draft → issued (numbered gap-free per year and kind, posted to the ledger) →
    cancelled (a cancellation entry reverses it; only while nothing is allocated to
    it). Whether it is paid is read from its ledger entry's open amount.
    """

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(
        _("type"), max_length=20, choices=Kind.choices, default=Kind.INVOICE, db_index=True
    )
    number = models.CharField(
        _("number"), max_length=40, blank=True, help_text=_("Given on issue: gap-free per year.")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("customer"),
    )
    order = models.ForeignKey(
        "sales.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("order"),
    )
    delivery = models.ForeignKey(
        "inventory.Delivery",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("delivery"),
    )
    credited_invoice = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("credits invoice"),
    )
    settlement_credit = models.ForeignKey(
        "sales.SettlementCredit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("settles credit"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    issue_date = models.DateField(_("date"), null=True, blank=True)
    due_date = models.DateField(_("due"), null=True, blank=True)
    currency = _currency()
    exchange_rate = _rate(
        _("exchange rate"), help_text=_("Units of the account's currency per unit of this one.")
    )
    net_total = _money(_("total excl. tax"))
    tax_total = _money(_("tax"))
    gross_total = _money(_("total incl. tax"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    entry = models.OneToOneField(
        LedgerEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice",
        verbose_name=_("ledger entry"),
    )
    created_by = _user("+", _("created by"))
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("issue_invoice", _("Can issue invoices and credit notes")),
            ("cancel_invoice", _("Can cancel issued invoices")),
        ]
        constraints = [
            models.UniqueConstraint(
                "number", condition=~models.Q(number=""), name="invoice_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(gross_total__gte=0, net_total__gte=0, tax_total__gte=0),
                name="invoice_totals_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(exchange_rate__gt=0), name="invoice_rate_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="invoice_customer"),
            models.Index(fields=["status", "-created_at"], name="invoice_status"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft %(id)s") % {"id": self.pk})

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE


class InvoiceLine(models.Model):
    """One line of an invoice: from an order line (and the delivery line it was
    shipped by) or free text (credit notes)."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    order_line = models.ForeignKey(
        "sales.OrderLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_lines",
        verbose_name=_("order line"),
    )
    delivery_line = models.ForeignKey(
        "inventory.DeliveryLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_lines",
        verbose_name=_("delivery line"),
    )
    product = models.ForeignKey(
        "masterdata.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = _quantity(_("quantity"), validators=[MinValueValidator(Decimal("0.001"))])
    unit_price = _money(_("unit price"), validators=[MinValueValidator(ZERO)])
    tax_rate = models.DecimalField(
        _("tax rate (%)"), max_digits=5, decimal_places=2, default=Decimal("0.00")
    )
    net_amount = _money(_("amount excl. tax"))
    tax_amount = _money(_("tax"))
    gross_amount = _money(_("amount incl. tax"))

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.quantity:f} × {self.description}"


class Payment(models.Model):
    """Money received from a customer (回款) — or, for a refund, paid back out of what a
    payment left on account. Posted when entered; cancelled only while unallocated."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Payment received")
        REFUND = "refund", _("Refund")

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CASH = "cash", _("Cash")
        CARD = "card", _("Card")
        CHEQUE = "cheque", _("Cheque")
        ONLINE = "online", _("Online payment")
        DEPOSIT = "deposit", _("Order deposit")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("number"), max_length=40, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.RECEIPT)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.POSTED
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("customer"),
    )
    method = models.CharField(
        _("method"), max_length=20, choices=Method.choices, default=Method.BANK_TRANSFER
    )
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("Bank slip, cheque number …")
    )
    received_on = models.DateField(_("date"))
    currency = _currency()
    exchange_rate = _rate(
        _("exchange rate"), help_text=_("Units of the account's currency per unit of this one.")
    )
    amount = _money(_("amount"))
    order = models.ForeignKey(
        "sales.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("order"),
    )
    refund_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("refund of"),
    )
    notes = models.TextField(_("notes"), blank=True)
    entry = models.OneToOneField(
        LedgerEntry,
        on_delete=models.PROTECT,
        related_name="payment",
        verbose_name=_("ledger entry"),
    )
    created_by = _user("+", _("entered by"))
    created_at = models.DateTimeField(_("entered"), auto_now_add=True, db_index=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_positive"),
            models.CheckConstraint(
                condition=models.Q(exchange_rate__gt=0), name="payment_rate_positive"
            ),
            # An order's deposit becomes one payment, once.
            models.UniqueConstraint(
                "order", condition=models.Q(method="deposit"), name="payment_one_deposit"
            ),
        ]
        indexes = [models.Index(fields=["customer", "-received_on"], name="payment_customer")]

    def __str__(self) -> str:
        return self.number


class CreditOverride(models.Model):
    """A finance manager's leave to confirm one order over the credit rules: recorded
    with a reason, used once (by that order's confirmation)."""

    order = models.ForeignKey(
        "sales.Order",
        on_delete=models.PROTECT,
        related_name="credit_overrides",
        verbose_name=_("order"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="credit_overrides",
        verbose_name=_("customer"),
    )
    reason = models.CharField(_("reason"), max_length=300)
    exposure = _money(_("exposure"), help_text=_("What the customer owed with the order, then."))
    credit_limit = _money(_("credit limit"))
    currency = _currency()
    created_by = _user("+", _("granted by"))
    created_at = models.DateTimeField(_("granted"), auto_now_add=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("credit override")
        verbose_name_plural = _("credit overrides")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                "order", condition=models.Q(used_at__isnull=True), name="creditoverride_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.reason}"


class CollectionNote(models.Model):
    """What a salesperson or finance noted while collecting (催款): a call, a visit, or
    the customer's promise to pay an amount by a date."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        PROMISE = "promise", _("Promise to pay")

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="collection_notes",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.NOTE)
    text = models.CharField(_("note"), max_length=500)
    promised_on = models.DateField(_("promised for"), null=True, blank=True)
    promised_amount = _money(_("promised amount"))
    created_by = _user("+", _("by"))
    created_at = models.DateTimeField(_("noted"), auto_now_add=True)

    class Meta:
        verbose_name = _("collection note")
        verbose_name_plural = _("collection notes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="note")
                | models.Q(promised_on__isnull=False, promised_amount__gt=0),
                name="collectionnote_promise_complete",
            )
        ]
        indexes = [models.Index(fields=["customer", "-created_at"], name="collectionnote_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.text[:40]}"


def expense_receipt_path(instance: ExpenseClaim, filename: str) -> str:
    """An unguessable name under the workspace's media (the tenant storage adds the
    schema); the file is served only through the claim's page, never linked directly."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"expenses/{uuid.uuid4().hex}.{suffix[:8]}"


class ExpenseClaim(models.Model):
    """A sales expense (销售费用) a salesperson claims: against a customer, an order or a
    branch, with the receipt; approved by a manager, paid by finance.

    draft → submitted → approved → paid;  submitted → rejected → (edited) → submitted
    """

    class Category(models.TextChoices):
        TRAVEL = "travel", _("Travel")
        ENTERTAINMENT = "entertainment", _("Entertainment")
        SAMPLES = "samples", _("Samples and gifts")
        FREIGHT = "freight", _("Freight")
        MARKETING = "marketing", _("Marketing")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PAID = "paid", _("Paid")

    number = models.CharField(_("number"), max_length=40, unique=True)
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="expense_claims",
        verbose_name=_("claimed by"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expense_claims",
        verbose_name=_("customer"),
    )
    order = models.ForeignKey(
        "sales.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expense_claims",
        verbose_name=_("order"),
    )
    branch = models.ForeignKey(
        "masterdata.Branch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expense_claims",
        verbose_name=_("branch"),
    )
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    description = models.CharField(_("description"), max_length=300)
    incurred_on = models.DateField(_("date"))
    currency = _currency()
    amount = _money(_("amount"))
    receipt = models.FileField(
        _("receipt"), upload_to=expense_receipt_path, blank=True, max_length=200
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    reviewed_by = _user("+", _("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_comment = models.CharField(_("review comment"), max_length=300, blank=True)
    paid_by = _user("+", _("paid by"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("expense claim")
        verbose_name_plural = _("expense claims")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("review_expenseclaim", _("Can approve or reject expense claims")),
            ("pay_expenseclaim", _("Can mark expense claims paid")),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="expenseclaim_positive")
        ]
        indexes = [
            models.Index(fields=["claimant", "-created_at"], name="expenseclaim_claimant"),
        ]

    def __str__(self) -> str:
        return self.number
