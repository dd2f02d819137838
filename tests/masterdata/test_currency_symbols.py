"""Currency symbols per workspace: the owner turns "Show currency symbols" on in the
company settings, and amounts read ¥300,000.00 / $1,200.00 instead of 300,000.00 CNY
on the pages and in the PDFs, in English and in Chinese; a currency without a symbol
keeps its code; only administrators change it; another workspace is not affected;
the list pages run no extra query for it."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from django_tenants.utils import schema_context
from pypdf import PdfReader

from tests.support import factories
from tests.support.queries import assert_list_queries
from tradepost.amounts import money_text
from tradepost.masterdata.models import CompanyProfile

PROFILE = {"form": "profile", "name": "Alpha Trading", "base_currency": "CNY"}


def _symbols(org, on: bool):
    response = org.client("owner").post(
        "/settings/company/", {**PROFILE, **({"show_currency_symbols": "on"} if on else {})}
    )
    assert response.status_code == 302, response.content.decode()[:500]


def _page(org, url: str, language: str) -> str:
    client = org.client("owner")
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _pdf_text(org, url: str, language: str) -> str:
    client = org.client("owner")
    client.cookies["django_language"] = language
    reader = PdfReader(io.BytesIO(client.get(url).content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_amount_texts_with_and_without_symbols(language):
    with translation.override(language):
        assert money_text(Decimal("300000"), "CNY", symbol=False) == "300,000.00 CNY"
        assert money_text(Decimal("300000"), "CNY", symbol=True) == "¥300,000.00"
        assert money_text(Decimal("1200"), "USD", symbol=True) == "$1,200.00"
        assert money_text(Decimal("-1200.005"), "USD", symbol=True) == "-$1,200.01"
        assert money_text(Decimal("5"), "JPY", symbol=True) == "JP¥5.00"  # not the yuan's ¥
        # A currency without a known symbol keeps its code.
        assert money_text(Decimal("1234.5"), "XYZ", symbol=True) == "1,234.50 XYZ"
        assert money_text("not a number", "CNY", symbol=True) == ""


def test_the_template_filter_falls_back_to_the_code(sales_org):
    _symbols(sales_org, on=True)
    template = Template(
        "{% load money %}{{ a|money:'CNY' }} {{ a|money:'XYZ' }} [{{ b|money:'CNY' }}]"
    )
    with schema_context(sales_org.schema):
        text = template.render(Context({"a": Decimal("300000"), "b": None}))
    assert text == "¥300,000.00 300,000.00 XYZ []"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_owner_turns_symbols_on_and_pages_and_pdfs_show_them(sales_org, language):
    order = factories.order(sales_org)
    quote = factories.quote(sales_org)
    in_dollars = factories.order(
        sales_org,
        currency="USD",
        lines=[
            {
                "product": sales_org.products["kettle"],
                "quantity": Decimal("2"),
                "unit_price": Decimal("1200"),
            }
        ],
    )
    total = f"{order.gross_total:,.2f}"
    dollars = f"{in_dollars.gross_total:,.2f}"
    assert _page(sales_org, "/sales/orders/", language).count(f"{total} CNY") >= 1

    _symbols(sales_org, on=True)

    orders = _page(sales_org, "/sales/orders/", language)
    assert f"¥{total}" in orders and f"${dollars}" in orders
    assert f"{total} CNY" not in orders and f"{dollars} USD" not in orders
    detail = _page(sales_org, f"/sales/orders/{order.pk}/", language)
    assert f"¥{total}" in detail and f"{total} CNY" not in detail
    pdf = _pdf_text(sales_org, f"/sales/quotes/{quote.pk}/pdf/", language)
    assert f"¥{quote.gross_total:,.2f}" in pdf and f"{quote.gross_total:,.2f} CNY" not in pdf

    _symbols(sales_org, on=False)

    assert f"{total} CNY" in _page(sales_org, "/sales/orders/", language)
    pdf = _pdf_text(sales_org, f"/sales/quotes/{quote.pk}/pdf/", language)
    assert f"{quote.gross_total:,.2f} CNY" in pdf and "¥" not in pdf


def test_the_settings_page_shows_the_switch_and_its_state(sales_org):
    page = _page(sales_org, "/settings/company/", "zh-hans")
    assert (
        'name="show_currency_symbols"' in page
        and "checked" not in page.split('name="show_currency_symbols"')[1].split(">")[0]
    )
    _symbols(sales_org, on=True)
    page = _page(sales_org, "/settings/company/", "en")
    assert "Show currency symbols" in page
    assert "checked" in page.split('name="show_currency_symbols"')[1].split(">")[0]
    reader = sales_org.client("finance_manager").get("/settings/company/").content.decode()
    assert "Show currency symbols" in reader and 'name="show_currency_symbols"' not in reader


def test_only_administrators_change_it(sales_org):
    for role in ("finance_manager", "executive"):
        response = sales_org.client(role).post(
            "/settings/company/", {**PROFILE, "show_currency_symbols": "on"}
        )
        assert response.status_code == 403, role
    assert sales_org.api("finance_manager").patch(
        "/api/v1/company/", {"show_currency_symbols": True}, content_type="application/json"
    ).status_code in (403, 404)
    with schema_context(sales_org.schema):
        assert not CompanyProfile.objects.filter(show_currency_symbols=True).exists()


@pytest.mark.parametrize("value", ["maybe", 3, None])
def test_bad_input_over_the_api_is_400_and_changes_nothing(sales_org, value):
    api = sales_org.api("owner")
    response = api.patch(
        "/api/v1/company/", {"show_currency_symbols": value}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "show_currency_symbols" in response.content.decode()
    with schema_context(sales_org.schema):
        assert not CompanyProfile.objects.filter(show_currency_symbols=True).exists()
    ok = api.patch(
        "/api/v1/company/", {"show_currency_symbols": True}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["show_currency_symbols"] is True


def test_another_workspace_keeps_its_codes(sales_org, beta_sales_org):
    order = factories.order(beta_sales_org)
    _symbols(sales_org, on=True)
    page = _page(beta_sales_org, "/sales/orders/", "en")
    assert f"{order.gross_total:,.2f} CNY" in page and "¥" not in page


def test_the_order_list_runs_no_extra_query_for_the_symbols(sales_org):
    """As many queries as the list without symbols (tests/sales/test_order_pages.py):
    the setting comes from the shared cache, filled by the first request."""
    with schema_context(sales_org.schema):
        # Written without the save signal: its cache renewal waits for a commit that
        # the test's transaction never makes, and would keep the cache cold.
        if not CompanyProfile.objects.update(show_currency_symbols=True):
            CompanyProfile.objects.bulk_create(
                [CompanyProfile(name="Alpha Trading", show_currency_symbols=True)]
            )
    factories.order(sales_org)
    client = sales_org.client("owner")

    def grow():
        for _ in range(8):
            factories.order(sales_org)

    response = assert_list_queries(lambda: client.get("/sales/orders/"), grow, queries=9)
    assert response.content.decode().count("¥") >= 9
