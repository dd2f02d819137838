"""A small catalogue in a workspace, made through the services as an owner would."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from tradepost.masterdata import services
from tradepost.masterdata.models import Product, ProductCategory, TaxRate


@dataclass
class Catalogue:
    appliances: ProductCategory
    kettles: ProductCategory
    stationery: ProductCategory
    vat: TaxRate
    kettle: Product
    toaster: Product
    pen: Product


def make_catalogue(workspace, prefix: str = "") -> Catalogue:
    owner = workspace.owner()
    with schema_context(workspace.schema):
        vat = services.tax_rate_create(
            actor=owner, name="VAT 13%", rate=Decimal("13"), is_default=True
        )
        appliances = services.tree_node_create(
            actor=owner, model=ProductCategory, name="Appliances 家电", code="APP"
        )
        kettles = services.tree_node_create(
            actor=owner, model=ProductCategory, parent=appliances, name="Kettles", code="KET"
        )
        stationery = services.tree_node_create(
            actor=owner, model=ProductCategory, name="Stationery 文具", code="STA"
        )
        kettle = services.product_create(
            actor=owner,
            sku=f"{prefix}KT-100",
            name=f"{prefix}Stainless kettle 1.7L 不锈钢电水壶",
            category=kettles,
            list_price=Decimal("199.00"),
            barcode=f"{prefix}6901234567892",
        )
        toaster = services.product_create(
            actor=owner,
            sku=f"{prefix}TS-200",
            name=f"{prefix}Toaster 烤面包机",
            category=appliances,
            list_price=Decimal("259.50"),
        )
        pen = services.product_create(
            actor=owner,
            sku=f"{prefix}PN-001",
            name=f"{prefix}Gel pen 中性笔",
            category=stationery,
            list_price=Decimal("2.50"),
            is_active=False,
        )
    return Catalogue(appliances, kettles, stationery, vat, kettle, toaster, pen)


@pytest.fixture
def catalogue(alpha) -> Catalogue:
    return make_catalogue(alpha)


@pytest.fixture
def beta_catalogue(beta) -> Catalogue:
    return make_catalogue(beta, prefix="B-")
