"""The accounting export: the receivables ledger of a period as journal entries (记账凭证)
for the bookkeeping system, as CSV or Excel.

Every ledger entry becomes one balanced journal entry (its lines' debits equal their
credits), in the account's currency, on the accounts the workspace maps in
`SettlementSettings` (defaults from 小企业会计准则: 1122 receivables, 6001 revenue,
2221 output tax, 1002 bank, 1001 cash, 6711 adjustments):

    invoice        Dr receivables (gross)      Cr revenue (net), Cr output tax (tax)
    credit note    Dr revenue (net), Dr tax    Cr receivables (gross)
    payment        Dr bank — cash for cash     Cr receivables
    refund         Dr receivables              Cr bank (cash for cash)
    adjustment +   Dr receivables              Cr adjustments
    adjustment −   Dr adjustments              Cr receivables
    cancellation   the lines of what it cancels, debit and credit swapped

An invoice in another currency splits at its exchange rate: tax = its tax × rate,
rounded half up to the cent; net = the converted gross − that tax, so the lines add up
to the ledger amount exactly.

Columns (`COLUMNS`, in this order): date, journal (the document's number), line,
account, account_name, debit, credit, currency, customer_code, customer, description,
document_currency, document_amount, exchange_rate.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tradepost.dataio.files import safe_text
from tradepost.lifecycle import Permission
from tradepost.settlement import money
from tradepost.settlement.models import Invoice, LedgerEntry, Payment, SettlementSettings
from tradepost.settlement.services import settings_get

ZERO = Decimal("0.00")
MAX_DAYS = 366
# Who exports (the page and the API): finance, who reads the ledger and maps its accounts.
JOURNAL_EXPORT: Permission = ("settlement.view_ledgerentry", "settlement.change_settlementsettings")
FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
COLUMNS = (
    "date",
    "journal",
    "line",
    "account",
    "account_name",
    "debit",
    "credit",
    "currency",
    "customer_code",
    "customer",
    "description",
    "document_currency",
    "document_amount",
    "exchange_rate",
)
ACCOUNT_NAMES = {
    "receivable": gettext_lazy("Accounts receivable"),
    "revenue": gettext_lazy("Sales revenue"),
    "tax": gettext_lazy("Output tax payable"),
    "bank": gettext_lazy("Bank"),
    "cash": gettext_lazy("Cash"),
    "adjustment": gettext_lazy("Receivable adjustments"),
}
K = LedgerEntry.Kind


@dataclass(frozen=True)
class JournalLine:
    date: datetime.date
    journal: str
    line: int
    account: str
    account_name: str
    debit: Decimal
    credit: Decimal
    currency: str
    customer_code: str
    customer: str
    description: str
    document_currency: str
    document_amount: Decimal
    exchange_rate: Decimal

    def values(self) -> list[object]:
        """The row's cells; text a spreadsheet would run as a formula (a customer named
        "=…") is guarded as in every other export (`dataio.files.safe_text`)."""
        return [safe_text(getattr(self, column)) for column in COLUMNS]


def period_check(start: datetime.date, end: datetime.date) -> None:
    if end < start:
        raise ValidationError({"end": [_("The end of the period is before its start.")]})
    if (end - start).days >= MAX_DAYS:
        raise ValidationError(
            {"end": [_("Export at most %(days)d days at a time.") % {"days": MAX_DAYS}]}
        )


def _sides(
    entry: LedgerEntry, invoice: Invoice | None, payment: Payment | None
) -> list[tuple[str, Decimal]]:
    """The (account key, signed amount) lines of `entry` as its document posts them,
    + debit, − credit, before a cancellation's swap."""
    amount = abs(entry.amount)
    original: str = entry.kind
    lines: list[tuple[str, Decimal]]
    if entry.kind == K.CANCELLATION:
        original = K.INVOICE if entry.document_type == "invoice" else K.PAYMENT
        if invoice is not None and invoice.is_credit_note:
            original = K.CREDIT_NOTE
    if original in (K.INVOICE, K.CREDIT_NOTE):
        tax = money.converted(invoice.tax_total, entry.exchange_rate) if invoice else ZERO
        tax = min(tax, amount)
        lines = [("receivable", amount), ("revenue", -(amount - tax)), ("tax", -tax)]
        if original == K.CREDIT_NOTE:
            lines = [(key, -value) for key, value in lines]
    elif original in (K.PAYMENT, K.REFUND):
        method = payment.method if payment is not None else ""
        bank = "cash" if method == Payment.Method.CASH else "bank"
        lines = [(bank, amount), ("receivable", -amount)]
        if original == K.REFUND:
            lines = [(key, -value) for key, value in lines]
    else:  # an adjustment
        sign = 1 if entry.amount > 0 else -1
        lines = [("receivable", sign * amount), ("adjustment", -sign * amount)]
    if entry.kind == K.CANCELLATION:
        lines = [(key, -value) for key, value in lines]
    return [(key, value) for key, value in lines if value != 0]


