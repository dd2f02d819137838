"""Live prices of the entry forms (`POST /sales/orders/prices/`, `/sales/quotes/prices/`
and their edit twins): each line's price, source, promotion and tax and the totals of
the form as it stands — the same figures the saved document gets, for the customers
the caller may see, with bad input a 400 and nothing ever written."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support import factories
from tests.support.factories import count_rows
from tradepost.customers import services as customer_services
from tradepost.sales.models import Order, Quote

pytestmark = pytest.mark.django_db


def _form(org, who="rep_own", **extra):
    data = {
        "customer": org.customers[who].pk if who else "",
        "currency": "",
        "lines-TOTAL_FORMS": "4",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        "lines-0-product": org.products["kettle"].pk,
        "lines-0-quantity": "3",
        "lines-1-product": org.products["toaster"].pk,
        "lines-1-quantity": "1",
        "lines-1-discount_percent": "10",
        # Row 2 is still being typed (no quantity yet); row 3 is empty.
        "lines-2-product": org.products["usd_lamp"].pk,
    }
    data.update(extra)
    return data


@pytest.fixture
def priced(sales_org):
    """A promotion on the kettle and a customer price list for rep_own's toaster."""
    factories.promotion(sales_org)
    with schema_context(sales_org.schema):
        customer_services.price_list_create(
            actor=sales_org.owner,
            name="Mingda prices",
            valid_from=timezone.localdate() - datetime.timedelta(days=1),
            customer=sales_org.customers["rep_own"],
            lines=[{"product": sales_org.products["toaster"], "unit_price": Decimal("240.00")}],
        )
    return sales_org


def _saved_lines(document) -> list[dict]:
    return [
        {
            "unit_price": str(line.unit_price),
            "price_source": line.price_source,
            "promotion": line.promotion_label,
            "promotion_discount": str(line.promotion_discount),
            "discount_amount": str(line.discount_amount),
            "tax_amount": str(line.tax_amount),
            "net_amount": str(line.net_amount),
            "gross_amount": str(line.gross_amount),
        }
        for line in document.lines.order_by("position")
    ]


def _live_lines(answer) -> list[dict]:
    keys = (
        "unit_price",
        "price_source",
        "promotion",
        "promotion_discount",
        "discount_amount",
        "tax_amount",
        "net_amount",
        "gross_amount",
    )
    return [{key: line[key] for key in keys} for line in answer["lines"]]


def _totals(document) -> dict:
    return {
        name: str(getattr(document, name))
        for name in ("subtotal", "discount_total", "net_total", "tax_total", "gross_total")
    }


def test_the_live_figures_are_what_the_saved_order_gets(priced):
    rep = priced.client("salesperson")
    form = _form(priced)

    live = rep.post("/sales/orders/prices/", form)

    assert live.status_code == 200, live.content[:500]
    answer = live.json()
    # Rows 0 and 1 priced; row 2 (no quantity yet) waits, it is no error.
    assert [line["row"] for line in answer["lines"]] == [0, 1]
    kettle, toaster = answer["lines"]
    assert kettle["promotion"] == "Spring 春季促销" and kettle["promotion_discount"] == "59.70"
    assert kettle["price_source"] == "list price"
    assert toaster["price_source"] == "customer list" and toaster["unit_price"] == "240.00"
    assert toaster["display"]["source"] == "Customer price list"
    saving = dict(form)
    del saving["lines-2-product"]
    assert rep.post("/sales/orders/new/", saving).status_code == 302
    with schema_context(priced.schema):
        order = Order.objects.get()
        assert _live_lines(answer) == _saved_lines(order)
        assert answer["totals"] == _totals(order)
    assert answer["currency"] == "CNY"


def test_the_live_figures_are_what_the_saved_quote_gets(priced):
    rep = priced.client("salesperson")
    form = _form(priced)

    live = rep.post("/sales/quotes/prices/", form)

    assert live.status_code == 200, live.content[:500]
    saving = dict(form)
    del saving["lines-2-product"]
    assert rep.post("/sales/quotes/new/", saving).status_code == 302
    with schema_context(priced.schema):
        quote = Quote.objects.get()
        assert _live_lines(live.json()) == _saved_lines(quote)
        assert live.json()["totals"] == _totals(quote)


def test_editing_prices_on_the_documents_own_date_and_currency(priced):
    order = factories.order(priced)
    quote = factories.quote(priced)
    rep = priced.client("salesperson")
    form = _form(priced, who=None)
    del form["customer"]

    for url, document in (
        (f"/sales/orders/{order.pk}/edit/prices/", order),
        (f"/sales/quotes/{quote.pk}/edit/prices/", quote),
    ):
        live = rep.post(url, form)
        assert live.status_code == 200, live.content[:500]
        edit = url.removesuffix("prices/")
        saving = dict(form)
        del saving["lines-2-product"]
        assert rep.post(edit, saving).status_code == 302
        with schema_context(priced.schema):
            document.refresh_from_db()
            assert _live_lines(live.json()) == _saved_lines(document)
            assert live.json()["totals"] == _totals(document)


