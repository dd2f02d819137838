"""The order pages and "my day": enter an order with lines, act on it step by step
with the buttons each role sees, bad input answered 400 with nothing written,
isolation, and list queries that do not grow with rows."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support import factories
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.customers import services as customer_services
from tradepost.sales import orders
from tradepost.sales.models import Order


def _form(org, **extra):
    data = {
        "customer": org.customers["rep_own"].pk,
        "currency": "",
        "requested_delivery_date": "",
        "deposit": "",
        "notes": "Call before delivery",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        "lines-0-product": org.products["kettle"].pk,
        "lines-0-quantity": "2",
        "lines-1-product": org.products["toaster"].pk,
        "lines-1-quantity": "1",
        "lines-1-discount_percent": "10",
    }
    data.update(extra)
    return data


def _order(org, customer="rep_own"):
    with schema_context(org.workspace.schema):
        return orders.order_create(
            actor=org.owner,
            customer=org.customers[customer],
            lines=[{"product": org.products["kettle"], "quantity": Decimal("2")}],
        )


def test_a_salesperson_enters_an_order_and_a_manager_approves_it(sales_org):
    rep = sales_org.client("salesperson")
    page = rep.get(f"/sales/orders/new/?customer={sales_org.customers['rep_own'].pk}")
    assert page.status_code == 200
    assert "data-add-line" in page.content.decode()

    response = rep.post("/sales/orders/new/", _form(sales_org))
    assert response.status_code == 302, response.content.decode()[:2000]
    order_id = int(response["Location"].rstrip("/").split("/")[-1])
    detail = rep.get(f"/sales/orders/{order_id}/").content.decode()
    assert "Submit for review" in detail and ">Approve</button>" not in detail
    assert "631.55" in detail  # 398.00 + 233.55 excl. tax, shown in the totals

    assert rep.post(f"/sales/orders/{order_id}/submit/").status_code == 302
    manager = sales_org.client("sales_manager")
    review = manager.get(f"/sales/orders/{order_id}/").content.decode()
    assert ">Approve</button>" in review and "Reject" in review
    refused = manager.post(f"/sales/orders/{order_id}/reject/", {"comment": ""})
    assert refused.status_code == 400
    assert "Say why the order is rejected." in refused.content.decode()
    # Reloading that answer (or switching language on it) is a GET of the step's URL:
    # back to the order's page, not a 405.
    reload = manager.get(f"/sales/orders/{order_id}/reject/", follow=True)
    assert reload.redirect_chain == [(f"/sales/orders/{order_id}/", 302)]
    assert reload.status_code == 200 and "Reject" in reload.content.decode()
    approved = manager.post(f"/sales/orders/{order_id}/approve/", {"comment": "Fine"})
    assert approved.status_code == 302
    assert manager.post(f"/sales/orders/{order_id}/confirm/").status_code == 302
    with schema_context(sales_org.workspace.schema):
        order = Order.objects.get(pk=order_id)
        assert order.status == Order.Status.CONFIRMED and order.number

    # The warehouse ships part, then the rest, then records delivery.
    warehouse = sales_org.client("warehouse_manager")
    with schema_context(sales_org.workspace.schema):
        kettle_line = order.lines.get(product=sales_org.products["kettle"])
    partial = warehouse.post(
        f"/sales/orders/{order_id}/ship/", {"partial": "1", f"line-{kettle_line.pk}": "1"}
    )
    assert partial.status_code == 302
    too_many = warehouse.post(
        f"/sales/orders/{order_id}/ship/", {"partial": "1", f"line-{kettle_line.pk}": "5"}
    )
    assert too_many.status_code == 400 and "left to ship" in too_many.content.decode()
    # A line is named as the page shows it: its position and SKU, not a database id.
    not_a_number = warehouse.post(
        f"/sales/orders/{order_id}/ship/", {"partial": "1", f"line-{kettle_line.pk}": "lots"}
    )
    assert not_a_number.status_code == 400
    sku = sales_org.products["kettle"].sku
    assert f"Line {kettle_line.position} ({sku}): enter a quantity." in (
        not_a_number.content.decode()
    )
    assert warehouse.post(f"/sales/orders/{order_id}/ship/").status_code == 302
    assert warehouse.post(f"/sales/orders/{order_id}/deliver/").status_code == 302
    assert count_rows(sales_org, Order, pk=order_id, status="delivered") == 1


def test_bad_order_forms_are_400_and_write_nothing(sales_org):
    rep = sales_org.client("salesperson")
    cases = [
        _form(sales_org, **{"lines-0-quantity": "", "lines-1-quantity": ""}),  # no quantity
        _form(sales_org, **{"lines-0-product": "", "lines-1-product": ""}),  # no product
        _form(sales_org, customer=sales_org.customers["north"].pk),  # not hers
        _form(sales_org, deposit="99999"),  # more than the total
        _form(sales_org, currency="USD"),  # no USD price
        _form(sales_org, **{"lines-0-quantity": "-1"}),
    ]
    for data in cases:
        response = rep.post("/sales/orders/new/", data)
        assert response.status_code == 400, data
    empty = {k: v for k, v in _form(sales_org).items() if not k.startswith(("lines-0", "lines-1"))}
    response = rep.post("/sales/orders/new/", empty)
    assert response.status_code == 400
    assert "Add at least one line." in response.content.decode()
    assert count_rows(sales_org, Order) == 0


def test_roles_see_the_pages_they_may(sales_org):
    order = _order(sales_org)
    expected = {
        "salesperson": (200, 200, 200),
        "sales_manager": (200, 200, 200),
        "warehouse_manager": (200, 404, 403),  # a draft is not the warehouse's yet
        "customer_information_manager": (403, 403, 403),
        "dealer": (200, 404, 200),
    }
    for role, (listing, detail, create) in expected.items():
        client = sales_org.client(role)
        assert client.get("/sales/orders/").status_code == listing, role
        assert client.get(f"/sales/orders/{order.pk}/").status_code == detail, role
        assert client.get("/sales/orders/new/").status_code == create, role
    # Someone who may not review cannot approve by posting the form either.
    rep = sales_org.client("salesperson")
    rep.post(f"/sales/orders/{order.pk}/submit/")
    assert rep.post(f"/sales/orders/{order.pk}/approve/").status_code == 403
    assert count_rows(sales_org, Order, status="submitted") == 1


def test_betas_people_never_see_alphas_orders(sales_org, beta_sales_org):
    order = _order(sales_org)
    beta = beta_sales_org.client("owner")
    assert beta.get(f"/sales/orders/{order.pk}/").status_code == 404
    assert beta.post(f"/sales/orders/{order.pk}/submit/").status_code == 404
    assert beta.get(f"/sales/orders/{order.pk}/edit/").status_code == 404
    listing = beta.get("/sales/orders/").content.decode()
    assert sales_org.customers["rep_own"].name not in listing
    assert count_rows(sales_org, Order, status="draft") == 1


def test_the_order_list_filters_and_its_queries_do_not_grow(sales_org):
    client = sales_org.client("owner")
    _order(sales_org)

    def grow():
        for index in range(8):
            _order(sales_org, customer="north" if index % 2 else "rep_own")

    response = assert_list_queries(lambda: client.get("/sales/orders/"), grow, queries=9)
    assert response.content.decode().count('href="/sales/orders/') >= 9
    north = client.get("/sales/orders/?q=Jinghua").content.decode()
    assert "Jinghua" in north and "Mingda" not in north.split("<table", 1)[-1]
    assert client.get("/sales/orders/?status=bogus").status_code == 200
    assert "No order matches this filter." in client.get("/sales/orders/?q=zzz").content.decode()


def test_my_day_shows_what_waits_for_me(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        order = orders.order_submit(actor=org.owner, order=_order(org))
        customer_services.activity_create(
            actor=org.users["salesperson"],
            customer=org.customers["rep_own"],
            subject="Call about the kettles",
            owner=org.users["salesperson"],
            due_at=timezone.now() + datetime.timedelta(minutes=5),
        )
    manager_day = org.client("sales_manager").get("/sales/").content.decode()
    assert f"/sales/orders/{order.pk}/" in manager_day  # waiting for review
    rep_day = org.client("salesperson").get("/sales/").content.decode()
    assert "Call about the kettles" in rep_day
    assert f"/sales/orders/{order.pk}/" not in rep_day  # nothing for her to do
    assert "None of your quotes expires within 7 days." in rep_day


def test_my_day_takes_the_same_queries_for_one_row_of_each_kind_and_many(sales_org):
    org = sales_org
    manager = org.users["sales_manager"]  # reviews orders, has activities and quotes
    client = org.client("sales_manager")

    def one_of_each(index):
        with schema_context(org.workspace.schema):
            orders.order_submit(actor=org.owner, order=factories.order(org))
            customer_services.activity_create(
                actor=org.owner,
                customer=org.customers["rep_own"],
                subject=f"Call {index}",
                owner=manager,
                due_at=timezone.now() + datetime.timedelta(minutes=5),
            )
        factories.quote(
            org, owner=manager, valid_until=timezone.localdate() + datetime.timedelta(days=3)
        )

    one_of_each(0)

    body = assert_list_queries(
        lambda: client.get("/sales/"),
        lambda: [one_of_each(index) for index in range(1, 6)],
        queries=10,
    ).content.decode()

    assert "Call 5" in body


def test_my_day_empty_and_menu(sales_org):
    page = sales_org.client("salesperson").get("/sales/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Nothing due today." in text and "No order is waiting for you." in text
    assert 'href="/sales/"' in sales_org.client("salesperson").get("/").content.decode()
    assert sales_org.client("customer_information_manager").get("/sales/").status_code == 403


@pytest.mark.parametrize("role", ["salesperson", "sales_manager"])
def test_the_customer_page_shows_its_orders(sales_org, role):
    order = _order(sales_org)
    page = sales_org.client(role).get(f"/customers/{sales_org.customers['rep_own'].pk}/")
    assert f"/sales/orders/{order.pk}/" in page.content.decode()


def test_an_order_placed_under_an_agreement_from_the_form(sales_org):
    from tradepost.channel import agreements

    org = sales_org
    with schema_context(org.workspace.schema):
        agreement = agreements.agreement_create(
            actor=org.owner,
            customer=org.customers["rep_own"],
            name="Framework 框架",
            starts_on=timezone.localdate() - datetime.timedelta(days=1),
            ends_on=timezone.localdate() + datetime.timedelta(days=30),
            lines=[
                {
                    "product": org.products["kettle"],
                    "unit_price": Decimal("150.00"),
                    "max_quantity": Decimal("10"),
                }
            ],
        )
        agreements.agreement_activate(actor=org.owner, agreement=agreement)
    rep = org.client("salesperson")
    form = _form(org, agreement=agreement.pk, **{"lines-1-product": "", "lines-1-quantity": ""})
    response = rep.post("/sales/orders/new/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    with schema_context(org.workspace.schema):
        order = Order.objects.get(agreement=agreement)
        line = order.lines.get()
        assert (line.unit_price, line.price_source) == (150, "agreement")
    detail = rep.get(f"/sales/orders/{order.pk}/").content.decode()
    assert f"/sales/agreements/{agreement.pk}/" in detail
    # A price of one's own under an agreement is refused, and so is going over its cap.
    manual = rep.post("/sales/orders/new/", {**form, "lines-0-unit_price": "1.00"})
    assert manual.status_code == 400 and "agreed one" in manual.content.decode()
    over = rep.post("/sales/orders/new/", {**form, "lines-0-quantity": "9"})
    assert over.status_code == 400 and "at most 8 more" in over.content.decode()
    assert count_rows(org, Order, agreement=agreement) == 1


@pytest.mark.parametrize("odd", ["²", "٣", "99999999999999999999", "-1", "x"])
def test_odd_ids_in_links_are_ignored_not_errors(sales_org, odd):
    owner = sales_org.client("owner")
    for page in ("/sales/orders/new/", "/sales/quotes/new/", "/sales/pipeline/new/"):
        assert owner.get(page, {"customer": odd}).status_code == 200, page
    assert owner.get("/api/v1/orders/", {"page": odd}).status_code in (400, 404)
    created = owner.post(
        "/api/v1/orders/",
        {
            "customer": sales_org.customers["rep_own"].pk,
            "lines": [{"product": odd, "quantity": "1"}],
        },
        content_type="application/json",
    )
    assert created.status_code == 400
    assert "lines[0].product" in created.json()["errors"]
