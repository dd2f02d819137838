"""Receipt, transfer and adjustment pages: entering one with its lines, its steps as
buttons, bad input answered 400 with nothing written, who may see and do what, another
workspace sees nothing, and lists whose queries do not grow with rows."""

from __future__ import annotations

from decimal import Decimal

from django_tenants.utils import schema_context

from tests.inventory.stock_setup import (
    ROLES,
    main_warehouse,
    management_form,
    received,
    store,
    supplier,
)
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.inventory import transfers
from tradepost.inventory.models import (
    Receipt,
    StockAdjustment,
    StockBalance,
    Transfer,
)

KEEPERS = {"owner", "warehouse_manager"}
READERS = KEEPERS | {"executive", "finance_manager"}


def _receipt_form(org, **extra):
    data = {
        "location": main_warehouse(org).pk,
        "supplier": "",
        "supplier_reference": "GZ-2026-118",
        "notes": "",
        **management_form(total=2),
        "lines-0-product": org.products["kettle"].pk,
        "lines-0-quantity": "12",
        "lines-0-unit_cost": "61.5",
    }
    data.update(extra)
    return data


def _on_hand(org, product="kettle", location=None) -> Decimal:
    with schema_context(org.schema):
        return StockBalance.objects.get(
            product=org.products[product], location=location or main_warehouse(org)
        ).on_hand


def test_the_warehouse_enters_and_receives_a_receipt(sales_org):
    source = supplier(sales_org)
    client = sales_org.client("warehouse_manager")
    form = client.get("/inventory/receipts/new/").content.decode()
    assert "data-scan" in form and "Scan or type a barcode or SKU" in form
    assert "inventory/scan.js" in form

    response = client.post("/inventory/receipts/new/", _receipt_form(sales_org, supplier=source.pk))
    assert response.status_code == 302, response.content.decode()[:3000]
    receipt_id = int(response["Location"].rstrip("/").split("/")[-1])
    page = client.get(f"/inventory/receipts/{receipt_id}/").content.decode()
    assert "Guangzhou Appliances" in page and "GZ-2026-118" in page
    assert ">Receive</button>" in page and 'class="stepper"' in page
    assert "61.5" in page  # the unit cost, for who may see costs
    assert _on_hand(sales_org) == Decimal("1000")

    assert client.post(f"/inventory/receipts/{receipt_id}/receive/").status_code == 302
    assert _on_hand(sales_org) == Decimal("1012")
    done = client.get(f"/inventory/receipts/{receipt_id}/").content.decode()
    assert ">Receive</button>" not in done and "Goods received" in done
    # Receiving twice is refused on the page, with the reason.
    again = client.post(f"/inventory/receipts/{receipt_id}/receive/")
    assert again.status_code == 400 and "cannot be received" in again.content.decode()
    assert _on_hand(sales_org) == Decimal("1012")

    listing = client.get("/inventory/receipts/").content.decode()
    assert f'href="/inventory/receipts/{receipt_id}/"' in listing and "Received" in listing


def test_bad_receipts_are_400_and_write_nothing(sales_org):
    client = sales_org.client("warehouse_manager")
    cases = [
        _receipt_form(sales_org, **{"lines-0-quantity": ""}),  # no quantity
        _receipt_form(sales_org, **{"lines-0-product": ""}),  # no product
        _receipt_form(sales_org, **{"lines-0-quantity": "-3"}),
        _receipt_form(sales_org, **{"lines-0-quantity": "many"}),
        _receipt_form(sales_org, **{"lines-0-unit_cost": "-1"}),
        _receipt_form(sales_org, location=""),
        _receipt_form(sales_org, location="999999"),
        _receipt_form(sales_org, **{"lines-0-lot_number": "L-1"}),  # the kettle has no lots
    ]
    for data in cases:
        response = client.post("/inventory/receipts/new/", data)
        assert response.status_code == 400, data
        assert 'class="error"' in response.content.decode() or "errors" in (
            response.content.decode()
        )
    empty = {k: v for k, v in _receipt_form(sales_org).items() if not k.startswith("lines-0")}
    response = client.post("/inventory/receipts/new/", empty)
    assert response.status_code == 400 and "Add at least one line." in response.content.decode()
    assert count_rows(sales_org, Receipt) == 0