def test_amounts_are_shown_grouped_in_chinese_too(priced):
    rep = priced.client("salesperson")
    rep.cookies["django_language"] = "zh-hans"
    form = _form(priced, **{"lines-0-quantity": "100"})

    answer = rep.post("/sales/orders/prices/", form).json()

    assert answer["lines"][0]["display"]["net"] == "17,910.00"
    assert answer["display"]["gross_total"] == f"{Decimal(answer['totals']['gross_total']):,.2f}"
    assert answer["lines"][1]["display"]["source"] != "Customer price list"  # translated


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_totals_follow_the_currency_symbols_setting(priced, language):
    rep = priced.client("salesperson")
    rep.cookies["django_language"] = language
    form = _form(priced, **{"lines-0-quantity": "100"})

    before = rep.post("/sales/orders/prices/", form).json()
    gross = f"{Decimal(before['totals']['gross_total']):,.2f}"
    assert before["money"]["gross_total"] == f"{gross} CNY"

    turned_on = priced.client("owner").post(
        "/settings/company/",
        {
            "form": "profile",
            "name": "Alpha Trading",
            "base_currency": "CNY",
            "show_currency_symbols": "on",
        },
    )
    assert turned_on.status_code == 302
    after = rep.post("/sales/orders/prices/", form).json()

    assert after["money"]["gross_total"] == f"¥{gross}"
    assert after["money"]["subtotal"] == f"¥{Decimal(after['totals']['subtotal']):,.2f}"
    assert after["display"]["gross_total"] == gross  # the bare figure is unchanged


def test_no_lines_yet_is_an_empty_answer(sales_org):
    form = _form(sales_org, **{"lines-0-product": "", "lines-0-quantity": ""})
    form.pop("lines-1-product")
    form.pop("lines-1-quantity")

    answer = sales_org.client("salesperson").post("/sales/orders/prices/", form)

    assert answer.status_code == 200
    assert answer.json()["lines"] == [] and answer.json()["totals"]["gross_total"] == "0.00"


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"customer": ""}, "customer"),
        ({"customer": "abc"}, "customer"),
        ({"lines-0-quantity": "lots"}, "lines-0-quantity"),
        ({"lines-1-discount_percent": "150"}, "lines-1-discount_percent"),
        ({"lines-0-product": "999999"}, "lines-0-product"),
        ({"currency": "XXX"}, "currency"),
        (
            {"lines-1-product": "", "lines-1-quantity": "", "lines-0-quantity": "0.0001"},
            "lines-0-quantity",
        ),
        ({"lines-TOTAL_FORMS": "nine"}, "lines"),
        ({"lines-TOTAL_FORMS": "5000"}, "lines"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(sales_org, change, key):
    response = sales_org.client("salesperson").post(
        "/sales/orders/prices/", _form(sales_org, **change)
    )

    assert response.status_code == 400
    assert key in response.json()["errors"], response.json()
    assert count_rows(sales_org, Order) == 0


def test_a_pricing_refusal_is_a_400_under_lines(sales_org):
    """The lamp has a price only in USD: the CNY order needs a price on the line."""
    response = sales_org.client("salesperson").post(
        "/sales/orders/prices/", _form(sales_org, **{"lines-2-quantity": "1"})
    )

    assert response.status_code == 400
    assert "has no price in CNY" in response.json()["errors"]["lines"][0]


def test_a_customer_out_of_scope_is_refused_like_a_missing_one(sales_org):
    rep = sales_org.client("salesperson")

    response = rep.post("/sales/orders/prices/", _form(sales_org, who="north"))
    quote = rep.post("/sales/quotes/prices/", _form(sales_org, who="north"))

    assert response.status_code == quote.status_code == 400
    assert "customer" in response.json()["errors"] and "customer" in quote.json()["errors"]


def test_permissions_and_scope_of_the_edit_prices(sales_org):
    order = factories.order(sales_org, "north")
    form = _form(sales_org, who=None)

    # Another salesperson's order is not found; a warehouse manager may not enter one.
    assert (
        sales_org.client("salesperson")
        .post(f"/sales/orders/{order.pk}/edit/prices/", form)
        .status_code
        == 404
    )
    assert (
        sales_org.client("warehouse_manager").post("/sales/orders/prices/", form).status_code == 403
    )
    assert (
        sales_org.client("finance_manager").post("/sales/quotes/prices/", form).status_code == 403
    )
    # A submitted order is no longer edited: its prices are not offered either.
    with schema_context(sales_org.schema):
        from tradepost.sales import orders

        orders.order_submit(actor=sales_org.owner, order=order)
    refused = sales_org.client("north_rep").post(f"/sales/orders/{order.pk}/edit/prices/", form)
    assert refused.status_code == 400 and "status" in refused.json()["errors"]


def test_only_post(sales_org):
    assert sales_org.client("salesperson").get("/sales/orders/prices/").status_code == 405


def test_another_workspaces_order_is_not_found(sales_org, beta_sales_org):
    theirs = factories.order(beta_sales_org, "north")
    form = _form(sales_org, who=None)

    response = sales_org.client("owner").post(f"/sales/orders/{theirs.pk}/edit/prices/", form)

    assert count_rows(sales_org, Order) == 0  # alpha has no order of that id: beta's is not reached
    assert response.status_code == 404


def test_the_entry_forms_carry_the_live_prices_and_type_ahead(sales_org):
    page = sales_org.client("salesperson").get("/sales/orders/new/").content.decode()

    assert 'data-live-prices="/sales/orders/prices/"' in page
    assert 'data-typeahead="/search/pick/customer/"' in page
    assert 'data-typeahead="/search/pick/product/"' in page
    assert "sales/prices.js" in page and "tradepost/typeahead.js" in page
