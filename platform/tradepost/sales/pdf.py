"""Printable quotes and order confirmations: `quote_pdf(quote)` and `order_pdf(order)`
render an A4 PDF with reportlab, from the same layout.

What is on it: the company (name, registered name, address, tax id, phone, e-mail from
`masterdata.CompanyProfile`), the customer, the quote's number, date, validity and
salesperson, one row per line (product, quantity, unit price, discounts with the
promotion's name, tax rate, amount excl. tax) and the totals excl. tax, tax and incl.
tax in the quote's currency, then the notes.

Fonts: text that is plain ASCII (numbers, amounts, SKUs, Latin names) is set in
Helvetica; anything else (Chinese names and addresses, translated labels, "·", "−",
"¥") in WenQuanYi Micro Hei, embedded as a subset (`tradepost.pdffonts`), so every
viewer shows the same glyphs. Labels follow the active language.

`quote_pdf_content(quote)` and `order_pdf_content(order)` build the texts and rows
without reportlab, for tests and for anyone who needs the same content in another
format. An order confirmation carries the order's number (or its id while it has none),
dates and salesperson instead of the quote's validity.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tradepost.amounts import money_text
from tradepost.pdffonts import cjk_font
from tradepost.pricing.lines import decimal_text
from tradepost.sales.models import Order, Quote

LATIN_FONT = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"

MARGIN = 15 * mm
# #, product, quantity, unit price, discount, tax, amount excl. tax (points; A4 less margins)
COLUMN_WIDTHS = [18, 150, 52, 66, 102, 38, 78]


@dataclass(frozen=True)
class DocumentContent:
    """Everything printed on a quote or an order confirmation, as text."""

    title: str
    company: list[str]
    customer: list[str]
    details: list[tuple[str, str]]
    header: list[str]
    rows: list[list[str]]
    totals: list[tuple[str, str]]
    notes: str = ""
    currency: str = ""
    number: str = ""


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}"


def _percent(value: Decimal) -> str:
    return f"{decimal_text(value)}%"


def _discount(line) -> str:
    parts = []
    if line.promotion_label:
        parts.append(
            _("%(promotion)s −%(amount)s")
            % {"promotion": line.promotion_label, "amount": _amount(line.promotion_discount)}
        )
    if line.discount_percent:
        parts.append(
            _("%(percent)s −%(amount)s")
            % {"percent": _percent(line.discount_percent), "amount": _amount(line.discount_amount)}
        )
    return "\n".join(parts) or "—"


def _company_lines() -> list[str]:
    from tradepost.masterdata.selectors import company_profile

    company = company_profile()
    lines = [company.name]
    if company.legal_name and company.legal_name != company.name:
        lines.append(company.legal_name)
    if company.address:
        lines.append(company.address)
    if company.tax_id:
        lines.append(_("Tax id: %(tax_id)s") % {"tax_id": company.tax_id})
    contact = " · ".join(value for value in (company.phone, company.email) if value)
    if contact:
        lines.append(contact)
    return lines


def _customer_lines(customer) -> list[str]:
    lines = [customer.name, _("Customer no. %(code)s") % {"code": customer.code}]
    if customer.address:
        lines.append(customer.address)
    if customer.tax_id:
        lines.append(_("Tax id: %(tax_id)s") % {"tax_id": customer.tax_id})
    return lines


def _line_rows(lines) -> list[list[str]]:
    rows = []
    for index, line in enumerate(lines, start=1):
        product = f"{line.product.sku} {line.product.name}"
        if line.description and line.description != line.product.name:
            product = f"{product}\n{line.description}"
        rows.append(
            [
                str(index),
                product,
                f"{decimal_text(line.quantity)} {line.product.unit}".strip(),
                _amount(line.unit_price),
                _discount(line),
                _percent(line.tax_rate),
                _amount(line.net_amount),
            ]
        )
    return rows


def money(value: Decimal, currency: str) -> str:
    """An amount with its currency as the workspace prints them (`300,000.00 CNY`, or
    `¥300,000.00` with currency symbols on)."""
    from tradepost.masterdata.selectors import currency_symbols_shown

    return money_text(value, currency, symbol=currency_symbols_shown())


def _totals(document) -> list[tuple[str, str]]:
    currency = document.currency
    totals = [
        (_("Total excl. tax"), money(document.net_total, currency)),
        (_("Tax"), money(document.tax_total, currency)),
        (_("Total incl. tax"), money(document.gross_total, currency)),
    ]
    if document.discount_total:
        totals.insert(0, (_("Discounts included"), money(document.discount_total, currency)))
    return totals


def _header() -> list[str]:
    return [
        "#",
        _("Product"),
        _("Quantity"),
        _("Unit price"),
        _("Discount"),
        _("Tax"),
        _("Amount excl. tax"),
    ]


def _salesperson(document) -> list[tuple[str, str]]:
    if document.owner_id and document.owner is not None:
        return [(_("Salesperson"), document.owner.get_full_name() or document.owner.email)]
    return []


def quote_pdf_content(quote: Quote) -> DocumentContent:
    """The texts and table rows of the quote's PDF (labels in the active language)."""
    details = [
        (_("Quote no."), quote.number),
        (_("Date"), quote.issued_on.isoformat()),
        (_("Valid until"), quote.valid_until.isoformat()),
        (_("Currency"), quote.currency),
        *_salesperson(quote),
    ]
    return DocumentContent(
        title=_("Quote %(number)s") % {"number": quote.number},
        company=_company_lines(),
        customer=_customer_lines(quote.customer),
        details=details,
        header=_header(),
        rows=_line_rows(quote.lines.all()),
        totals=_totals(quote),
        notes=quote.notes,
        currency=quote.currency,
        number=quote.number,
    )


