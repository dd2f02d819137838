"""Changing a draft receipt from its page: header (where, supplier, their reference,
notes) and lines (product, quantity, unit cost, lot and expiry), rows added or removed;
received, it is read-only. Bad input is 400 with nothing changed; only the warehouse may
change one; another workspace sees nothing."""

from __future__ import annotations

from decimal import Decimal

from django_tenants.utils import schema_context

from tests.inventory.stock_setup import ROLES, main_warehouse, management_form, store, supplier
from tests.support.factories import count_rows
from tradepost.inventory import receipts
from tradepost.inventory.models import Receipt, ReceiptLine, StockBalance
from tradepost.masterdata import services as md

KEEPERS = {"owner", "warehouse_manager"}


def _draft(org, source=None) -> Receipt:
    with schema_context(org.schema):
        return receipts.receipt_create(
            actor=org.owner,
            location=main_warehouse(org),
            supplier=source,
            supplier_reference="GZ-1",
            lines=[
                {
                    "product": org.products["kettle"],
                    "quantity": Decimal("5"),
                    "unit_cost": Decimal("40"),
                }
            ],
        )


def _lines(org, receipt) -> list[tuple]:
    with schema_context(org.schema):
        return [
            (line.product.sku, line.quantity, line.unit_cost, line.lot_number, line.expires_on)
            for line in ReceiptLine.objects.filter(receipt=receipt).select_related("product")
        ]


def _form(org, location, **extra) -> dict:
    data = {
        "location": location.pk,
        "supplier": "",
        "supplier_reference": "GZ-1",
        "notes": "",
        **management_form(total=2),
        "lines-INITIAL_FORMS": "1",
        "lines-0-product": org.products["kettle"].pk,
        "lines-0-quantity": "5",
        "lines-0-unit_cost": "40",
    }
    data.update(extra)
    return data


def test_a_draft_is_changed_then_received_and_read_only(sales_org):
    source = supplier(sales_org)
    receipt = _draft(sales_org)
    place = store(sales_org)
    with schema_context(sales_org.schema):
        tea = md.product_create(actor=sales_org.owner, sku="TEA-1", name="Tea 茶", lot_tracked=True)
    client = sales_org.client("warehouse_manager")
    url = f"/inventory/receipts/{receipt.pk}/edit/"

    detail = client.get(f"/inventory/receipts/{receipt.pk}/").content.decode()
    assert f'href="{url}"' in detail
    form = client.get(url)
    assert form.status_code == 200
    html = form.content.decode()
    assert f"Change receipt {receipt.number}" in html and "Remove this line" in html
    assert 'name="lines-0-quantity" value="5"' in html and 'value="GZ-1"' in html
    assert f'href="/inventory/receipts/{receipt.pk}/">Cancel</a>' in html

    changed = client.post(
        url,
        _form(
            sales_org,
            place,
            supplier=source.pk,
            supplier_reference="GZ-2",
            notes="Two pallets",
            **{
                "lines-0-quantity": "7",
                "lines-0-unit_cost": "41.5",
                "lines-1-product": tea.pk,
                "lines-1-quantity": "3",
                "lines-1-unit_cost": "8",
                "lines-1-lot_number": "T-26",
                "lines-1-expires_on": "2027-03-01",
            },
        ),
    )
    assert changed.status_code == 302, changed.content.decode()[:3000]
    assert count_rows(
        sales_org,
        Receipt,
        pk=receipt.pk,
        location=place.pk,
        supplier=source.pk,
        supplier_reference="GZ-2",
        notes="Two pallets",
        status="draft",
    )
    lines = _lines(sales_org, receipt)
    assert [(sku, qty, cost, lot) for sku, qty, cost, lot, _e in lines] == [
        ("KT-1", Decimal("7"), Decimal("41.5"), ""),
        ("TEA-1", Decimal("3"), Decimal("8"), "T-26"),
    ]
    assert str(lines[1][4]) == "2027-03-01"

    # The kettle line removed; the supplier stays named (it may not be cleared).
    form = client.get(url).content.decode()
    assert 'name="lines-1-lot_number" value="T-26"' in form
    assert (
        '<option value="" selected>' not in form.split('name="supplier"')[1].split("</select>")[0]
    )
    removed = client.post(
        url,
        _form(
            sales_org,
            place,
            supplier=source.pk,
            **{
                **management_form(total=3),
                "lines-INITIAL_FORMS": "2",
                "lines-0-quantity": "7",
                "lines-0-DELETE": "on",
                "lines-1-product": tea.pk,
                "lines-1-quantity": "3",
                "lines-1-lot_number": "T-26",
                "lines-1-expires_on": "2027-03-01",
            },
        ),
    )
    assert removed.status_code == 302, removed.content.decode()[:3000]
    assert [line[0] for line in _lines(sales_org, receipt)] == ["TEA-1"]

    assert client.post(f"/inventory/receipts/{receipt.pk}/receive/").status_code == 302
    with schema_context(sales_org.schema):
        assert StockBalance.objects.get(product=tea, location=place).on_hand == Decimal(3)
    done = client.get(f"/inventory/receipts/{receipt.pk}/").content.decode()
    assert f'href="{url}"' not in done
    back = client.get(url)
    assert back.status_code == 302 and back["Location"] == f"/inventory/receipts/{receipt.pk}/"
    late = client.post(url, _form(sales_org, place, supplier=source.pk))
    assert late.status_code == 400
    assert "A receipt that is “Received” cannot be changed." in late.content.decode()
    assert [line[0] for line in _lines(sales_org, receipt)] == ["TEA-1"]


