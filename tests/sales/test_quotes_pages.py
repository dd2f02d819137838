"""The quote pages: the list with its filters, paging and empty states; making and
editing a quote with its lines; the quote's page with its buttons per permission;
conversion into an order; the PDF (its content and its download)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.customers import services as customer_services
from tradepost.masterdata import services as md
from tradepost.pipeline.models import Opportunity
from tradepost.pricing.models import Promotion
from tradepost.sales import quotes
from tradepost.sales.models import Order, Quote
from tradepost.sales.pdf import quote_pdf, quote_pdf_content

TODAY = timezone.localdate
YEAR = timezone.localdate().year


def _make(org, customer="rep_own", who="owner", **kwargs):
    lines = kwargs.pop("lines", [{"product": org.products["kettle"], "quantity": Decimal("2")}])
    actor = org.owner if who == "owner" else org.users[who]
    with schema_context(org.workspace.schema):
        return quotes.quote_create(
            actor=actor, customer=org.customers[customer], lines=lines, **kwargs
        )


def _numbers(body: str) -> list[str]:
    return re.findall(r'<a href="/sales/quotes/\d+/">(QT-[^<]+)</a>', body)


def _line_post(org, **header):
    data = {
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        "lines-0-product": org.products["kettle"].pk,
        "lines-0-quantity": "2",
        "lines-0-discount_percent": "10",
        "lines-1-product": org.products["toaster"].pk,
        "lines-1-quantity": "1",
        "lines-1-unit_price": "250.00",
    }
    data.update(header)
    return data


# --- The list ------------------------------------------------------------------------
def test_the_list_shows_quotes_in_scope_newest_first(sales_org):
    first = _make(sales_org)
    second = _make(sales_org)
    _make(sales_org, customer="north")
    body = sales_org.client("salesperson").get("/sales/quotes/").content.decode()
    assert _numbers(body) == [second.number, first.number]
    assert sales_org.customers["rep_own"].name in body
    assert "New quote" in body


def test_the_list_filters_by_status_mine_and_expiring(sales_org):
    org = sales_org
    soon = _make(org, valid_until=TODAY() + datetime.timedelta(days=3))
    later = _make(org)
    theirs = _make(org, customer="north")
    with schema_context(org.workspace.schema):
        quotes.quote_send(actor=org.owner, quote=later)
        Quote.objects.filter(pk=theirs.pk).update(owner=org.users["north_rep"])
    client = org.client("owner")
    with schema_context(org.workspace.schema):
        Quote.objects.filter(pk=soon.pk).update(owner=org.owner)

    assert _numbers(client.get("/sales/quotes/", {"status": "sent"}).content.decode()) == [
        later.number
    ]
    assert _numbers(client.get("/sales/quotes/", {"expiring": "on"}).content.decode()) == [
        soon.number
    ]
    assert _numbers(client.get("/sales/quotes/", {"mine": "on"}).content.decode()) == [soon.number]
    searched = client.get("/sales/quotes/", {"q": theirs.number}).content.decode()
    assert _numbers(searched) == [theirs.number]
    bad = client.get("/sales/quotes/", {"status": "nonsense"})
    assert bad.status_code == 200
    assert "Select a valid choice" in bad.content.decode()
    assert len(_numbers(bad.content.decode())) == 3


def test_the_list_marks_expired_quotes(sales_org):
    quote = _make(sales_org)
    with schema_context(sales_org.workspace.schema):
        yesterday = TODAY() - datetime.timedelta(days=1)
        Quote.objects.filter(pk=quote.pk).update(issued_on=yesterday, valid_until=yesterday)
    body = sales_org.client("owner").get("/sales/quotes/").content.decode()
    assert "Expired" in body


def test_empty_states_say_what_to_do_next(sales_org):
    empty = sales_org.client("salesperson").get("/sales/quotes/").content.decode()
    assert "No quotes yet." in empty and "/sales/quotes/new/" in empty
    _make(sales_org)
    filtered = sales_org.client("salesperson").get("/sales/quotes/?status=declined")
    assert "No quote matches this filter." in filtered.content.decode()
    executive = sales_org.client("executive").get("/sales/quotes/").content.decode()
    assert "Make the first quote" not in executive and "/sales/quotes/new/" not in executive


def test_the_list_pages_by_fifty(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        for _ in range(51):
            quotes.quote_create(
                actor=org.owner,
                customer=org.customers["rep_own"],
                lines=[{"product": org.products["kettle"], "quantity": Decimal("1")}],
            )
    client = org.client("owner")
    first = client.get("/sales/quotes/").content.decode()
    second = client.get("/sales/quotes/?page=2").content.decode()
    assert len(_numbers(first)) == 50 and len(_numbers(second)) == 1
    assert "Page 1 of 2" in first
    assert _numbers(second) == [f"QT-{YEAR}-00001"]


def test_list_queries_do_not_grow_with_rows(sales_org):
    client = sales_org.client("owner")
    _make(sales_org)

    def grow():
        for index in range(8):
            _make(sales_org, customer="north" if index % 2 else "rep_own")

    response = assert_list_queries(lambda: client.get("/sales/quotes/"), grow, queries=9)
    assert len(_numbers(response.content.decode())) == 9


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("salesperson", 200),
        ("sales_manager", 200),
        ("executive", 200),
        ("finance_manager", 200),
        ("warehouse_manager", 403),
        ("dealer", 403),
        ("customer_information_manager", 403),
    ],
)
def test_who_sees_the_quote_pages(sales_org, role, status):
    quote = _make(sales_org)
    client = sales_org.client(role)
    assert client.get("/sales/quotes/").status_code == status
    detail = client.get(f"/sales/quotes/{quote.pk}/").status_code
    assert detail == status or (status == 200 and detail == 404)
    may_make = role in ("salesperson", "sales_manager")
    assert client.get("/sales/quotes/new/").status_code == (200 if may_make else 403)


# --- Making and editing --------------------------------------------------------------
def test_a_salesperson_makes_a_quote_in_the_browser(sales_org):
    org = sales_org
    client = org.client("salesperson")
    response = client.post(
        "/sales/quotes/new/",
        _line_post(org, customer=org.customers["rep_own"].pk, notes="Valid while stock lasts"),
    )
    assert response.status_code == 302
    with schema_context(org.workspace.schema):
        quote = Quote.objects.get()
        assert response["Location"] == f"/sales/quotes/{quote.pk}/"
        kettle, toaster = quote.lines.order_by("position")
        assert (kettle.unit_price, kettle.discount_amount) == (Decimal("199.00"), Decimal("39.80"))
        assert (toaster.unit_price, toaster.price_source) == (Decimal("250.00"), "manual")
        assert quote.notes == "Valid while stock lasts"
        assert quote.owner == org.users["salesperson"]
    page = client.get(response["Location"]).content.decode()
    assert f"Quote {quote.number} saved as a draft" in page


def test_the_form_preselects_a_customer_or_an_opportunity(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        deal = Opportunity.objects.create(name="Big order 大单", customer=org.customers["rep_own"])
    client = org.client("salesperson")
    by_customer = client.get(f"/sales/quotes/new/?customer={org.customers['rep_own'].pk}")
    assert (
        f'<option value="{org.customers["rep_own"].pk}" selected>' in by_customer.content.decode()
    )
    by_deal = client.get(f"/sales/quotes/new/?opportunity={deal.pk}").content.decode()
    # The opportunity is chosen and marked with its customer (the picker follows it).
    customer_pk = org.customers["rep_own"].pk
    assert f'<option value="{deal.pk}" selected data-follows-value="{customer_pk}">' in by_deal
    assert f'<option value="{org.customers["rep_own"].pk}" selected>' in by_deal
    hidden = client.get(f"/sales/quotes/new/?customer={org.customers['north'].pk}")
    assert "selected>" + org.customers["north"].name not in hidden.content.decode()
    assert org.customers["north"].name not in hidden.content.decode()

    response = client.post(
        "/sales/quotes/new/",
        _line_post(org, customer=org.customers["rep_own"].pk, opportunity=deal.pk),
    )
    assert response.status_code == 302
    with schema_context(org.workspace.schema):
        assert Quote.objects.get().opportunity == deal


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {
                "lines-0-product": "",
                "lines-0-quantity": "",
                "lines-1-product": "",
                "lines-1-quantity": "",
                "lines-1-unit_price": "",
            },
            "Add at least one line.",
        ),  # noqa: E501
        ({"lines-1-quantity": "0"}, "Enter a quantity."),
        ({"lines-1-quantity": "0.0001"}, "Ensure that there are no more than 3 decimal places."),
        ({"lines-0-quantity": "abc"}, "Enter a number."),
        ({"lines-1-product": ""}, "Select a product."),
        ({"valid_until": "2001-01-01"}, "The validity cannot end before the quote"),
        ({"issued_on": "2001-01-01", "valid_until": "2001-01-31"}, "until today or later"),
        ({"customer": ""}, "This field is required."),
        ({"currency": "USD"}, "has no price in USD"),
    ],
)
def test_bad_input_shows_on_the_form_with_400_and_writes_nothing(sales_org, change, message):
    org = sales_org
    data = _line_post(org, customer=org.customers["rep_own"].pk)
    data.update(change)
    response = org.client("salesperson").post("/sales/quotes/new/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert count_rows(org, Quote) == 0


def test_a_customer_out_of_scope_cannot_be_quoted(sales_org):
    org = sales_org
    response = org.client("salesperson").post(
        "/sales/quotes/new/", _line_post(org, customer=org.customers["north"].pk)
    )
    assert response.status_code == 400
    assert count_rows(org, Quote) == 0


def test_a_draft_is_edited_and_a_sent_quote_is_not(sales_org):
    org = sales_org
    quote = _make(org, who="salesperson")
    client = org.client("salesperson")
    form = client.get(f"/sales/quotes/{quote.pk}/edit/").content.decode()
    assert f'value="{quote.valid_until.isoformat()}"' in form
    later = TODAY() + datetime.timedelta(days=40)
    data = _line_post(org, valid_until=later.isoformat(), notes="Revised")
    data.update({"lines-1-product": "", "lines-1-quantity": "", "lines-1-unit_price": ""})
    response = client.post(f"/sales/quotes/{quote.pk}/edit/", data)
    assert response.status_code == 302
    with schema_context(org.workspace.schema):
        quote.refresh_from_db()
        assert (quote.valid_until, quote.notes, quote.lines.count()) == (later, "Revised", 1)
        assert quote.net_total == Decimal("358.20")  # 2 × 199.00 less 10 %
        quotes.quote_send(actor=org.owner, quote=quote)
    refused = client.get(f"/sales/quotes/{quote.pk}/edit/", follow=True)
    assert "Only a draft quote can be changed." in refused.content.decode()
    assert client.post(f"/sales/quotes/{quote.pk}/edit/", data).status_code == 302
    with schema_context(org.workspace.schema):
        quote.refresh_from_db()
        assert quote.status == "sent" and quote.notes == "Revised"


# --- The quote's page ----------------------------------------------------------------
def test_the_page_shows_lines_with_price_source_promotion_and_totals(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        promotion = Promotion.objects.create(
            name="Kettle week 水壶周",
            kind=Promotion.Kind.PERCENT_OFF,
            percent=Decimal("10"),
            starts_on=TODAY(),
            ends_on=TODAY(),
        )
        promotion.products.set([org.products["kettle"]])
    quote = _make(
        org,
        lines=[
            {"product": org.products["kettle"], "quantity": Decimal("2")},
            {
                "product": org.products["toaster"],
                "quantity": Decimal("1"),
                "unit_price": Decimal("250.00"),
            },
        ],
    )
    body = org.client("salesperson").get(f"/sales/quotes/{quote.pk}/").content.decode()
    assert "Kettle week 水壶周" in body
    assert "−39.80" in body
    assert "List price" in body and "Entered by hand" in body
    assert f"{quote.gross_total:,.2f}" in body
    assert f'href="/sales/quotes/{quote.pk}/pdf/"' in body
    assert "Mark as sent" in body and "Cancel quote" in body


def test_quantities_read_as_people_write_them(sales_org):
    quote = _make(
        sales_org, lines=[{"product": sales_org.products["kettle"], "quantity": Decimal("10")}]
    )
    body = sales_org.client("salesperson").get(f"/sales/quotes/{quote.pk}/").content.decode()
    assert "10 pcs" in body and "1E+1" not in body
    with schema_context(sales_org.workspace.schema):
        assert quote_pdf_content(Quote.objects.get(pk=quote.pk)).rows[0][2] == "10 pcs"


def test_buttons_follow_status_and_permission(sales_org):
    org = sales_org
    quote = _make(org)
    with schema_context(org.workspace.schema):
        quotes.quote_send(actor=org.owner, quote=quote)
    rep = org.client("salesperson").get(f"/sales/quotes/{quote.pk}/").content.decode()
    assert "Customer accepted" in rep and "Convert to order" in rep
    assert "Mark as sent" not in rep and "/edit/" not in rep
    executive = org.client("executive").get(f"/sales/quotes/{quote.pk}/").content.decode()
    for button in ("Customer accepted", "Convert to order", "Cancel quote", "Mark as sent"):
        assert button not in executive
    assert f"/sales/quotes/{quote.pk}/pdf/" in executive
    refused = org.client("executive").post(f"/sales/quotes/{quote.pk}/accept/")
    assert refused.status_code == 403
    assert count_rows(org, Quote, status="sent") == 1


def test_the_steps_in_the_browser_end_in_an_order(sales_org):
    org = sales_org
    quote = _make(org, who="salesperson")
    client = org.client("salesperson")
    for step, status in (("send", "sent"), ("accept", "accepted")):
        response = client.post(f"/sales/quotes/{quote.pk}/{step}/")
        assert response.status_code == 302, step
        assert count_rows(org, Quote, pk=quote.pk, status=status) == 1
    response = client.post(f"/sales/quotes/{quote.pk}/convert/")
    assert response.status_code == 302
    with schema_context(org.workspace.schema):
        order = Order.objects.get(quote_id=quote.pk)
        assert [line.price_source for line in order.lines.all()] == ["quote"]
    assert count_rows(org, Quote, pk=quote.pk, status="converted") == 1
    assert response["Location"] in (f"/sales/orders/{order.pk}/", f"/sales/quotes/{quote.pk}/")
    again = client.post(f"/sales/quotes/{quote.pk}/convert/")
    assert again.status_code == 400
    assert "already been converted" in again.content.decode()
    assert count_rows(org, Order) == 1
    # A reload of the step goes back to the quote and converts nothing again.
    reload = client.get(f"/sales/quotes/{quote.pk}/convert/")
    assert (reload.status_code, reload["Location"]) == (302, f"/sales/quotes/{quote.pk}/")
    assert count_rows(org, Order) == 1
    assert client.post(f"/sales/quotes/{quote.pk}/explode/").status_code == 404


def test_an_expired_quote_says_so_and_refuses_to_convert(sales_org):
    org = sales_org
    quote = _make(org)
    with schema_context(org.workspace.schema):
        quotes.quote_send(actor=org.owner, quote=quote)
        yesterday = TODAY() - datetime.timedelta(days=1)
        Quote.objects.filter(pk=quote.pk).update(issued_on=yesterday, valid_until=yesterday)
    client = org.client("salesperson")
    page = client.get(f"/sales/quotes/{quote.pk}/").content.decode()
    assert "This quote expired on" in page and "Convert to order" not in page
    response = client.post(f"/sales/quotes/{quote.pk}/convert/")
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert count_rows(org, Order) == 0


def test_beta_never_reaches_alphas_quote_pages(sales_org, beta_sales_org):
    quote = _make(sales_org)
    beta = beta_sales_org.client("owner")
    for page in ("", "edit/", "pdf/"):
        assert beta.get(f"/sales/quotes/{quote.pk}/{page}").status_code == 404, page
    for step in ("send", "cancel", "convert"):
        assert beta.post(f"/sales/quotes/{quote.pk}/{step}/").status_code == 404
    assert quote.number not in beta.get("/sales/quotes/").content.decode()
    rep = sales_org.client("north_rep")
    assert rep.get(f"/sales/quotes/{quote.pk}/").status_code == 404
    assert rep.post(f"/sales/quotes/{quote.pk}/send/").status_code == 404
    assert count_rows(sales_org, Quote, status="draft") == 1


# --- The PDF -------------------------------------------------------------------------
@pytest.fixture
def printed(sales_org):
    """A quote with a promotion, a manual price and notes, from a company with a
    profile."""
    org = sales_org
    with schema_context(org.workspace.schema):
        md.company_profile_update(
            actor=org.owner,
            name="Alpha Trading 阿尔法贸易",
            tax_id="91310000MA1K000001",
            address="上海市浦东新区 1 号",
        )
        customer_services.customer_update(
            actor=org.owner, customer=org.customers["rep_own"], address="北京路 8 号"
        )
        promotion = Promotion.objects.create(
            name="Kettle week 水壶周",
            kind=Promotion.Kind.PERCENT_OFF,
            percent=Decimal("10"),
            starts_on=TODAY(),
            ends_on=TODAY(),
        )
        promotion.products.set([org.products["kettle"]])
    return _make(
        org,
        lines=[
            {
                "product": org.products["kettle"],
                "quantity": Decimal("2"),
                "discount_percent": Decimal("5"),
            },
            {
                "product": org.products["toaster"],
                "quantity": Decimal("1"),
                "unit_price": Decimal("1250.00"),
            },
        ],
        notes="Delivery in 3 days",
    )


def test_the_pdf_content_has_company_customer_lines_and_totals(sales_org, printed):
    with schema_context(sales_org.workspace.schema):
        quote = Quote.objects.get(pk=printed.pk)
        content = quote_pdf_content(quote)
    assert content.company[0] == "Alpha Trading 阿尔法贸易"
    assert "Tax id: 91310000MA1K000001" in content.company
    assert "上海市浦东新区 1 号" in content.company
    assert content.customer[0] == sales_org.customers["rep_own"].name
    assert "北京路 8 号" in content.customer
    assert ("Quote no.", quote.number) in content.details
    assert ("Valid until", quote.valid_until.isoformat()) in content.details
    kettle, toaster = content.rows
    assert kettle[1] == "KT-1 Kettle 电水壶"
    assert kettle[2] == "2 pcs"
    assert kettle[3] == "199.00"
    assert kettle[4] == "Kettle week 水壶周 −39.80\n5% −17.91"
    assert (kettle[5], kettle[6]) == ("13%", "340.29")
    assert (toaster[3], toaster[4], toaster[6]) == ("1,250.00", "—", "1,250.00")
    assert content.totals[-3:] == [
        ("Total excl. tax", "1,590.29 CNY"),
        ("Tax", "206.74 CNY"),
        ("Total incl. tax", "1,797.03 CNY"),
    ]
    assert content.notes == "Delivery in 3 days"


def test_the_pdf_prints_the_number_and_totals_in_an_embedded_font(sales_org, printed):
    with schema_context(sales_org.workspace.schema):
        quote = Quote.objects.get(pk=printed.pk)
        raw = quote_pdf(quote, compress=False)
        compressed = quote_pdf(quote)
    assert raw.startswith(b"%PDF") and compressed.startswith(b"%PDF")
    assert len(compressed) < len(raw)
    for text in (quote.number, "1,590.29 CNY", "206.74 CNY", "1,797.03 CNY", "340.29"):
        assert f"({text})".encode() in raw, text
    assert b"+WenQuanYiMicroHei" in raw  # non-ASCII text in the embedded subset
    assert b"/FontFile2" in raw and b"/STSong-Light" not in raw
    assert len(re.findall(rb"/Type /Page\b", raw)) == 1


def test_the_pdf_download(sales_org, printed):
    response = sales_org.client("executive").get(f"/sales/quotes/{printed.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="QT-{YEAR}-00001.pdf"'
    assert response.content.startswith(b"%PDF")
    assert (
        sales_org.client("warehouse_manager").get(f"/sales/quotes/{printed.pk}/pdf/").status_code
        == 403
    )


def test_a_long_chinese_quote_prints_on_several_pages(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        products = [
            md.product_create(
                actor=org.owner,
                sku=f"ZH-{index:03d}",
                name=f"不锈钢电水壶 {index} 号 — 1.7 升，自动断电，防干烧保护，家用办公两宜",
                list_price=Decimal("88.00"),
            )
            for index in range(40)
        ]
        quote = quotes.quote_create(
            actor=org.owner,
            customer=org.customers["rep_own"],
            lines=[{"product": product, "quantity": Decimal("3")} for product in products],
            notes="价格含运费。<b>不含</b>安装 & 调试",
        )
        with translation.override("zh-hans"):
            raw = quote_pdf(Quote.objects.get(pk=quote.pk), compress=False)
    assert raw.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b", raw)) >= 2  # page objects, not /Pages
    assert f"({quote.number} ".encode() in raw or f"({quote.number})".encode() in raw
