"""Invoices, credit notes and customer statements as A4 PDFs: `invoice_pdf(invoice)`
and `statement_pdf(statement)`, laid out with the building blocks of the quotes and
delivery notes (`sales.pdf`: letterhead, parties, lines table, notes, footer) and the
same fonts (ASCII in Helvetica, anything else, Chinese included, in WenQuanYi Micro
Hei, embedded as a subset: `tradepost.pdffonts`).

An invoice carries the company (with its bank accounts, `masterdata.BankAccount`, so
the customer knows where to pay), the customer, number, dates (issued, due), order,
one row per line, one tax line per rate, the totals and the notes. A statement
carries the period, the opening balance, every entry with the running balance, the
closing balance and the aging at the period's end.

`invoice_content(invoice)` and `statement_content(statement)` build the texts without
reportlab, for tests; `tax_lines(lines)` is the per-rate summary the invoice page shows.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from tradepost.customers.models import Customer
from tradepost.pricing.lines import decimal_text
from tradepost.sales.pdf import (
    _company_lines,
    _customer_lines,
    _paragraph,
    a4_document,
    build,
    letterhead,
    lines_table,
    money,
    notes_block,
    parties,
)
from tradepost.settlement.models import Invoice, InvoiceLine
from tradepost.settlement.selectors import Statement

ZERO = Decimal("0.00")
# #, description, quantity, unit price, tax rate, amount excl. tax (points)
INVOICE_COLUMNS = [18, 215, 55, 70, 45, 92]
# date, type, reference, amount, balance
STATEMENT_COLUMNS = [62, 90, 170, 80, 93]


def amount_text(value: Decimal) -> str:
    return f"{value:,.2f}"


@dataclass(frozen=True)
class TaxLine:
    rate: Decimal
    net: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


def tax_lines(lines: Iterable[InvoiceLine]) -> list[TaxLine]:
    """One line per tax rate: the net amounts and the tax at that rate, by rate."""
    sums: dict[Decimal, list[Decimal]] = {}
    for line in lines:
        total = sums.setdefault(line.tax_rate, [ZERO, ZERO])
        total[0] += line.net_amount
        total[1] += line.tax_amount
    return [TaxLine(rate, net, tax) for rate, (net, tax) in sorted(sums.items())]


@dataclass(frozen=True)
class PrintedDocument:
    title: str
    company: list[str]
    customer: list[str]
    details: list[tuple[str, str]]
    header: list[str]
    rows: list[list[str]]
    totals: list[tuple[str, str]]
    notes: str
    number: str
    extra: list[tuple[str, str]]  # printed under the totals (tax lines, aging)


def _bank_lines() -> list[str]:
    from tradepost.masterdata.selectors import company_profile

    profile = company_profile()
    if profile.pk is None:
        return []
    return [
        _("%(bank)s · %(name)s · %(number)s (%(currency)s)")
        % {
            "bank": account.bank_name,
            "name": account.account_name,
            "number": account.account_number,
            "currency": account.currency,
        }
        for account in profile.bank_accounts.all()
    ]


def _invoice_title(invoice: Invoice) -> str:
    if invoice.status == Invoice.Status.DRAFT:
        if invoice.is_credit_note:
            return _("Credit note (draft)")
        return _("Invoice (draft)")
    if invoice.is_credit_note:
        return _("Credit note %(number)s") % {"number": invoice.number}
    return _("Invoice %(number)s") % {"number": invoice.number}


def invoice_content(invoice: Invoice) -> PrintedDocument:
    """The texts and rows of the invoice's PDF (labels in the active language)."""
    details = [(_("Number"), invoice.number or "—")]
    if invoice.issue_date:
        details.append((_("Date"), invoice.issue_date.isoformat()))
    if invoice.due_date:
        details.append((_("Due"), invoice.due_date.isoformat()))
    if invoice.order_id is not None:
        details.append((_("Order no."), str(invoice.order)))
    if invoice.credited_invoice_id is not None:
        details.append((_("Credits invoice"), str(invoice.credited_invoice)))
    details.append((_("Currency"), invoice.currency))
    if invoice.status == Invoice.Status.CANCELLED:
        details.append((_("Status"), str(invoice.get_status_display())))
    lines = list(invoice.lines.select_related("product").order_by("position", "pk"))
    rows = []
    for index, line in enumerate(lines, start=1):
        text = line.description
        if line.product is not None:
            text = f"{line.product.sku} {line.description or line.product.name}"
        unit = line.product.unit if line.product is not None else ""
        rows.append(
            [
                str(index),
                text,
                f"{decimal_text(line.quantity)} {unit}".strip(),
                amount_text(line.unit_price),
                f"{decimal_text(line.tax_rate)}%",
                amount_text(line.net_amount),
            ]
        )
    currency = invoice.currency
    totals = [
        (_("Total excl. tax"), money(invoice.net_total, currency)),
        (_("Tax"), money(invoice.tax_total, currency)),
        (_("Total incl. tax"), money(invoice.gross_total, currency)),
    ]
    extra = [
        (
            _("Tax %(rate)s%% on %(net)s")
            % {"rate": decimal_text(t.rate), "net": amount_text(t.net)},
            amount_text(t.tax),
        )
        for t in tax_lines(lines)
    ]
    notes = "\n".join(
        filter(None, [invoice.reason if invoice.is_credit_note else "", invoice.notes])
    )
    banks = _bank_lines()
    if banks and not invoice.is_credit_note:
        notes = "\n".join(filter(None, [notes, _("Please pay to:"), *banks]))
    return PrintedDocument(
        title=_invoice_title(invoice),
        company=_company_lines(),
        customer=_customer_lines(invoice.customer),
        details=details,
        header=[
            "#",
            _("Description"),
            _("Quantity"),
            _("Unit price"),
            _("Tax"),
            _("Amount excl. tax"),
        ],
        rows=rows,
        totals=totals,
        notes=notes,
        number=invoice.number or _("Draft"),
        extra=extra,
    )