def test_bad_changes_are_400_and_change_nothing(sales_org):
    source = supplier(sales_org)
    receipt = _draft(sales_org, source)
    warehouse = main_warehouse(sales_org)
    with schema_context(sales_org.schema):
        tea = md.product_create(actor=sales_org.owner, sku="TEA-1", name="Tea 茶", lot_tracked=True)
        closed = store(sales_org, code="OLD", name="Closed store")
        closed.is_active = False
        closed.save(update_fields=["is_active"])
    client = sales_org.client("warehouse_manager")
    url = f"/inventory/receipts/{receipt.pk}/edit/"
    good = {"supplier": source.pk}
    for data, message in (
        (_form(sales_org, warehouse, **good, **{"lines-0-quantity": "-1"}), ""),
        (_form(sales_org, warehouse, **good, **{"lines-0-quantity": "many"}), ""),
        (_form(sales_org, warehouse, **good, **{"lines-0-DELETE": "on"}), "Add at least one line."),
        (
            _form(
                sales_org,
                warehouse,
                **good,
                **{"lines-1-product": tea.pk, "lines-1-quantity": "2"},
            ),
            "enter the lot number",
        ),
        (_form(sales_org, closed, **good), ""),
        (_form(sales_org, warehouse, supplier=""), ""),  # a named supplier stays named
        (_form(sales_org, warehouse, **good, supplier_reference="x" * 101), ""),
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        html = response.content.decode()
        assert 'role="alert"' in html or 'class="error"' in html, data
        assert message in html, data
    assert _lines(sales_org, receipt) == [("KT-1", Decimal("5"), Decimal("40"), "", None)]
    assert count_rows(sales_org, Receipt, pk=receipt.pk, location=warehouse.pk, supplier=source.pk)


def test_who_may_change_a_draft(sales_org, beta_sales_org):
    receipt = _draft(sales_org)
    url = f"/inventory/receipts/{receipt.pk}/edit/"
    for role in ROLES:
        client = sales_org.client(role)
        assert client.get(url).status_code == (200 if role in KEEPERS else 403), role
        posted = client.post(url, _form(sales_org, main_warehouse(sales_org), notes="Mine"))
        assert posted.status_code == (302 if role in KEEPERS else 403), role
    executive = sales_org.client("executive").get(f"/inventory/receipts/{receipt.pk}/")
    assert f'href="{url}"' not in executive.content.decode()

    beta = beta_sales_org.client("warehouse_manager")
    assert beta.get(url).status_code == 404
    theirs = beta.post(url, _form(beta_sales_org, main_warehouse(beta_sales_org), notes="Beta"))
    assert theirs.status_code == 404
    assert count_rows(sales_org, Receipt, pk=receipt.pk, notes="Beta") == 0