def order_pdf_content(order: Order) -> DocumentContent:
    """The texts and table rows of the order confirmation's PDF."""
    reference = str(order)
    details = [
        (_("Order no."), reference),
        (_("Order date"), order.order_date.isoformat()),
    ]
    if order.requested_delivery_date:
        details.append((_("Requested delivery"), order.requested_delivery_date.isoformat()))
    details += [(_("Currency"), order.currency), *_salesperson(order)]
    return DocumentContent(
        title=_("Order confirmation %(number)s") % {"number": reference},
        company=_company_lines(),
        customer=_customer_lines(order.customer),
        details=details,
        header=_header(),
        rows=_line_rows(order.lines.all()),
        totals=_totals(order),
        notes=order.notes,
        currency=order.currency,
        number=reference,
    )


# --- Rendering -----------------------------------------------------------------------
def _font(text: str, *, bold: bool = False) -> str:
    if text.isascii():
        return LATIN_BOLD if bold else LATIN_FONT
    return cjk_font()  # one weight: the font has no bold face


def _paragraph(text: str, *, size: float = 9, bold: bool = False, right: bool = False) -> Paragraph:
    style = ParagraphStyle(
        name="cell",
        fontName=_font(text, bold=bold),
        fontSize=size,
        leading=size * 1.3,
        alignment=TA_RIGHT if right else 0,
        wordWrap="CJK" if not text.isascii() else None,
    )
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _footer(number: str):
    def draw(canvas, doc) -> None:
        label = _("%(number)s · page %(page)d") % {"number": number, "page": doc.page}
        canvas.saveState()
        canvas.setFont(_font(label), 8)
        canvas.setFillColor(colors.grey)
        canvas.drawRightString(A4[0] - MARGIN, MARGIN / 2, label)
        canvas.restoreState()

    return draw


def quote_pdf(quote: Quote, *, compress: bool = True) -> bytes:
    """The quote as an A4 PDF. `compress=False` leaves the page streams readable
    (for tests that look for the printed text)."""
    return _render(quote_pdf_content(quote), compress=compress)


