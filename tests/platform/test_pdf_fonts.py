"""Every PDF the workspace prints (quote, order confirmation, invoice, statement,
delivery note, monthly stock report) embeds a subset of WenQuanYi Micro Hei for its
non-ASCII text, in English and in Chinese: read back with pypdf, the file names no
font a viewer has to supply for those glyphs, and its text holds the Chinese labels
and the "·" and "−" that viewers showed as "�" with the unembedded CID font."""

from __future__ import annotations

import hashlib
import io
import re
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from pypdf import PdfReader

from tests.reports.moves import months_ago
from tests.settlement.conftest import confirmed_order
from tests.support import factories
from tradepost import pdffonts
from tradepost.inventory import deliveries
from tradepost.masterdata import services as md
from tradepost.settlement import invoices

SUBSET_NAME = re.compile(r"^/[A-Z]{6}\+WenQuanYiMicroHei")


def fonts_and_text(raw: bytes) -> tuple[dict[str, bool], str]:
    """Each font the pages use (name → whether its TrueType program is embedded) and
    the text pypdf extracts."""
    reader = PdfReader(io.BytesIO(raw))
    fonts: dict[str, bool] = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            embedded = descriptor is not None and "/FontFile2" in descriptor.get_object()
            fonts[str(font["/BaseFont"])] = embedded
    return fonts, "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def documents(sales_org):
    """One of each printed document, with Chinese names and a discounted line."""
    org = sales_org
    with schema_context(org.schema):
        md.company_profile_update(actor=org.owner, name="阿尔法贸易 Alpha Trading")
    quote = factories.quote(org)
    order = confirmed_order(org)
    with schema_context(org.schema):
        finance = org.users["finance_manager"]
        invoice = invoices.invoice_issue(
            actor=finance, invoice=invoices.invoice_from_order(actor=finance, order=order)
        )
        delivery = deliveries.delivery_create(actor=org.owner, order=order, carrier="顺丰速运")
    customer = org.customers["rep_own"]
    return {
        "quote": f"/sales/quotes/{quote.pk}/pdf/",
        "order": f"/sales/orders/{order.pk}/pdf/",
        "invoice": f"/finance/invoices/{invoice.pk}/pdf/",
        "statement": f"/finance/receivables/{customer.pk}/statement/pdf/",
        "delivery": f"/inventory/deliveries/{delivery.pk}/pdf/",
        "report": f"/reports/stock-monthly/?month={months_ago(1):%Y-%m}&format=pdf",
    }


# What a reader of each document sees in Chinese (the title, and a label of its body).
CHINESE = {
    "quote": ("报价单", "含税合计", "商品"),
    "order": ("订单确认书", "含税合计"),
    "invoice": ("发票", "含税合计"),
    "statement": ("对账单", "应付余额"),
    "delivery": ("发货单", "收货人", "顺丰速运"),
    "report": ("进销存月报",),
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_pdf_embeds_a_subset_of_the_cjk_font(sales_org, documents, language):
    client = sales_org.client("owner")
    client.cookies["django_language"] = language
    for name, url in documents.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert response["Content-Type"] == "application/pdf", name
        fonts, text = fonts_and_text(response.content)

        cjk = [font for font in fonts if "WenQuanYi" in font]
        assert cjk, (name, fonts)
        for font in cjk:
            assert SUBSET_NAME.match(font), (name, font)  # a subset, not the 5 MB file
            assert fonts[font], (name, font)  # its glyphs travel with the file
        # Nothing is left to the viewer but the standard Latin faces.
        assert set(fonts) - set(cjk) <= {"/Helvetica", "/Helvetica-Bold"}, (name, fonts)

        assert "阿尔法贸易" in text or name == "report", name  # the company's Chinese name
        assert "·" in text, name  # the footer: "<number> · page 1"
        assert "�" not in text, name
        if language == "zh-hans":
            for words in CHINESE[name]:
                assert words in text, (name, words)
            assert "第 1 页" in text, name
        else:
            assert "page 1" in text and "第" not in text, name


def test_the_pdf_stays_small_because_only_the_used_glyphs_travel(sales_org, documents):
    raw = sales_org.client("owner").get(documents["quote"]).content
    assert len(raw) < 100_000  # the font file alone is 5 MB


def test_the_font_file_is_debians_wenquanyi_micro_hei():
    """The pip package ships Debian's fonts-wqy-microhei file byte for byte (the
    provenance and licence the README states)."""
    path = pdffonts.font_path()
    assert path is not None and path.name == "wqy-microhei.ttc"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == pdffonts.FONT_SHA256


def test_without_the_font_file_pdfs_fall_back_to_the_viewers_cid_font(monkeypatch, caplog):
    monkeypatch.setattr(pdffonts, "font_path", lambda: None)
    assert pdffonts.cjk_font.__wrapped__() == "STSong-Light"
    assert "not installed" in caplog.text


def test_a_discount_prints_with_the_minus_sign_in_both_languages(sales_org):
    quote = factories.quote(
        sales_org,
        lines=[
            {
                "product": sales_org.products["kettle"],
                "quantity": Decimal("2"),
                "discount_percent": Decimal("5"),
            }
        ],
    )
    for language in ("en", "zh-hans"):
        client = sales_org.client("owner")
        client.cookies["django_language"] = language
        _, text = fonts_and_text(client.get(f"/sales/quotes/{quote.pk}/pdf/").content)
        assert re.search(r"5% −\d", text), (language, text)
