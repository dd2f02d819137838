"""`/api/v1/quotes/`: create with nested lines, edit a draft, the lifecycle actions,
conversion into an order, the PDF; bad input refused whole, permissions per role,
scope, isolation between workspaces, filters, and list queries that do not grow."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support.cache import clear_cache
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.pipeline.models import Opportunity
from tradepost.pricing.models import Promotion
from tradepost.sales import quotes
from tradepost.sales.models import Order, Quote

TODAY = timezone.localdate
YEAR = timezone.localdate().year


@pytest.fixture
def admin(sales_org, api_key, api_client):
    return api_client(sales_org.workspace, api_key(sales_org.workspace))


def _body(org, **extra):
    body = {
        "customer": org.customers["rep_own"].pk,
        "lines": [
            {"product": org.products["kettle"].pk, "quantity": "3"},
            {"product": org.products["toaster"].pk, "quantity": "1.5", "discount_percent": "5"},
        ],
        "notes": "Prices excl. delivery",
    }
    body.update(extra)
    return body


def _make(org, customer="rep_own", **kwargs):
    with schema_context(org.workspace.schema):
        return quotes.quote_create(
            actor=org.owner,
            customer=org.customers[customer],
            lines=[{"product": org.products["kettle"], "quantity": Decimal("1")}],
            **kwargs,
        )


# --- An integrator's day -------------------------------------------------------------
def test_an_integrator_quotes_and_converts_the_quote_into_an_order(sales_org, admin):
    with schema_context(sales_org.workspace.schema):
        promotion = Promotion.objects.create(
            name="Kettle week 水壶周",
            kind=Promotion.Kind.PERCENT_OFF,
            percent=Decimal("10"),
            starts_on=TODAY(),
            ends_on=TODAY() + datetime.timedelta(days=7),
        )
        promotion.products.set([sales_org.products["kettle"]])
    response = admin.post("/api/v1/quotes/", _body(sales_org), idempotency_key="q-1")
    assert response.status_code == 201, response.json()
    quote = response.json()
    assert quote["number"] == f"QT-{YEAR}-00001"
    assert (quote["status"], quote["is_expired"], quote["order"]) == ("draft", False, None)
    assert quote["valid_until"] == (TODAY() + datetime.timedelta(days=30)).isoformat()
    kettle, toaster = quote["lines"]
    assert (kettle["unit_price"], kettle["price_source"]) == ("199.00", "list price")
    assert kettle["promotion"] == promotion.pk
    assert kettle["promotion_label"] == "Kettle week 水壶周"
    assert kettle["promotion_discount"] == "59.70"
    assert kettle["net_amount"] == "537.30"
    assert toaster["net_amount"] == "369.79"  # 389.25 less 5 % (19.46)
    assert quote["net_total"] == "907.09"
    assert Decimal(quote["gross_total"]) == Decimal(quote["net_total"]) + Decimal(
        quote["tax_total"]
    )
    replay = admin.post("/api/v1/quotes/", _body(sales_org), idempotency_key="q-1")
    assert replay.status_code == 201 and replay.json()["id"] == quote["id"]
    assert count_rows(sales_org, Quote) == 1

    base = f"/api/v1/quotes/{quote['id']}/"
    assert admin.get(base).json()["lines"][0]["promotion"] == promotion.pk
    assert admin.post(f"{base}send/").json()["status"] == "sent"
    assert admin.post(f"{base}accept/").json()["status"] == "accepted"
    converted = admin.post(f"{base}convert/")
    assert converted.status_code == 201, converted.json()
    order_id = converted.json()["order"]
    assert admin.get(base).json()["status"] == "converted"
    assert admin.get(base).json()["order"] == order_id
    order = admin.get(f"/api/v1/orders/{order_id}/").json()
    assert (order["quote"], order["status"]) == (quote["id"], "draft")
    assert [line["price_source"] for line in order["lines"]] == ["quote", "quote"]
    assert [line["unit_price"] for line in order["lines"]] == ["199.00", "259.50"]
    again = admin.post(f"{base}convert/")
    assert again.status_code == 400 and "status" in again.json()["errors"]
    assert count_rows(sales_org, Order, quote_id=quote["id"]) == 1


def test_a_draft_is_edited_and_a_sent_quote_is_not(sales_org, admin):
    quote = admin.post("/api/v1/quotes/", _body(sales_org)).json()
    base = f"/api/v1/quotes/{quote['id']}/"
    later = (TODAY() + datetime.timedelta(days=45)).isoformat()
    changed = admin.patch(
        base,
        {
            "lines": [{"product": sales_org.products["kettle"].pk, "quantity": "2"}],
            "valid_until": later,
        },
    )
    assert changed.status_code == 200, changed.json()
    body = changed.json()
    assert (len(body["lines"]), body["net_total"], body["valid_until"]) == (1, "398.00", later)
    assert body["notes"] == "Prices excl. delivery"
    admin.post(f"{base}send/")
    refused = admin.patch(base, {"notes": "changed after sending"})
    assert refused.status_code == 400 and "status" in refused.json()["errors"]
    customer = admin.patch(base, {"customer": sales_org.customers["north"].pk})
    assert customer.status_code == 400 and "customer" in customer.json()["errors"]
    assert admin.get(base).json()["notes"] == "Prices excl. delivery"


def test_the_pdf_is_a_pdf_named_after_the_quote(sales_org, admin):
    quote = admin.post("/api/v1/quotes/", _body(sales_org)).json()
    response = admin.get(f"/api/v1/quotes/{quote['id']}/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="QT-{YEAR}-00001.pdf"'
    assert response.content.startswith(b"%PDF")
    assert admin.get("/api/v1/quotes/999999/pdf/").status_code == 404


# --- Bad input -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"product": 999999, "quantity": "1"}]}, "lines[0].product"),
        ({"lines": [{"quantity": "1"}]}, "lines[0].product"),
        ({"lines": [{"product": "kettle", "quantity": "1", "colour": "red"}]}, "lines[0].colour"),
        ({"lines": [{"product": "kettle", "quantity": "-1"}]}, "lines[0].quantity"),
        (
            {"lines": [{"product": "kettle", "quantity": "1", "discount_percent": "101"}]},
            "lines[0].discount_percent",
        ),
        (
            {
                "lines": [
                    {"product": "kettle", "quantity": "1"},
                    {"product": "kettle", "quantity": "2"},
                ]
            },
            "lines",
        ),
        ({"lines": "kettle"}, "lines"),
        ({"customer": 999999}, "customer"),
        ({"customer": None}, "customer"),
        ({"currency": "XXX"}, "currency"),
        ({"currency": "USD"}, "lines"),  # no USD price for these products
        ({"valid_until": "2001-01-01"}, "valid_until"),
        ({"issued_on": "2099-02-01", "valid_until": "2099-01-01"}, "valid_until"),
        ({"issued_on": "9999-12-31"}, "issued_on"),
        ({"issued_on": "yesterday"}, "issued_on"),
        ({"owner": 999999}, "owner"),
        ({"opportunity": 999999}, "opportunity"),
        ({"notes": 5}, "notes"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_quotes_are_400_with_the_field_and_nothing_is_written(sales_org, admin, change, field):
    if isinstance(change.get("lines"), list):
        change["lines"] = [
            {**line, "product": sales_org.products[line["product"]].pk}
            if line.get("product") == "kettle"
            else line
            for line in change["lines"]
        ]
    response = admin.post("/api/v1/quotes/", _body(sales_org, **change))
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"], response.json()
    assert count_rows(sales_org, Quote) == 0


def test_an_opportunity_of_another_customer_is_refused(sales_org, admin):
    with schema_context(sales_org.workspace.schema):
        deal = Opportunity.objects.create(name="North deal", customer=sales_org.customers["north"])
    response = admin.post("/api/v1/quotes/", _body(sales_org, opportunity=deal.pk))
    assert response.status_code == 400 and "opportunity" in response.json()["errors"]
    assert count_rows(sales_org, Quote) == 0


def test_bad_lines_name_the_line(sales_org, admin):
    lines = [
        {"product": sales_org.products["kettle"].pk, "quantity": "1"},
        {"product": sales_org.products["toaster"].pk, "quantity": "0"},
    ]
    response = admin.post("/api/v1/quotes/", _body(sales_org, lines=lines))
    assert response.status_code == 400
    assert "Line 2" in " ".join(response.json()["errors"]["lines"])
    assert count_rows(sales_org, Quote) == 0


def test_steps_out_of_order_or_after_expiry_are_400_and_change_nothing(sales_org, admin):
    quote = admin.post("/api/v1/quotes/", _body(sales_org)).json()
    base = f"/api/v1/quotes/{quote['id']}/"
    for step in ("accept", "decline", "convert"):
        response = admin.post(f"{base}{step}/")
        assert response.status_code == 400, step
        assert "status" in response.json()["errors"]
    assert admin.post(f"{base}convert/", {"order_date": "soon"}).status_code == 400
    assert admin.post(f"{base}send/").status_code == 200
    with schema_context(sales_org.workspace.schema):
        yesterday = TODAY() - datetime.timedelta(days=1)
        Quote.objects.filter(pk=quote["id"]).update(
            issued_on=yesterday - datetime.timedelta(days=30), valid_until=yesterday
        )
    assert admin.get(base).json()["is_expired"] is True
    for step in ("accept", "convert"):
        response = admin.post(f"{base}{step}/")
        assert response.status_code == 400, step
        assert "expired" in " ".join(response.json()["errors"]["valid_until"])
    assert count_rows(sales_org, Quote, status="sent") == 1
    assert count_rows(sales_org, Order) == 0
    assert admin.post(f"{base}decline/").json()["status"] == "declined"


# --- Roles and scope -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "read", "create", "send"),
    [
        ("salesperson", 200, 201, 200),
        ("sales_manager", 200, 201, 200),
        ("executive", 200, 403, 403),
        ("finance_manager", 200, 403, 403),
        ("customer_information_manager", 403, 403, 403),
        ("warehouse_manager", 403, 403, 403),
        ("dealer", 403, 403, 403),
    ],
)
def test_what_each_role_may_do(sales_org, role, read, create, send):
    quote = _make(sales_org)
    client = sales_org.api(role)
    assert client.get("/api/v1/quotes/").status_code == read
    assert client.get(f"/api/v1/quotes/{quote.pk}/").status_code in (read, 404)
    assert client.post("/api/v1/quotes/", _body(sales_org)).status_code == create
    assert client.post(f"/api/v1/quotes/{quote.pk}/send/").status_code == send
    assert count_rows(sales_org, Quote, status="sent") == (1 if send == 200 else 0)
    assert count_rows(sales_org, Quote) == (2 if create == 201 else 1)


def test_people_reach_only_quotes_in_their_scope(sales_org):
    org = sales_org
    mine = _make(org)
    north = _make(org, customer="north")
    rep = org.api("salesperson")
    ids = {row["id"] for row in rep.get("/api/v1/quotes/").json()["results"]}
    assert ids == {mine.pk}
    assert rep.get(f"/api/v1/quotes/{north.pk}/").status_code == 404
    assert rep.get(f"/api/v1/quotes/{north.pk}/pdf/").status_code == 404
    for step in ("send", "cancel", "convert"):
        assert rep.post(f"/api/v1/quotes/{north.pk}/{step}/").status_code == 404
    assert rep.patch(f"/api/v1/quotes/{north.pk}/", {"notes": "x"}).status_code == 404
    refused = rep.post("/api/v1/quotes/", _body(org, customer=north.customer_id))
    assert refused.status_code == 400 and "customer" in refused.json()["errors"]
    assert count_rows(org, Quote, status="draft") == 2
    north_rep = org.api("north_rep")
    assert {r["id"] for r in north_rep.get("/api/v1/quotes/").json()["results"]} == {north.pk}


def test_betas_key_never_reads_or_changes_alphas_quotes(
    sales_org, beta_sales_org, api_key, api_client
):
    clear_cache()  # earlier tests' requests (same rolled-back key ids) count against the limit
    quote = _make(sales_org)
    beta = api_client(beta_sales_org.workspace, api_key(beta_sales_org.workspace))
    assert beta.get("/api/v1/quotes/").json()["count"] == 0
    assert beta.get(f"/api/v1/quotes/?search={quote.number}").json()["count"] == 0
    assert beta.get(f"/api/v1/quotes/{quote.pk}/").status_code == 404
    assert beta.get(f"/api/v1/quotes/{quote.pk}/pdf/").status_code == 404
    for step in ("send", "accept", "decline", "cancel", "convert"):
        assert beta.post(f"/api/v1/quotes/{quote.pk}/{step}/").status_code == 404
    assert beta.patch(f"/api/v1/quotes/{quote.pk}/", {"notes": "x"}).status_code == 404
    with schema_context(sales_org.workspace.schema):
        quote.refresh_from_db()
        assert (quote.status, quote.notes) == ("draft", "")
    assert count_rows(beta_sales_org, Quote) == 0


# --- Lists ---------------------------------------------------------------------------
def _grow(org, count: int) -> None:
    with schema_context(org.workspace.schema):
        for index in range(count):
            quotes.quote_create(
                actor=org.owner,
                customer=org.customers["rep_own" if index % 2 else "north"],
                lines=[
                    {"product": org.products["kettle"], "quantity": Decimal(index + 1)},
                    {"product": org.products["toaster"], "quantity": Decimal("1")},
                ],
            )


def test_list_queries_do_not_grow_with_rows(sales_org, admin):
    _grow(sales_org, 1)

    def grow():
        _grow(sales_org, 8)
        with schema_context(sales_org.workspace.schema):
            for quote in Quote.objects.all()[:3]:
                quote = quotes.quote_send(actor=sales_org.owner, quote=quote)
                quotes.quote_convert(actor=sales_org.owner, quote=quote)

    response = assert_list_queries(lambda: admin.get("/api/v1/quotes/"), grow, queries=5)
    assert response.json()["count"] == 9
    assert sum(1 for row in response.json()["results"] if row["order"]) == 3


def test_filters_search_ordering_and_bad_filters(sales_org, admin):
    _grow(sales_org, 3)
    org = sales_org
    north = org.customers["north"].pk
    rows = admin.get(f"/api/v1/quotes/?customer={north}").json()["results"]
    assert rows and {row["customer"] for row in rows} == {north}
    with schema_context(org.workspace.schema):
        first = Quote.objects.order_by("pk").first()
        quotes.quote_send(actor=org.owner, quote=first)
    assert [r["id"] for r in admin.get("/api/v1/quotes/?status=sent").json()["results"]] == [
        first.pk
    ]
    owner = org.users["salesperson"].pk
    owned = admin.get(f"/api/v1/quotes/?owner={owner}").json()["results"]
    assert owned and {row["owner"] for row in owned} == {owner}
    found = admin.get(f"/api/v1/quotes/?search={first.number}").json()["results"]
    assert [row["number"] for row in found] == [first.number]
    by_total = admin.get("/api/v1/quotes/?ordering=gross_total").json()["results"]
    totals = [Decimal(row["gross_total"]) for row in by_total]
    assert totals == sorted(totals)
    future = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    assert admin.get("/api/v1/quotes/", {"updated_since": future}).json()["count"] == 0
    for bad in ("status=nonsense", "owner=999999", "updated_since=yesterday", "customer=x"):
        assert admin.get(f"/api/v1/quotes/?{bad}").status_code == 400, bad