def order_pdf_filename(order: Order) -> str:
    return f"{order.number}.pdf" if order.number else f"order-{order.pk}.pdf"


def order_pdf(order: Order, *, compress: bool = True) -> bytes:
    """The order confirmation as an A4 PDF (see `quote_pdf`)."""
    return _render(order_pdf_content(order), compress=compress)


# --- Building blocks, shared with the delivery note (inventory.pdf) ------------------
def a4_document(
    buffer: io.BytesIO, *, title: str, author: str, compress: bool
) -> SimpleDocTemplate:
    """An A4 document with the house margins, writing into `buffer`."""
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=author,
        pageCompression=1 if compress else 0,
    )


def letterhead(company: list[str], title: str) -> list:
    """The company's name and address on the left, the document's title on the right."""
    head = Table(
        [
            [
                [_paragraph(company[0], size=13, bold=True)]
                + [_paragraph(text, size=8) for text in company[1:]],
                [_paragraph(title, size=15, bold=True, right=True)],
            ]
        ],
        colWidths=[110 * mm, None],
    )
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [head, Spacer(1, 6 * mm)]


def parties(
    label: str, customer: list[str], details: list[tuple[str, str]], *, widths: tuple[float, float]
) -> list:
    """The customer's block (under `label`) beside the document's details; `widths`:
    the customer block's and the details' value column's."""
    table = Table(
        [
            [
                [_paragraph(label, size=8, bold=True)] + [_paragraph(text) for text in customer],
                Table(
                    [
                        [_paragraph(name, size=8), _paragraph(value, right=True)]
                        for name, value in details
                    ],
                    colWidths=[28 * mm, widths[1]],
                ),
            ]
        ],
        colWidths=[widths[0], None],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [table, Spacer(1, 6 * mm)]


def lines_table(
    header: list[str],
    rows: list[list[str]],
    *,
    numeric: set[int],
    widths: Sequence[float],
    size: float,
    padding: float,
) -> Table:
    """The document's lines under a ruled header that repeats on every page; the
    `numeric` columns right-aligned."""
    table_rows = [
        [
            _paragraph(text, size=8, bold=True, right=index in numeric)
            for index, text in enumerate(header)
        ]
    ]
    for row in rows:
        table_rows.append(
            [_paragraph(text, size=size, right=index in numeric) for index, text in enumerate(row)]
        )
    table = Table(table_rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), padding),
                ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
            ]
        )
    )
    return table


def notes_block(notes: str) -> list:
    if not notes:
        return []
    return [Spacer(1, 6 * mm), _paragraph(_("Notes"), size=8, bold=True), _paragraph(notes)]


def build(doc: SimpleDocTemplate, story: list, number: str) -> None:
    """Lay out `story`, every page footed with the document's number and page."""
    footer = _footer(number)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)


def _render(content: DocumentContent, *, compress: bool) -> bytes:
    buffer = io.BytesIO()
    author = content.company[0] if content.company else ""
    doc = a4_document(buffer, title=content.title, author=author, compress=compress)
    story: list = letterhead(content.company, content.title)
    story += parties(_("To"), content.customer, content.details, widths=(100 * mm, 42 * mm))
    lines = lines_table(
        content.header,
        content.rows,
        numeric={0, 2, 3, 5, 6},
        widths=COLUMN_WIDTHS,
        size=8.5,
        padding=3,
    )
    story += [lines, Spacer(1, 4 * mm)]

    totals = Table(
        [
            [
                _paragraph(label, bold=index == len(content.totals) - 1, right=True),
                _paragraph(value, bold=index == len(content.totals) - 1, right=True),
            ]
            for index, (label, value) in enumerate(content.totals)
        ],
        colWidths=[50 * mm, 40 * mm],
        hAlign="RIGHT",
    )
    totals.setStyle(TableStyle([("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black)]))
    story.append(totals)
    story += notes_block(content.notes)
    build(doc, story, content.number)
    return buffer.getvalue()