def statement_content(statement: Statement, customer: Customer) -> PrintedDocument:
    """The texts and rows of the customer statement's PDF."""
    currency = statement.currency or customer.currency
    rows = [["", "", _("Opening balance"), "", amount_text(statement.opening)]]
    for line in statement.lines:
        entry = line["entry"]
        rows.append(
            [
                entry.entry_date.isoformat(),
                str(entry.get_kind_display()),
                " · ".join(filter(None, [entry.reference, entry.reason])),
                amount_text(entry.amount),
                amount_text(line["balance"]),
            ]
        )
    rows.append(["", "", _("Closing balance"), "", amount_text(statement.closing)])
    extra = [(str(label), amount_text(value)) for _key, label, value in statement.aging.buckets()]
    extra.append((_("On account"), amount_text(-statement.aging.on_account)))
    number = f"{customer.code} {statement.end.isoformat()}"
    return PrintedDocument(
        title=_("Statement of account"),
        company=_company_lines(),
        customer=_customer_lines(customer),
        details=[
            (_("From"), statement.start.isoformat()),
            (_("To"), statement.end.isoformat()),
            (_("Currency"), currency),
        ],
        header=[_("Date"), _("Type"), _("Reference"), _("Amount"), _("Balance")],
        rows=rows,
        totals=[(_("Balance due"), money(statement.closing, currency))],
        notes="\n".join(_bank_lines()),
        number=number,
        extra=extra,
    )


def _figures(pairs: list[tuple[str, str]], *, rule_last: bool) -> Table:
    table = Table(
        [
            [
                _paragraph(label, bold=rule_last and index == len(pairs) - 1, right=True),
                _paragraph(value, bold=rule_last and index == len(pairs) - 1, right=True),
            ]
            for index, (label, value) in enumerate(pairs)
        ],
        colWidths=[60 * mm, 40 * mm],
        hAlign="RIGHT",
    )
    if rule_last:
        table.setStyle(TableStyle([("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black)]))
    return table


def _render(
    content: PrintedDocument,
    *,
    numeric: set[int],
    widths: Sequence[float],
    extra_title: str,
    compress: bool,
) -> bytes:
    buffer = io.BytesIO()
    author = content.company[0] if content.company else ""
    doc = a4_document(buffer, title=content.title, author=author, compress=compress)
    story: list = letterhead(content.company, content.title)
    story += parties(_("To"), content.customer, content.details, widths=(100 * mm, 42 * mm))
    story += [
        lines_table(
            content.header, content.rows, numeric=numeric, widths=widths, size=8.5, padding=3
        ),
        Spacer(1, 4 * mm),
    ]
    if content.extra:
        story += [
            _paragraph(extra_title, size=8, bold=True, right=True),
            _figures(content.extra, rule_last=False),
            Spacer(1, 3 * mm),
        ]
    story.append(_figures(content.totals, rule_last=True))
    story += notes_block(content.notes)
    build(doc, story, content.number)
    return buffer.getvalue()


def invoice_pdf(invoice: Invoice, *, compress: bool = True) -> bytes:
    """The invoice (or credit note) as an A4 PDF. `compress=False` leaves the page
    streams readable (for tests that look for the printed text)."""
    return _render(
        invoice_content(invoice),
        numeric={0, 2, 3, 4, 5},
        widths=INVOICE_COLUMNS,
        extra_title=_("Tax by rate"),
        compress=compress,
    )


def invoice_pdf_filename(invoice: Invoice) -> str:
    return f"{invoice.number}.pdf" if invoice.number else f"invoice-draft-{invoice.pk}.pdf"


def statement_pdf(
    statement: Statement, *, customer: Customer | None = None, compress: bool = True
) -> bytes:
    """The customer statement as an A4 PDF."""
    customer = customer or Customer.objects.get(pk=statement.customer_id)
    return _render(
        statement_content(statement, customer),
        numeric={3, 4},
        widths=STATEMENT_COLUMNS,
        extra_title=_("Aging at the end of the period"),
        compress=compress,
    )
