"""The delivery note (发货单) as an A4 PDF: `delivery_note_pdf(delivery)`.

What is on it: the company, the customer (ship to), the delivery's number, order,
date, warehouse, carrier and tracking number, one row per line (product, quantity
with its unit, lot and expiry), the notes and a block for the receiver to sign
("Received by / Date / Signature").

Fonts as on quotes and order confirmations (`sales.pdf`): ASCII text in Helvetica,
anything else (Chinese names, translated labels) in WenQuanYi Micro Hei, embedded as
a subset (`tradepost.pdffonts`). `delivery_note_content(delivery)` builds the texts
without reportlab, for tests.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from tradepost.inventory.models import Delivery
from tradepost.pricing.lines import decimal_text
from tradepost.sales.pdf import (
    _company_lines,
    _customer_lines,
    _paragraph,
    a4_document,
    build,
    letterhead,
    lines_table,
    notes_block,
    parties,
)

# #, product, quantity, lot, expires (points; A4 less margins)
COLUMN_WIDTHS = [18, 250, 80, 85, 72]


@dataclass(frozen=True)
class DeliveryNoteContent:
    title: str
    company: list[str]
    customer: list[str]
    details: list[tuple[str, str]]
    header: list[str]
    rows: list[list[str]]
    notes: str
    signature: list[str]
    number: str


def _quantity(value) -> str:
    text = decimal_text(value)
    whole, _dot, fraction = text.partition(".")
    grouped = f"{int(whole):,}" if whole.lstrip("-").isdigit() else whole
    return f"{grouped}.{fraction}" if fraction else grouped


def delivery_note_content(delivery: Delivery) -> DeliveryNoteContent:
    order = delivery.order
    when = delivery.shipped_at or delivery.created_at
    details = [
        (_("Delivery no."), delivery.number),
        (_("Order no."), str(order)),
        (_("Date"), timezone.localtime(when).date().isoformat()),
        (_("Ship from"), delivery.location.name),
        (_("Carrier"), delivery.carrier or "—"),
        (_("Tracking number"), delivery.tracking_number or "—"),
    ]
    rows = []
    for index, line in enumerate(
        delivery.lines.select_related("product", "lot").order_by("pk"), start=1
    ):
        rows.append(
            [
                str(index),
                f"{line.product.sku} {line.product.name}",
                f"{_quantity(line.quantity)} {line.product.unit}".strip(),
                line.lot.number if line.lot else "—",
                line.lot.expires_on.isoformat() if line.lot and line.lot.expires_on else "—",
            ]
        )
    return DeliveryNoteContent(
        title=_("Delivery note %(number)s") % {"number": delivery.number},
        company=_company_lines(),
        customer=_customer_lines(order.customer),
        details=details,
        header=["#", _("Product"), _("Quantity"), _("Lot"), _("Expires")],
        rows=rows,
        notes=delivery.notes,
        signature=[_("Received by"), _("Date"), _("Signature")],
        number=delivery.number,
    )


def delivery_note_pdf(delivery: Delivery, *, compress: bool = True) -> bytes:
    """The delivery note as an A4 PDF. `compress=False` leaves the page streams
    readable (for tests that look for the printed text)."""
    content = delivery_note_content(delivery)
    buffer = io.BytesIO()
    author = content.company[0] if content.company else ""
    doc = a4_document(buffer, title=content.title, author=author, compress=compress)
    story: list = letterhead(content.company, content.title)
    story += parties(_("Ship to"), content.customer, content.details, widths=(95 * mm, 47 * mm))
    story.append(
        lines_table(
            content.header, content.rows, numeric={0, 2}, widths=COLUMN_WIDTHS, size=9, padding=4
        )
    )
    story += notes_block(content.notes)

    # The receiver signs on paper: three labelled lines side by side.
    signature = Table(
        [
            [_paragraph(label, size=8, bold=True) for label in content.signature],
            ["", "", ""],
        ],
        colWidths=[60 * mm, 45 * mm, None],
        rowHeights=[None, 14 * mm],
    )
    signature.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 1), (0, 1), 0.6, colors.black),
                ("LINEBELOW", (1, 1), (1, 1), 0.6, colors.black),
                ("LINEBELOW", (2, 1), (2, 1), 0.6, colors.black),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8 * mm),
            ]
        )
    )
    story += [Spacer(1, 14 * mm), signature]
    build(doc, story, content.number)
    return buffer.getvalue()