def test_a_transfer_ships_and_arrives(sales_org):
    place = store(sales_org)
    client = sales_org.client("warehouse_manager")
    assert "data-scan" in client.get("/inventory/transfers/new/").content.decode()
    data = {
        "source": main_warehouse(sales_org).pk,
        "destination": place.pk,
        "notes": "For the weekend sale",
        **management_form(),
        "lines-0-product": sales_org.products["toaster"].pk,
        "lines-0-quantity": "4",
    }
    response = client.post("/inventory/transfers/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    transfer_id = int(response["Location"].rstrip("/").split("/")[-1])
    assert ">Ship</button>" in client.get(f"/inventory/transfers/{transfer_id}/").content.decode()
    assert client.post(f"/inventory/transfers/{transfer_id}/ship/").status_code == 302
    shipped = client.get(f"/inventory/transfers/{transfer_id}/").content.decode()
    assert "In transit" in shipped and ">Receive</button>" in shipped
    assert client.post(f"/inventory/transfers/{transfer_id}/receive/").status_code == 302
    assert _on_hand(sales_org, "toaster", place) == Decimal("4")
    assert _on_hand(sales_org, "toaster") == Decimal("996")

    # The same place twice, more than there is: refused, nothing written.
    same = client.post("/inventory/transfers/new/", {**data, "destination": data["source"]})
    assert same.status_code == 400
    assert "Choose a place other than where the goods are." in same.content.decode()
    assert count_rows(sales_org, Transfer) == 1
    with schema_context(sales_org.schema):
        big = transfers.transfer_create(
            actor=sales_org.owner,
            source=main_warehouse(sales_org),
            destination=place,
            lines=[{"product": sales_org.products["toaster"], "quantity": Decimal("5000")}],
        )
    refused = client.post(f"/inventory/transfers/{big.pk}/ship/")
    assert refused.status_code == 400 and "only 996 available" in refused.content.decode()
    assert _on_hand(sales_org, "toaster") == Decimal("996")


def test_an_adjustment_needs_a_reason_and_a_warehouse_manager(sales_org):
    client = sales_org.client("warehouse_manager")
    data = {
        "location": main_warehouse(sales_org).pk,
        "reason": "Two broken in the aisle",
        **management_form(),
        "lines-0-product": sales_org.products["kettle"].pk,
        "lines-0-quantity": "-2",
    }
    no_reason = client.post("/inventory/adjustments/new/", {**data, "reason": ""})
    assert no_reason.status_code == 400 and "This field is required." in no_reason.content.decode()
    too_many = client.post("/inventory/adjustments/new/", {**data, "lines-0-quantity": "-5000"})
    assert too_many.status_code == 400 and "only 1000 available" in too_many.content.decode()
    assert count_rows(sales_org, StockAdjustment) == 1  # the opening stock of the fixture

    response = client.post("/inventory/adjustments/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert _on_hand(sales_org) == Decimal("998")
    listing = client.get("/inventory/adjustments/").content.decode()
    assert "Two broken in the aisle" in listing and "KT-1: -2" in listing

    for role in ROLES:
        expected = 200 if role in KEEPERS else 403
        status = sales_org.client(role).get("/inventory/adjustments/new/").status_code
        assert status == expected, role
    assert (
        sales_org.client("sales_manager").post("/inventory/adjustments/new/", data).status_code
        == 403
    )
    assert _on_hand(sales_org) == Decimal("998")


def test_roles_see_the_documents_they_may(sales_org):
    receipt = received(sales_org, "1")
    for role in ROLES:
        client = sales_org.client(role)
        for url in (
            "/inventory/receipts/",
            f"/inventory/receipts/{receipt.pk}/",
            "/inventory/transfers/",
            "/inventory/adjustments/",
        ):
            expected = 200 if role in READERS else 403
            assert client.get(url).status_code == expected, (role, url)
        for url in ("/inventory/receipts/new/", "/inventory/transfers/new/"):
            expected = 200 if role in KEEPERS else 403
            assert client.get(url).status_code == expected, (role, url)
    # Finance reads but does not receive.
    with schema_context(sales_org.schema):
        from tradepost.inventory import receipts

        draft = receipts.receipt_create(
            actor=sales_org.owner,
            location=main_warehouse(sales_org),
            lines=[{"product": sales_org.products["kettle"], "quantity": Decimal("1")}],
        )
    finance = sales_org.client("finance_manager")
    assert (
        ">Receive</button>" not in finance.get(f"/inventory/receipts/{draft.pk}/").content.decode()
    )
    assert finance.post(f"/inventory/receipts/{draft.pk}/receive/").status_code == 403
    assert count_rows(sales_org, Receipt, pk=draft.pk, status="draft") == 1


def test_another_workspace_cannot_see_or_touch_them(sales_org, beta_sales_org):
    receipt = received(sales_org, "1")
    beta = beta_sales_org.client("warehouse_manager")
    assert beta.get(f"/inventory/receipts/{receipt.pk}/").status_code == 404
    assert beta.post(f"/inventory/receipts/{receipt.pk}/cancel/").status_code == 404
    assert receipt.number not in beta.get("/inventory/receipts/").content.decode()
    search = beta.get(f"/inventory/receipts/?q={receipt.number}").content.decode()
    assert "No receipt matches this filter." in search


def test_document_lists_run_the_same_queries_for_many_rows(sales_org):
    client = sales_org.client("warehouse_manager")
    place = store(sales_org)
    received(sales_org, "1")

    def grow():
        for _ in range(3):
            received(sales_org, "1", location=place)
            with schema_context(sales_org.schema):
                transfers.transfer_create(
                    actor=sales_org.owner,
                    source=main_warehouse(sales_org),
                    destination=place,
                    lines=[{"product": sales_org.products["kettle"], "quantity": Decimal("1")}],
                )
                from tradepost.inventory.adjustments import adjustment_post

                adjustment_post(
                    actor=sales_org.owner,
                    location=place,
                    reason="Found",
                    lines=[{"product": sales_org.products["kettle"], "quantity": Decimal("1")}],
                )

    def rows(response):
        return response.content.decode().count("<tr")

    with schema_context(sales_org.schema):
        transfers.transfer_create(
            actor=sales_org.owner,
            source=main_warehouse(sales_org),
            destination=place,
            lines=[{"product": sales_org.products["kettle"], "quantity": Decimal("1")}],
        )
    for url, queries in (
        ("/inventory/receipts/", 8),
        ("/inventory/transfers/", 7),
        ("/inventory/adjustments/", 9),
    ):
        assert_list_queries(lambda url=url: client.get(url), grow, queries=queries, size=rows)
