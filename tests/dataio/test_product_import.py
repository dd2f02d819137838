"""Importing products: all rows or none, a per-row report, CSV and Excel, fast."""

from __future__ import annotations

import io
import time

import pytest
from django.test.client import MULTIPART_CONTENT
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from tests.dataio.files import HEADERS, csv_file, product_rows, xlsx_file
from tests.support.queries import count_queries
from tradepost.audit.models import AuditEntry
from tradepost.dataio.services import import_run
from tradepost.dataio.spec import get
from tradepost.masterdata.models import Product


@pytest.fixture
def admin(alpha, api_key, api_client):
    return api_client(alpha, api_key(alpha))


def _products(workspace) -> dict[str, tuple]:
    with schema_context(workspace.schema):
        return {
            p.sku: (p.name, str(p.list_price), p.category.code if p.category else None, p.is_active)
            for p in Product.objects.select_related("category")
        }


def test_one_bad_row_among_good_ones_writes_nothing_and_names_row_and_column(
    alpha, catalogue, admin
):
    before = _products(alpha)
    rows = product_rows(5)
    rows[2][5] = "twelve"  # list_price on spreadsheet row 4
    rows[4][2] = "NO-SUCH-CATEGORY"  # category on row 6

    response = admin.post("/api/v1/products/import/", {"file": csv_file(rows)})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    report = body["report"]
    assert (report["valid"], report["applied"], report["error_count"]) == (False, False, 2)
    assert [(e["row"], e["column"], e["value"]) for e in report["errors"]] == [
        (4, "list_price", "twelve"),
        (6, "category", "NO-SUCH-CATEGORY"),
    ]
    assert report["errors"][0]["message"] == "Enter a number."
    assert _products(alpha) == before


def test_a_good_file_creates_and_updates_by_sku_ignoring_case(alpha, catalogue, admin):
    rows = product_rows(3) + [
        [
            "kt-100",
            "Kettle renamed 电水壶",
            "KET",
            "pcs",
            "6901234567892",
            "188",
            "CNY",
            "13%",
            "no",
        ]
    ]

    response = admin.post("/api/v1/products/import/", {"file": csv_file(rows)})

    assert response.status_code == 200, response.json()
    assert response.json() | {"errors": []} == {
        "resource": "products",
        "valid": True,
        "applied": True,
        "total_rows": 4,
        "created": 3,
        "updated": 1,
        "error_count": 0,
        "errors": [],
    }
    products = _products(alpha)
    assert products["KT-100"] == ("Kettle renamed 电水壶", "188.00", "KET", False)
    assert products["IMP-00001"] == ("Product 1 商品1", "1.50", "KET", True)
    with schema_context(alpha.schema):
        assert AuditEntry.objects.filter(
            action="product.imported", data={"created": 3, "updated": 1}
        ).exists()


def test_a_dry_run_reports_and_writes_nothing(alpha, catalogue, admin):
    response = admin.post(
        "/api/v1/products/import/?dry_run=true", {"file": csv_file(product_rows(4))}
    )

    assert response.status_code == 200
    assert (response.json()["applied"], response.json()["created"]) == (False, 4)
    assert len(_products(alpha)) == 3


def test_excel_files_import_with_numbers_as_excel_stores_them(alpha, catalogue, admin):
    rows = [["XL-1", "Excel row", "STA", "box", 6901234500001, 12.5, "cny", 13, True]]

    response = admin.post("/api/v1/products/import/", {"file": xlsx_file(rows)})

    assert response.status_code == 200, response.json()
    with schema_context(alpha.schema):
        product = Product.objects.get(sku="XL-1")
    assert (product.barcode, str(product.list_price), product.currency, product.unit) == (
        "6901234500001",
        "12.50",
        "CNY",
        "box",
    )


def test_chinese_headers_and_a_gb18030_file_are_read(alpha, catalogue, admin):
    headers = ["编码", "名称", "分类", "价格"]
    upload = csv_file([["CN-1", "保温杯", "Kettles", "59"]], headers=headers, encoding="gb18030")

    response = admin.post("/api/v1/products/import/", {"file": upload})

    assert response.status_code == 200, response.json()
    assert _products(alpha)["CN-1"] == ("保温杯", "59.00", "KET", True)


@pytest.mark.parametrize(
    ("rows", "column", "message"),
    [
        ([["D-1", "a"], ["d-1", "b"]], "sku", "Also on row 2"),
        ([["D-1", ""]], "name", "required"),
        ([["D-1", "a", "", "", "", "1.005"]], "list_price", "decimal places"),
        ([["D-1", "a", "", "", "", "-3"]], "list_price", "greater than or equal"),
        ([["D-1", "a", "", "", "6901234567892"]], "barcode", "Already used by product KT-100"),
        ([["D-1", "a", "", "", "", "", "XXX"]], "currency", "Choose one of"),
        ([["D-1", "a", "", "", "", "", "", "7%"]], "tax_rate", "No tax rate"),
        ([["D-1", "a", "", "", "", "", "", "", "perhaps"]], "is_active", "yes or no"),
    ],
)
def test_each_kind_of_bad_cell_is_reported(alpha, catalogue, admin, rows, column, message):
    response = admin.post("/api/v1/products/import/", {"file": csv_file(rows)})

    assert response.status_code == 400
    errors = response.json()["report"]["errors"]
    assert [e["column"] for e in errors] == [column]
    assert message in errors[0]["message"]
    assert len(_products(alpha)) == 3


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (csv_file([["x"]], headers=["colour"]), "Unknown column"),
        (csv_file([["A-1"]], headers=["sku"]), "“name” is missing"),
        (csv_file([], headers=HEADERS), "no data rows"),
        (xlsx_file([]).__class__("broken.xlsx", b"PK\x03\x04 not really"), "cannot be read"),
        (csv_file([]).__class__("old.xls", b"\xd0\xcf\x11\xe0"), ".xls"),
    ],
)
def test_unreadable_files_are_400_on_the_file_field(alpha, catalogue, admin, upload, message):
    response = admin.post("/api/v1/products/import/", {"file": upload})

    assert response.status_code == 400
    assert message in " ".join(response.json()["errors"]["file"])


