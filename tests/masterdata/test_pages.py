"""The product pages, trees and company profile in the browser, per role."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from PIL import Image

from tests.support.queries import assert_list_queries
from tradepost.masterdata.models import (
    BankAccount,
    Branch,
    CompanyProfile,
    DocumentSequence,
    Product,
    ProductCategory,
    SalesRegion,
    TaxRate,
)


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("kettle.png", buffer.getvalue(), content_type="image/png")


def test_the_product_list_shows_the_catalogue_with_filters(alpha, catalogue):
    client = alpha.client(alpha.owner())

    everything = client.get("/products/").content.decode()
    inactive = client.get("/products/?active=0").content.decode()
    appliances = client.get(f"/products/?category={catalogue.appliances.pk}&sort=-list_price")

    assert "Stainless kettle 1.7L 不锈钢电水壶" in everything and "PN-001" in everything
    assert "PN-001" in inactive and "KT-100" not in inactive
    body = appliances.content.decode()
    assert body.index("TS-200") < body.index("KT-100") and "PN-001" not in body
    # The export buttons carry the filters along.
    assert f"category={catalogue.appliances.pk}&amp;sort=-list_price&amp;format=csv" in body


def test_the_product_list_filters_as_the_api_does_and_shows_a_bad_value(alpha, catalogue):
    owner = alpha.owner()
    client, api = alpha.client(owner), alpha.api(user=owner)
    category = catalogue.appliances.pk

    page = client.get("/products/", {"category": category}).content.decode()
    rows = api.rows("/api/v1/products/", category=category)
    bad = client.get("/products/", {"category": "999999"})

    assert {row["sku"] for row in rows} == {"KT-100", "TS-200"}
    assert "KT-100" in page and "TS-200" in page and "PN-001" not in page
    assert bad.status_code == 200 and 'role="alert"' in bad.content.decode()
    assert "PN-001" in bad.content.decode()  # the list, unfiltered
    assert api.get("/api/v1/products/", {"category": "999999"}).status_code == 400


def test_the_list_is_in_chinese_for_chinese_readers(alpha, catalogue):
    client = alpha.client(alpha.owner())

    body = client.get("/products/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert 'lang="zh-hans"' in body


def test_an_empty_catalogue_says_so_and_offers_the_first_step(alpha):
    body = alpha.client(alpha.owner()).get("/products/").content.decode()

    assert "No products yet." in body
    assert "/products/new/" in body


def test_a_search_that_finds_nothing_offers_the_way_back(alpha, catalogue):
    body = alpha.client(alpha.owner()).get("/products/?q=nothing-like-this").content.decode()

    assert "No product matches these filters." in body


def test_the_owner_adds_a_product_with_an_image(alpha, catalogue):
    client = alpha.client(alpha.owner())

    response = client.post(
        "/products/new/",
        {
            "sku": "KT-200",
            "name": "Glass kettle 玻璃水壶",
            "category": catalogue.kettles.pk,
            "unit": "pcs",
            "list_price": "149.5",
            "currency": "CNY",
            "tax_rate": catalogue.vat.pk,
            "is_active": "on",
            "image": _png(),
        },
    )

    assert response.status_code == 302, response.content.decode()
    with schema_context(alpha.schema):
        product = Product.objects.get(sku="KT-200")
        assert str(product.list_price) == "149.50"
        assert product.image.name.startswith("products/")
        assert alpha.schema in product.image.path  # MEDIA_ROOT/<schema>/products/…
        product.image.delete(save=False)


def test_a_file_that_is_not_an_image_is_refused(alpha, catalogue):
    response = alpha.client(alpha.owner()).post(
        "/products/new/",
        {
            "sku": "KT-201",
            "name": "Kettle",
            "unit": "pcs",
            "list_price": "1",
            "currency": "CNY",
            "image": SimpleUploadedFile("x.png", b"not an image", content_type="image/png"),
        },
    )

    assert response.status_code == 400
    with schema_context(alpha.schema):
        assert not Product.objects.filter(sku="KT-201").exists()


def test_a_duplicate_sku_is_shown_next_to_the_field(alpha, catalogue):
    response = alpha.client(alpha.owner()).post(
        "/products/new/",
        {"sku": "kt-100", "name": "Copy", "unit": "pcs", "list_price": "1", "currency": "CNY"},
    )

    assert response.status_code == 400
    assert "already used by another record" in response.content.decode()


def test_editing_keeps_fields_not_shown_changed_and_the_image(alpha, catalogue):
    client = alpha.client(alpha.owner())
    form = client.get(f"/products/{catalogue.kettle.pk}/edit/")
    assert "KT-100" in form.content.decode()

    response = client.post(
        f"/products/{catalogue.kettle.pk}/edit/",
        {
            "sku": "KT-100",
            "name": "Stainless kettle 1.7L 不锈钢电水壶",
            "category": catalogue.kettles.pk,
            "unit": "pcs",
            "list_price": "179",
            "currency": "CNY",
            "tax_rate": catalogue.vat.pk,
            "barcode": "6901234567892",
        },
    )

    assert response.status_code == 302
    with schema_context(alpha.schema):
        kettle = Product.objects.get(pk=catalogue.kettle.pk)
    assert (str(kettle.list_price), kettle.is_active) == ("179.00", False)


@pytest.mark.parametrize("role", ["salesperson", "warehouse_manager", "finance_manager"])
def test_reading_roles_see_products_but_cannot_add_or_edit(alpha, catalogue, make_user, role):
    client = alpha.client(make_user(alpha, role))

    listing = client.get("/products/")
    add = client.post("/products/new/", {"sku": "NOPE", "name": "No", "unit": "pcs"})
    edit = client.get(f"/products/{catalogue.kettle.pk}/edit/")

    assert listing.status_code == 200
    assert "/products/new/" not in listing.content.decode()
    assert (add.status_code, edit.status_code) == (403, 403)


def test_a_dealer_does_not_see_products(alpha, catalogue, make_user):
    response = alpha.client(make_user(alpha, "dealer")).get("/products/")

    assert response.status_code == 403


def test_beta_cannot_open_alphas_product_by_id(alpha, beta, catalogue):
    response = beta.client(beta.owner()).get(f"/products/{catalogue.kettle.pk}/edit/")

    assert response.status_code == 404


def test_the_product_list_takes_the_same_queries_for_few_products_and_many(alpha, catalogue):
    from tradepost.masterdata import services

    client = alpha.client(alpha.owner())

    def grow():
        owner = alpha.owner()
        with schema_context(alpha.schema):
            for index in range(25):
                services.product_create(
                    actor=owner, sku=f"MORE-{index}", name="More", category=catalogue.kettles
                )

    response = assert_list_queries(lambda: client.get("/products/"), grow, queries=9)

    assert response.content.decode().count("MORE-") == 25


@pytest.mark.parametrize(
    ("kind", "model", "queries"),
    [("branches", Branch, 7), ("regions", SalesRegion, 7), ("categories", ProductCategory, 7)],
)
def test_tree_pages_take_the_same_queries_for_one_node_and_many(alpha, kind, model, queries):
    from tradepost.masterdata import services

    owner = alpha.owner()
    with schema_context(alpha.schema):
        root = services.tree_node_create(actor=owner, model=model, name="Root 根")
    client = alpha.client(owner)

    def grow():
        with schema_context(alpha.schema):
            for index in range(12):
                services.tree_node_create(
                    actor=owner, model=model, parent=root, name=f"Leaf {index}"
                )

    response = assert_list_queries(
        lambda: client.get(f"/organisation/{kind}/"), grow, queries=queries
    )

    assert "Leaf 11" in response.content.decode()


def test_categories_nest_and_move(alpha, catalogue):
    client = alpha.client(alpha.owner())

    added = client.post(
        "/organisation/categories/",
        {
            "name": "Electric kettles 电水壶",
            "code": "EK",
            "parent": catalogue.kettles.pk,
            "is_active": "on",
        },
    )
    moved = client.post(
        f"/organisation/categories/{catalogue.kettles.pk}/edit/",
        {"name": "Kettles", "code": "KET", "parent": catalogue.stationery.pk, "is_active": "on"},
    )
    loop = client.post(
        f"/organisation/categories/{catalogue.stationery.pk}/edit/",
        {"name": "Stationery 文具", "code": "STA", "parent": catalogue.kettles.pk},
    )

    assert (added.status_code, moved.status_code, loop.status_code) == (302, 302, 400)
    with schema_context(alpha.schema):
        stationery = ProductCategory.objects.get(code="STA")
        subtree = set(
            ProductCategory.objects.filter(path__startswith=stationery.path).values_list(
                "code", flat=True
            )
        )
    assert subtree == {"STA", "KET", "EK"}


def test_a_duplicate_branch_code_is_refused(alpha):
    client = alpha.client(alpha.owner())
    client.post("/organisation/branches/", {"name": "Shanghai 上海", "code": "SH"})

    response = client.post("/organisation/branches/", {"name": "Other", "code": "sh"})

    assert response.status_code == 400
    with schema_context(alpha.schema):
        assert Branch.objects.count() == 1


def test_a_salesperson_reads_the_trees_but_cannot_add(alpha, make_user):
    client = alpha.client(make_user(alpha, "salesperson"))

    assert client.get("/organisation/regions/").status_code == 200
    assert client.post("/organisation/regions/", {"name": "华东"}).status_code == 403
    assert client.get("/organisation/nonsense/").status_code == 404


def test_the_owner_fills_in_the_company_profile(alpha):
    client = alpha.client(alpha.owner())
    assert "Alpha Trading" in client.get("/settings/company/").content.decode()

    saved = client.post(
        "/settings/company/",
        {
            "form": "profile",
            "name": "Alpha Trading 阿尔法贸易",
            "tax_id": "91310000MA1K000000",
            "base_currency": "CNY",
        },
    )
    bank = client.post(
        "/settings/company/",
        {
            "form": "bank",
            "bank_name": "ICBC 工商银行",
            "account_name": "Alpha Trading",
            "account_number": "6222 0000 1111",
            "currency": "CNY",
            "is_default": "on",
        },
    )
    tax = client.post("/settings/company/", {"form": "tax", "name": "VAT 9%", "rate": "9"})
    numbering = client.post(
        "/settings/company/",
        {"form": "numbering", "key": "order", "pattern": "SO{year}{number:06d}"},
    )

    assert [r.status_code for r in (saved, bank, tax, numbering)] == [302, 302, 302, 302]
    with schema_context(alpha.schema):
        assert CompanyProfile.objects.get().tax_id == "91310000MA1K000000"
        assert BankAccount.objects.get().is_default
        assert TaxRate.objects.get().rate == 9
        assert DocumentSequence.objects.get(key="order").format == "SO{year}{number:06d}"


def test_a_numbering_format_without_a_number_is_refused(alpha):
    response = alpha.client(alpha.owner()).post(
        "/settings/company/", {"form": "numbering", "key": "order", "pattern": "SO-{year}"}
    )

    assert response.status_code == 400
    assert "must contain {number}" in response.content.decode()


@pytest.mark.parametrize("role", ["finance_manager", "executive"])
def test_finance_and_executives_read_the_company_but_cannot_change_it(alpha, make_user, role):
    client = alpha.client(make_user(alpha, role))

    page = client.get("/settings/company/")
    change = client.post(
        "/settings/company/", {"form": "profile", "name": "Hijack", "base_currency": "CNY"}
    )

    assert page.status_code == 200 and 'name="form"' not in page.content.decode()
    assert change.status_code == 403


def test_a_salesperson_cannot_open_the_company_page(alpha, make_user):
    assert (
        alpha.client(make_user(alpha, "salesperson")).get("/settings/company/").status_code == 403
    )
