"""Location and supplier pages, and the product form's stock switches: add and change
them, bad input answered 400 with nothing written, who may, another workspace, list
query counts."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tests.inventory.stock_setup import ROLES, store, supplier
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.masterdata.models import Location, Product, Supplier

KEEPERS = {"owner", "warehouse_manager"}


def _table(response) -> str:
    html = response.content.decode()
    return html[html.index("<tbody>") :] if "<tbody>" in html else ""


def _location(**extra):
    return {
        "name": "Pudong warehouse 浦东仓",
        "code": "PD",
        "kind": "warehouse",
        "branch": "",
        "address": "",
        "is_active": "on",
        **extra,
    }


def test_the_warehouse_adds_and_changes_a_location(sales_org):
    client = sales_org.client("warehouse_manager")
    response = client.post(
        "/inventory/locations/new/", _location(branch=sales_org.branches["shanghai"].pk)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with schema_context(sales_org.schema):
        place = Location.objects.get(code="PD")
    listing = client.get("/inventory/locations/").content.decode()
    assert "Pudong warehouse 浦东仓" in listing and "Shanghai" in listing
    changed = client.post(
        f"/inventory/locations/{place.pk}/",
        _location(name="Pudong DC", branch=sales_org.branches["shanghai"].pk, is_default="on"),
    )
    assert changed.status_code == 302
    assert count_rows(sales_org, Location, pk=place.pk, name="Pudong DC", is_default=True) == 1
    # Deactivated, it leaves the list unless asked for.
    inactive = {k: v for k, v in _location(name="Pudong DC").items() if k != "is_active"}
    assert client.post(f"/inventory/locations/{place.pk}/", inactive).status_code == 302
    assert "Pudong DC" not in _table(client.get("/inventory/locations/"))
    assert "Pudong DC" in _table(client.get("/inventory/locations/?inactive=1"))


def test_bad_locations_and_suppliers_are_400_and_write_nothing(sales_org):
    client = sales_org.client("warehouse_manager")
    before = count_rows(sales_org, Location)
    for data in (
        _location(name=""),
        _location(code=""),
        _location(code="wh"),  # the main warehouse's code, in another case
        _location(kind="ship"),
        _location(branch="999999"),
    ):
        response = client.post("/inventory/locations/new/", data)
        assert response.status_code == 400, data
    assert count_rows(sales_org, Location) == before
    taken = client.post("/inventory/locations/new/", _location(code="wh")).content.decode()
    assert "The code wh is already used by another record." in taken

    for data in ({"name": ""}, {"name": "X", "email": "not-an-address"}):
        assert client.post("/inventory/suppliers/new/", data).status_code == 400
    assert count_rows(sales_org, Supplier) == 0


def test_suppliers_are_added_and_changed(sales_org):
    client = sales_org.client("warehouse_manager")
    response = client.post(
        "/inventory/suppliers/new/",
        {"name": "Ningbo Plastics 宁波塑料", "code": "NB", "phone": "0574-1234", "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with schema_context(sales_org.schema):
        found = Supplier.objects.get(code="NB")
    edit = client.post(
        f"/inventory/suppliers/{found.pk}/",
        {"name": "Ningbo Plastics", "code": "NB", "contact_name": "Ms Wang", "is_active": "on"},
    )
    assert edit.status_code == 302
    listing = client.get("/inventory/suppliers/?q=wang").content.decode()
    assert "Ningbo Plastics" in listing and "Ms Wang" in listing


def test_roles_and_another_workspace(sales_org, beta_sales_org):
    place = store(sales_org)
    source = supplier(sales_org)
    can_read_places = {
        "owner",
        "executive",
        "sales_manager",
        "salesperson",
        "warehouse_manager",
        "finance_manager",
    }
    can_read_suppliers = {"owner", "executive", "warehouse_manager", "finance_manager"}
    for role in ROLES:
        client = sales_org.client(role)
        assert client.get("/inventory/locations/").status_code == (
            200 if role in can_read_places else 403
        ), role
        assert client.get("/inventory/suppliers/").status_code == (
            200 if role in can_read_suppliers else 403
        ), role
        for url in (
            "/inventory/locations/new/",
            f"/inventory/locations/{place.pk}/",
            "/inventory/suppliers/new/",
            f"/inventory/suppliers/{source.pk}/",
        ):
            assert client.get(url).status_code == (200 if role in KEEPERS else 403), (role, url)
    rep = sales_org.client("salesperson")
    assert rep.post(f"/inventory/locations/{place.pk}/", _location(name="Mine")).status_code == 403
    assert count_rows(sales_org, Location, name="Mine") == 0

    beta = beta_sales_org.client("warehouse_manager")
    assert beta.get(f"/inventory/suppliers/{source.pk}/").status_code == 404
    assert beta.post(f"/inventory/suppliers/{source.pk}/", {"name": "Taken"}).status_code == 404
    assert "Guangzhou Appliances" not in beta.get("/inventory/suppliers/").content.decode()
    assert "Nanjing Road" not in beta.get("/inventory/locations/").content.decode()


def test_lists_run_the_same_queries_for_many_rows(sales_org):
    client = sales_org.client("warehouse_manager")
    supplier(sales_org, "First")
    counter = iter(range(100))

    def grow():
        for _ in range(3):
            number = next(counter)
            store(sales_org, code=f"Q-{number}", name=f"Store {number}")
            supplier(sales_org, f"Supplier {number}")

    def rows(response):
        return response.content.decode().count("<tr")

    assert_list_queries(lambda: client.get("/inventory/locations/"), grow, queries=7, size=rows)
    assert_list_queries(lambda: client.get("/inventory/suppliers/"), grow, queries=7, size=rows)


def test_the_product_form_sets_stock_tracking_and_lots(sales_org):
    client = sales_org.client("owner")
    kettle = sales_org.products["kettle"]
    form = client.get(f"/products/{kettle.pk}/edit/").content.decode()
    assert "Track stock" in form and "Lots and expiry" in form
    data = {
        "sku": "KT-1",
        "name": "Kettle 电水壶",
        "unit": "pcs",
        "list_price": "199.00",
        "currency": "CNY",
        "is_active": "on",
        "tracks_stock": "on",
        "lot_tracked": "on",
    }
    assert client.post(f"/products/{kettle.pk}/edit/", data).status_code == 302
    assert count_rows(sales_org, Product, pk=kettle.pk, lot_tracked=True, tracks_stock=True) == 1
    service = {k: v for k, v in data.items() if k not in ("tracks_stock", "lot_tracked")}
    response = client.post("/products/new/", {**service, "sku": "SV-1", "name": "Installation"})
    assert response.status_code == 302
    assert count_rows(sales_org, Product, sku="SV-1", tracks_stock=False, lot_tracked=False) == 1
