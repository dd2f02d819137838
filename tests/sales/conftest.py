"""A sales organisation: the customers' `Org` (branches, regions, people per role,
customers in and out of each scope, products) plus a default 13 % tax rate, a
category tree and a customer group, so sales documents have everything to price.

`sales_org` is alpha's; `beta_sales_org` is beta's with the same shape (and, because
both schemas start alike, the same primary keys) for isolation tests.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from tests.customers.conftest import Org, make_org
from tradepost.customers import services as customer_services
from tradepost.masterdata import services as md
from tradepost.masterdata.models import ProductCategory


def add_sales_setup(org: Org) -> Org:
    with schema_context(org.workspace.schema):
        md.tax_rate_create(actor=org.owner, name="VAT 13%", rate=Decimal("13"), is_default=True)
        appliances = md.tree_node_create(
            actor=org.owner, model=ProductCategory, name="Appliances", code="APP"
        )
        kitchen = md.tree_node_create(
            actor=org.owner, model=ProductCategory, parent=appliances, name="Kitchen", code="KIT"
        )
        org.products["kettle"] = md.product_update(
            actor=org.owner, product=org.products["kettle"], category=kitchen
        )
        org.categories = {"appliances": appliances, "kitchen": kitchen}
        org.groups = {
            "tier1": customer_services.customer_group_create(actor=org.owner, name="Tier 1")
        }
    return org


@pytest.fixture
def sales_org(alpha, make_user) -> Org:
    return add_sales_setup(make_org(alpha, make_user))


@pytest.fixture
def beta_sales_org(beta, make_user) -> Org:
    return add_sales_setup(make_org(beta, make_user, prefix="B-"))
