"""The import page and export buttons in the browser."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tests.dataio.files import csv_file, product_rows
from tradepost.masterdata.models import Product


def test_the_page_lists_every_bad_row_in_a_table_and_imports_nothing(alpha, catalogue):
    rows = product_rows(3)
    rows[1][5] = "abc"
    client = alpha.client(alpha.owner())

    response = client.post("/data/products/import/", {"file": csv_file(rows)})

    assert response.status_code == 400
    body = response.content.decode()
    assert "1 problem found; nothing was imported." in body
    assert '<td data-label="Row">3</td>' in body and "<code>list_price</code>" in body
    with schema_context(alpha.schema):
        assert Product.objects.count() == 3


def test_a_good_file_imports_and_returns_to_the_list(alpha, catalogue):
    client = alpha.client(alpha.owner())

    response = client.post(
        "/data/products/import/", {"file": csv_file(product_rows(3))}, follow=True
    )

    assert response.redirect_chain == [("/products/", 302)]
    assert "Imported 3 rows: 3 new, 0 updated." in response.content.decode()


def test_only_checking_says_what_would_happen(alpha, catalogue):
    client = alpha.client(alpha.owner())

    response = client.post(
        "/data/products/import/", {"file": csv_file(product_rows(2)), "dry_run": "on"}
    )

    assert response.status_code == 200
    assert "All 2 rows are fine: 2 new, 0 to update." in response.content.decode()
    with schema_context(alpha.schema):
        assert Product.objects.count() == 3


def test_a_salesperson_may_export_but_not_import(alpha, catalogue, make_user):
    client = alpha.client(make_user(alpha, "salesperson"))

    assert client.get("/data/products/import/").status_code == 403
    export = client.get("/data/products/export/?format=csv&active=0")
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "PN-001" in text and "KT-100" not in text


def test_unknown_resources_and_formats_are_404(alpha):
    client = alpha.client(alpha.owner())

    assert client.get("/data/nothing/import/").status_code == 404
    assert client.get("/data/products/export/?format=pdf").status_code == 404


def test_beta_exports_only_its_own_products(beta, catalogue, beta_catalogue):
    export = beta.client(beta.owner()).get("/data/products/export/?format=csv")

    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "B-KT-100" in text and "\nKT-100" not in text
