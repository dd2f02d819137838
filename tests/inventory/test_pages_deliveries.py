"""Delivery pages: made from a confirmed order (the order page links there and shows
what is available where it ships from), carrier and tracking edited, shipped and
signed for with buttons, the delivery note PDF; bad quantities are 400 with nothing
written; a dealer sees its own; another workspace sees nothing; list query counts."""

from __future__ import annotations

from decimal import Decimal

from django_tenants.utils import schema_context

from tests.inventory.stock_setup import ROLES, confirmed_order, main_warehouse, store
from tests.support import factories
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.inventory import deliveries
from tradepost.inventory.models import Delivery, StockBalance
from tradepost.inventory.pdf import delivery_note_content, delivery_note_pdf
from tradepost.sales.models import Order


def _delivery(org, order, **extra):
    with schema_context(org.schema):
        return deliveries.delivery_create(actor=org.owner, order=order, **extra)


def test_the_warehouse_delivers_an_order_from_its_page(sales_org):
    order = confirmed_order(sales_org, "3")
    client = sales_org.client("warehouse_manager")
    page = client.get(f"/sales/orders/{order.pk}/").content.decode()
    assert f'href="/inventory/deliveries/new/{order.pk}/"' in page
    assert "Ship from" in page and "Available at Main warehouse" in page
    assert "997" in page  # 1,000 on hand, 3 reserved by this order
    assert "Ship everything open" not in page

    form = client.get(f"/inventory/deliveries/new/{order.pk}/")
    assert form.status_code == 200
    html = form.content.decode()
    with schema_context(sales_org.schema):
        line = order.lines.get()
    assert f'name="line-{line.pk}" value="3"' in html and "997" in html

    response = client.post(
        f"/inventory/deliveries/new/{order.pk}/",
        {f"line-{line.pk}": "2", "carrier": "SF Express 顺丰", "tracking_number": "SF123"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    delivery_id = int(response["Location"].rstrip("/").split("/")[-1])
    detail = client.get(f"/inventory/deliveries/{delivery_id}/").content.decode()
    assert "SF Express 顺丰" in detail and "SF123" in detail and ">Ship</button>" in detail
    assert f'href="/inventory/deliveries/{delivery_id}/pdf/"' in detail

    edited = client.post(
        f"/inventory/deliveries/{delivery_id}/edit/",
        {"carrier": "EMS", "tracking_number": "EMS-9", "notes": "Gate 3"},
    )
    assert edited.status_code == 302
    assert client.post(f"/inventory/deliveries/{delivery_id}/ship/").status_code == 302
    with schema_context(sales_org.schema):
        balance = StockBalance.objects.get(
            product=sales_org.products["kettle"], location=main_warehouse(sales_org)
        )
        assert (balance.on_hand, balance.reserved) == (Decimal("998"), Decimal("1"))
        assert Order.objects.get(pk=order.pk).status == "partially_shipped"
    assert client.post(f"/inventory/deliveries/{delivery_id}/deliver/").status_code == 302
    assert count_rows(sales_org, Delivery, pk=delivery_id, status="delivered", carrier="EMS") == 1
    listing = client.get("/inventory/deliveries/").content.decode()
    assert "EMS-9" in listing and "Delivered" in listing
    # The order page lists its deliveries.
    assert f'href="/inventory/deliveries/{delivery_id}/"' in (
        client.get(f"/sales/orders/{order.pk}/").content.decode()
    )


def test_bad_delivery_input_is_400_and_writes_nothing(sales_org):
    order = confirmed_order(sales_org, "3")
    with schema_context(sales_org.schema):
        line = order.lines.get()
    client = sales_org.client("warehouse_manager")
    url = f"/inventory/deliveries/new/{order.pk}/"
    for data in (
        {f"line-{line.pk}": "5"},  # more than is open
        {f"line-{line.pk}": "-1"},
        {f"line-{line.pk}": "two"},
        {f"line-{line.pk}": "0"},  # nothing to deliver
        {f"line-{line.pk}": "1", "carrier": "x" * 101},
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert 'role="alert"' in response.content.decode(), data
    too_many = client.post(url, {f"line-{line.pk}": "5"}).content.decode()
    assert "KT-1: only 3 left to ship." in too_many
    assert count_rows(sales_org, Delivery) == 0

    delivery = _delivery(sales_org, order)
    long = client.post(f"/inventory/deliveries/{delivery.pk}/edit/", {"tracking_number": "9" * 101})
    assert long.status_code == 400
    assert count_rows(sales_org, Delivery, pk=delivery.pk, tracking_number="") == 1
    # A draft order cannot be delivered.
    draft = factories.order(
        sales_org, lines=[{"product": sales_org.products["kettle"], "quantity": Decimal("1")}]
    )
    refused = sales_org.client("owner").post(f"/inventory/deliveries/new/{draft.pk}/", {})
    assert refused.status_code == 400
    assert count_rows(sales_org, Delivery) == 1


def test_the_delivery_note_pdf(sales_org):
    order = confirmed_order(sales_org, "3")
    delivery = _delivery(sales_org, order, carrier="顺丰速运", tracking_number="SF-778")
    with schema_context(sales_org.schema):
        delivery = Delivery.objects.select_related("order__customer", "location").get(
            pk=delivery.pk
        )
        content = delivery_note_content(delivery)
        raw = delivery_note_pdf(delivery, compress=False)
    assert content.title == f"Delivery note {delivery.number}"
    assert ("Carrier", "顺丰速运") in content.details
    assert ("Tracking number", "SF-778") in content.details
    assert content.rows == [["1", "KT-1 Kettle 电水壶", "3 pcs", "—", "—"]]
    assert content.signature == ["Received by", "Date", "Signature"]
    assert raw.startswith(b"%PDF") and b"+WenQuanYiMicroHei" in raw and b"(SF-778)" in raw

    download = sales_org.client("warehouse_manager").get(
        f"/inventory/deliveries/{delivery.pk}/pdf/"
    )
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'inline; filename="{delivery.number}.pdf"'


def test_who_sees_which_delivery(sales_org, beta_sales_org):
    mine = confirmed_order(sales_org, "1", customer="dealer")
    theirs = confirmed_order(sales_org, "1", customer="rep_own")
    dealer_delivery = _delivery(sales_org, mine)
    other = _delivery(sales_org, theirs)
    dealer = sales_org.client("dealer")
    listing = dealer.get("/inventory/deliveries/").content.decode()
    assert dealer_delivery.number in listing and other.number not in listing
    assert dealer.get(f"/inventory/deliveries/{dealer_delivery.pk}/").status_code == 200
    assert dealer.get(f"/inventory/deliveries/{dealer_delivery.pk}/pdf/").status_code == 200
    assert dealer.get(f"/inventory/deliveries/{other.pk}/").status_code == 404
    # A dealer sees, never ships.
    assert (
        ">Ship</button>"
        not in dealer.get(f"/inventory/deliveries/{dealer_delivery.pk}/").content.decode()
    )
    assert dealer.post(f"/inventory/deliveries/{dealer_delivery.pk}/ship/").status_code == 403
    assert dealer.get(f"/inventory/deliveries/new/{mine.pk}/").status_code == 403

    expected = {
        "owner": 200,
        "executive": 200,
        "sales_manager": 200,
        "salesperson": 200,
        "warehouse_manager": 200,
        "finance_manager": 200,
        "customer_information_manager": 403,
        "dealer": 200,
    }
    for role in ROLES:
        assert sales_org.client(role).get("/inventory/deliveries/").status_code == expected[role]
    creating = {"owner": 200, "warehouse_manager": 200}
    for role in ROLES:
        status = sales_org.client(role).get(f"/inventory/deliveries/new/{theirs.pk}/").status_code
        assert status == creating.get(role, 403), role

    beta = beta_sales_org.client("warehouse_manager")
    assert beta.get(f"/inventory/deliveries/{other.pk}/").status_code == 404
    assert beta.get(f"/inventory/deliveries/{other.pk}/pdf/").status_code == 404
    assert beta.post(f"/inventory/deliveries/{other.pk}/cancel/").status_code == 404
    assert beta.get(f"/inventory/deliveries/new/{theirs.pk}/").status_code == 404
    assert other.number not in beta.get("/inventory/deliveries/").content.decode()
    assert count_rows(sales_org, Delivery, pk=other.pk, status="picking") == 1


def test_the_order_form_offers_where_it_ships_from(sales_org):
    place = store(sales_org)
    rep = sales_org.client("salesperson")
    form = rep.get("/sales/orders/new/").content.decode()
    assert "Ship from" in form and "The customer&#x27;s branch default" in form
    data = {
        "customer": sales_org.customers["rep_own"].pk,
        "warehouse": place.pk,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        "lines-0-product": sales_org.products["kettle"].pk,
        "lines-0-quantity": "1",
    }
    response = rep.post("/sales/orders/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    order_id = int(response["Location"].rstrip("/").split("/")[-1])
    assert count_rows(sales_org, Order, pk=order_id, warehouse=place.pk) == 1
    # Empty: the customer's branch default (the main warehouse here).
    response = rep.post("/sales/orders/new/", {**data, "warehouse": ""})
    default_id = int(response["Location"].rstrip("/").split("/")[-1])
    assert count_rows(sales_org, Order, pk=default_id, warehouse=main_warehouse(sales_org).pk) == 1
    # An edit that leaves it empty keeps it; a bad id is refused.
    edit = {k: v for k, v in data.items() if k not in ("customer",)} | {"warehouse": ""}
    assert rep.post(f"/sales/orders/{order_id}/edit/", edit).status_code == 302
    assert count_rows(sales_org, Order, pk=order_id, warehouse=place.pk) == 1
    bad = rep.post("/sales/orders/new/", {**data, "warehouse": "999999"})
    assert bad.status_code == 400 and count_rows(sales_org, Order) == 2


def test_the_list_runs_the_same_queries_for_many_rows(sales_org):
    client = sales_org.client("warehouse_manager")
    _delivery(sales_org, confirmed_order(sales_org, "1"))

    def grow():
        for _ in range(3):
            _delivery(sales_org, confirmed_order(sales_org, "1", customer="north"))

    assert_list_queries(
        lambda: client.get("/inventory/deliveries/"),
        grow,
        queries=8,
        size=lambda response: response.content.decode().count("<tr"),
    )


def test_the_customer_page_shows_availability_and_deliveries(sales_org):
    order = confirmed_order(sales_org, "3")
    delivery = _delivery(sales_org, order, tracking_number="YT-55")
    customer = sales_org.customers["rep_own"]
    page = sales_org.client("salesperson").get(f"/customers/{customer.pk}/").content.decode()
    assert "Stock and deliveries" in page and "Main warehouse" in page
    assert "KT-1" in page and "997" in page and delivery.number in page and "YT-55" in page
    # Without stock access (the customer-information manager) the section is not there.
    other = sales_org.client("customer_information_manager").get(f"/customers/{customer.pk}/")
    assert other.status_code == 200 and "Stock and deliveries" not in other.content.decode()