def test_a_request_without_a_file_is_400(admin, catalogue):
    response = admin.post("/api/v1/products/import/", {}, content_type=MULTIPART_CONTENT)

    assert response.status_code == 400
    assert "file" in response.json()["errors"]


@pytest.mark.parametrize("role", ["salesperson", "finance_manager", "executive"])
def test_only_keepers_of_the_catalogue_import(alpha, catalogue, api_key, api_client, role):
    client = api_client(alpha, api_key(alpha, role))

    response = client.post("/api/v1/products/import/", {"file": csv_file(product_rows(2))})

    assert response.status_code == 403
    assert len(_products(alpha)) == 3


def test_a_customer_information_manager_imports(alpha, catalogue, api_key, api_client):
    client = api_client(alpha, api_key(alpha, "customer_information_manager"))

    response = client.post("/api/v1/products/import/", {"file": csv_file(product_rows(2))})

    assert response.status_code == 200


def test_an_import_in_beta_does_not_touch_alpha(
    alpha, beta, catalogue, beta_catalogue, api_key, api_client
):
    rows = [["KT-100", "Beta's own kettle", "KET", "pcs", "", "1", "CNY", "", "yes"]]
    client = api_client(beta, api_key(beta))

    response = client.post("/api/v1/products/import/", {"file": csv_file(rows)})

    assert response.json()["created"] == 1  # beta has B-KT-100, not KT-100
    assert _products(alpha)["KT-100"][0].startswith("Stainless kettle")


def test_ten_thousand_rows_import_in_seconds(alpha, catalogue):
    upload = csv_file(product_rows(10_000))
    owner = alpha.owner()
    started = time.perf_counter()
    with schema_context(alpha.schema):
        report = import_run(get("products"), upload, actor=owner, name=upload.name)
        count = Product.objects.count()
    elapsed = time.perf_counter() - started

    assert report.applied and report.to_create == 10_000
    assert count == 10_003
    assert elapsed < 30, elapsed  # typically 2-4 s; minutes would mean row-by-row writes


def test_export_writes_the_import_columns_and_round_trips(alpha, catalogue, admin):
    csv_response = admin.get("/api/v1/products/export/?format=csv")
    xlsx_response = admin.get("/api/v1/products/export/?format=xlsx")

    assert csv_response["Content-Type"].startswith("text/csv")
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == (
        '"sku","name","description","category","unit","barcode","list_price","currency",'
        '"tax_rate","is_active"'
    )
    assert lines[1].strip('"').split('","') == [
        "KT-100",
        "Stainless kettle 1.7L 不锈钢电水壶",
        "",
        "KET",
        "pcs",
        "6901234567892",
        "199.00",
        "CNY",
        "VAT 13%",
        "true",
    ]
    workbook = load_workbook(io.BytesIO(b"".join(xlsx_response.streaming_content)))
    assert [cell.value for cell in next(workbook.active.iter_rows(min_row=2, max_row=2))][:3] == [
        "KT-100",
        "Stainless kettle 1.7L 不锈钢电水壶",
        None,
    ]
    reimport = admin.post(
        "/api/v1/products/import/",
        {"file": csv_file([], headers=[]).__class__("round.csv", text.encode("utf-8-sig"))},
    )
    assert reimport.status_code == 200, reimport.json()
    assert (reimport.json()["created"], reimport.json()["updated"]) == (0, 3)


def test_export_follows_the_list_filters_and_defuses_formulas(alpha, catalogue, admin):
    admin.patch(
        f"/api/v1/products/{catalogue.toaster.pk}/",
        {"name": '=HYPERLINK("x")'},
        content_type="application/json",
    )

    response = admin.get(f"/api/v1/products/export/?format=csv&category={catalogue.appliances.pk}")

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "PN-001" not in text and "KT-100" in text
    assert "'=HYPERLINK" in text


@pytest.mark.parametrize("query", ["format=pdf", "format=csv&format=xlsx"])
def test_export_refuses_unknown_formats(admin, catalogue, query):
    response = admin.get(f"/api/v1/products/export/?{query}")

    assert response.status_code == 400
    assert "format" in response.json()["errors"]


def test_export_query_count_does_not_grow(alpha, catalogue, admin):
    b"".join(admin.get("/api/v1/products/export/").streaming_content)
    with count_queries() as few:
        b"".join(admin.get("/api/v1/products/export/").streaming_content)
    admin.post("/api/v1/products/import/", {"file": csv_file(product_rows(50))})
    with count_queries() as many:
        text = b"".join(admin.get("/api/v1/products/export/").streaming_content)

    assert text.count(b"IMP-") == 50
    assert 0 < len(many) == len(few) <= 10
