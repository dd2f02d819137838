"""The monthly stock report as files: CSV (UTF-8 with a byte-order mark, so Excel opens
Chinese right), Excel (numbers as numbers) and a landscape A4 PDF (Chinese in the
embedded WenQuanYi Micro Hei subset, as the sales and settlement PDFs).

Every file has the rows of the page's filter (all of them, not one page) and a totals
row. Quantities keep their three places; values are rounded half up to cents — and
left out, with their columns, for whoever may not see what stock cost."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from tradepost.dataio.files import safe_text
from tradepost.masterdata.models import CompanyProfile
from tradepost.reports.models import FIGURES
from tradepost.reports.selectors import StockMonthlyReport, StockMonthlyRow
from tradepost.sales.pdf import _font, _paragraph

CENTS = Decimal("0.01")
QTY_PLACES = Decimal("0.001")
MARGIN = 12 * mm


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENTS, rounding=ROUND_HALF_UP)


def quantity(value: Decimal) -> Decimal:
    return value.quantize(QTY_PLACES, rounding=ROUND_HALF_UP)


def filename(month: datetime.date, fmt: str) -> str:
    return f"stock-monthly-{month:%Y-%m}.{fmt}"


def header(*, show_cost: bool) -> list[str]:
    columns = [_("SKU"), _("Product"), _("Category"), _("Location"), _("Unit")]
    for _name, label in FIGURES:
        columns.append(pgettext("stock report column", "%(figure)s qty") % {"figure": label})
        if show_cost:
            columns.append(pgettext("stock report column", "%(figure)s value") % {"figure": label})
    return columns


def _figures(figures: dict[str, Decimal], *, show_cost: bool) -> list[Decimal]:
    values: list[Decimal] = []
    for name, _label in FIGURES:
        values.append(quantity(figures[f"{name}_qty"]))
        if show_cost:
            values.append(cents(figures[f"{name}_value"]))
    return values


def table_rows(report: StockMonthlyReport, *, show_cost: bool) -> Iterable[list]:
    """The rows of every file: one per product and location, then the totals."""
    for row in report:
        yield [
            row.sku,
            row.product,
            row.category,
            row.location,
            row.unit,
            *_figures(row.figures, show_cost=show_cost),
        ]
    yield [_("Total"), "", "", "", "", *_figures(report.totals, show_cost=show_cost)]


def stock_monthly_csv(report: StockMonthlyReport, *, show_cost: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header(show_cost=show_cost))
    for row in table_rows(report, show_cost=show_cost):
        writer.writerow([safe_text(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def stock_monthly_xlsx(report: StockMonthlyReport, *, show_cost: bool) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=f"{report.filter.month:%Y-%m}")
    sheet.append(header(show_cost=show_cost))
    for row in table_rows(report, show_cost=show_cost):
        sheet.append([safe_text(value) for value in row])  # Decimals are written as numbers
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- PDF -----------------------------------------------------------------------------
def amount_text(value: Decimal) -> str:
    return f"{cents(value):,.2f}"


def quantity_text(value: Decimal) -> str:
    text = f"{quantity(value):,.3f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _cell(row_figures: dict[str, Decimal], name: str, *, show_cost: bool) -> str:
    text = quantity_text(row_figures[f"{name}_qty"])
    if show_cost:
        text += "\n" + amount_text(row_figures[f"{name}_value"])
    return text


def stock_monthly_pdf(
    report: StockMonthlyReport, *, show_cost: bool, location: str = "", compress: bool = True
) -> bytes:
    """The report on landscape A4 pages: the month (and location) as the title, one row
    per product and location with each figure's quantity (and value under it), the
    totals last. `compress=False` leaves the text readable, for tests."""
    company = CompanyProfile.objects.values_list("name", flat=True).first() or ""
    title = _("Monthly stock report %(month)s") % {"month": f"{report.filter.month:%Y-%m}"}
    buffer = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(
        buffer,
        pagesize=page,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=company,
        pageCompression=1 if compress else 0,
    )
    story: list = [_paragraph(company, size=10), _paragraph(title, size=14, bold=True)]
    if location:
        story.append(_paragraph(_("Location: %(location)s") % {"location": location}, size=9))
    story.append(Spacer(1, 4 * mm))
    head = [
        _paragraph(_("Product"), size=7, bold=True),
        _paragraph(_("Location"), size=7, bold=True),
    ]
    head += [_paragraph(str(label), size=7, bold=True, right=True) for _name, label in FIGURES]
    rows: list[list] = [head]

    def line(first: list[str], second: str, figures: dict[str, Decimal]) -> list:
        return [
            [_paragraph(text, size=7) for text in first if text],
            _paragraph(second, size=7),
            *(
                _paragraph(_cell(figures, name, show_cost=show_cost), size=7, right=True)
                for name, _label in FIGURES
            ),
        ]

    record: StockMonthlyRow
    for record in report:
        rows.append(line([record.sku, record.product], record.location, record.figures))
    rows.append(line([_("Total")], "", report.totals))
    usable = page[0] - 2 * MARGIN
    widths = [0.2 * usable, 0.12 * usable] + [0.085 * usable] * len(FIGURES)
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.black),
                ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, colors.HexColor("#f4f4f4")]),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    story.append(table)

    def footer(canvas, doc) -> None:
        label = _("%(title)s · page %(page)d") % {"title": title, "page": doc.page}
        canvas.saveState()
        canvas.setFont(_font(label), 7)
        canvas.setFillColor(colors.grey)
        canvas.drawRightString(page[0] - MARGIN, MARGIN / 2, label)
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


# --- Customer value --------------------------------------------------------------------
def customer_value_csv(rows: Iterable[Any]) -> bytes:
    """The customer-value rows (`reports.customer_value`) of a line, every one of them."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            pgettext("customer value", "Rank"),
            _("Code"),
            _("Customer"),
            pgettext("customer value", "Lifetime value"),
            pgettext("customer value", "Orders"),
            pgettext("customer value", "First order"),
            pgettext("customer value", "Last order"),
            pgettext("customer value", "Usual interval (days)"),
            pgettext("customer value", "Days since last order"),
            pgettext("customer value", "Churn warning"),
            pgettext("customer value", "Referral value"),
        ]
    )
    for row in rows:
        interval = row.usual_interval
        writer.writerow(
            [
                safe_text(value)
                for value in (
                    row.value_rank,
                    row.code,
                    row.name,
                    cents(row.lifetime_value),
                    row.order_count,
                    row.first_order.isoformat() if row.first_order else "",
                    row.last_order.isoformat() if row.last_order else "",
                    f"{interval:.1f}" if interval is not None else "",
                    "" if row.days_since_last is None else row.days_since_last,
                    _("yes") if row.churn else "",
                    cents(row.referral_value),
                )
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