def journal_lines(start: datetime.date, end: datetime.date) -> Iterator[JournalLine]:
    """The journal of the entries dated `start`…`end` (inclusive), oldest first."""
    period_check(start, end)
    settings: SettlementSettings = settings_get()
    accounts = {key: getattr(settings, f"account_{key}") for key in ACCOUNT_NAMES}
    names = {key: str(label) for key, label in ACCOUNT_NAMES.items()}
    entries = list(
        LedgerEntry.objects.filter(entry_date__gte=start, entry_date__lte=end)
        .select_related("customer")
        .order_by("entry_date", "pk")
    )
    invoice_ids = {e.document_id for e in entries if e.document_type == "invoice"}
    payment_ids = {e.document_id for e in entries if e.document_type == "payment"}
    invoices = Invoice.objects.in_bulk([i for i in invoice_ids if i is not None])
    payments = Payment.objects.in_bulk([i for i in payment_ids if i is not None])
    for entry in entries:
        invoice = invoices.get(entry.document_id) if entry.document_type == "invoice" else None
        payment = payments.get(entry.document_id) if entry.document_type == "payment" else None
        description = entry.get_kind_display()
        if entry.reason:
            description = f"{description}: {entry.reason}"
        for number, (key, value) in enumerate(_sides(entry, invoice, payment), start=1):
            yield JournalLine(
                date=entry.entry_date,
                journal=entry.reference,
                line=number,
                account=accounts[key],
                account_name=names[key],
                debit=value if value > 0 else ZERO,
                credit=-value if value < 0 else ZERO,
                currency=entry.currency,
                customer_code=entry.customer.code,
                customer=entry.customer.name,
                description=description,
                document_currency=entry.document_currency,
                document_amount=entry.document_amount,
                exchange_rate=entry.exchange_rate,
            )


def journal_csv(start: datetime.date, end: datetime.date) -> bytes:
    """The journal as UTF-8 CSV with a byte-order mark (Excel opens Chinese right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for line in journal_lines(start, end):
        writer.writerow(line.values())
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def journal_filename(start: datetime.date, end: datetime.date, fmt: str) -> str:
    """`journal-<start>-<end>.<fmt>`, the dates as YYYYMMDD."""
    return f"journal-{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"


def journal_file(start: datetime.date, end: datetime.date, fmt: str) -> bytes:
    """The journal of the period as `fmt` (csv or xlsx)."""
    return (journal_xlsx if fmt == "xlsx" else journal_csv)(start, end)


def journal_xlsx(start: datetime.date, end: datetime.date) -> bytes:
    """The journal as an Excel workbook: one sheet, a header row, amounts as numbers."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=f"{start:%Y%m%d}-{end:%Y%m%d}")
    sheet.append(list(COLUMNS))
    for line in journal_lines(start, end):
        sheet.append(line.values())  # Decimal amounts are written as numbers
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
