"""The organisations tests run in, made through the services as their owners would.

`make_org` builds a sales organisation in a workspace. Branches: East › {Shanghai,
Hangzhou}, North › {Beijing}. Regions: 华东 East China › 上海 Shanghai, 华北 North
China. People: a salesperson in Shanghai and one in Beijing ("north_rep"), an East
sales manager (branch East, region 华东), an executive, a finance manager, a
customer-information manager, a warehouse manager and a dealer. Customers: one per
salesperson, one in the Hangzhou branch with no owner, one in the 上海 region with no
branch, one in North, and the dealer's own record. Products: a kettle, a toaster and
a lamp priced in USD.

`add_sales_setup` gives it what sales documents need to price: a default 13 % tax
rate, a category tree (the kettle in Kitchen) and a customer group. `make_catalogue`
is the product catalogue of the master-data tests. `grow` adds one more row of every
customer-side kind, for the query-count tests.

The fixtures over them (`org`, `beta_org`, `sales_org`, `beta_sales_org`,
`catalogue`, `beta_catalogue`) are in tests/conftest.py; beta's have the same shape,
and because both schemas start alike, the same primary keys.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django_tenants.utils import schema_context

from tests.support.factories import user_with_role
from tradepost.accounts.models import User
from tradepost.customers import credit, services
from tradepost.customers.models import Customer, CustomerGroup
from tradepost.inventory.adjustments import adjustment_post
from tradepost.masterdata import services as md
from tradepost.masterdata.models import (
    Branch,
    Location,
    Product,
    ProductCategory,
    SalesRegion,
    TaxRate,
)


@dataclass
class Org:
    workspace: object
    owner: User
    branches: dict[str, Branch]
    regions: dict[str, SalesRegion]
    users: dict[str, User]
    customers: dict[str, Customer]
    products: dict[str, Product] = field(default_factory=dict)
    categories: dict[str, ProductCategory] = field(default_factory=dict)
    groups: dict[str, CustomerGroup] = field(default_factory=dict)

    @property
    def schema(self) -> str:
        return self.workspace.schema

    def person(self, who: str) -> User:
        """The owner, or the user made for a role (see `make_org`)."""
        return self.owner if who == "owner" else self.users[who]

    def client(self, who: str):
        """A browser signed in as `who`."""
        return self.workspace.client(self.person(who))

    def api(self, who: str):
        """An API client signed in (a session, as the pages' scripts are) as `who`."""
        return self.workspace.api(user=self.person(who))

    def ids(self, *names: str) -> set[int]:
        return {self.customers[name].pk for name in names}


def make_org(workspace, prefix: str = "") -> Org:
    owner = workspace.owner()
    users = {
        role: user_with_role(workspace, role, email=f"{prefix}{role}@{workspace.slug}.test")
        for role in (
            "salesperson",
            "sales_manager",
            "executive",
            "finance_manager",
            "customer_information_manager",
            "warehouse_manager",
            "dealer",
        )
    }
    users["north_rep"] = user_with_role(
        workspace, "salesperson", email=f"{prefix}north@{workspace.slug}.test"
    )
    with schema_context(workspace.schema):
        tree = md.tree_node_create
        east = tree(actor=owner, model=Branch, name="East 华东分公司", code="E")
        north = tree(actor=owner, model=Branch, name="North 华北分公司", code="N")
        branches = {
            "east": east,
            "shanghai": tree(actor=owner, model=Branch, parent=east, name="Shanghai", code="SH"),
            "hangzhou": tree(actor=owner, model=Branch, parent=east, name="Hangzhou", code="HZ"),
            "north": north,
            "beijing": tree(actor=owner, model=Branch, parent=north, name="Beijing", code="BJ"),
        }
        east_china = tree(actor=owner, model=SalesRegion, name="华东 East China", code="EC")
        regions = {
            "east_china": east_china,
            "shanghai": tree(
                actor=owner, model=SalesRegion, parent=east_china, name="上海 Shanghai", code="R-SH"
            ),
            "north_china": tree(actor=owner, model=SalesRegion, name="华北 North China", code="NC"),
        }
        md.staff_profile_set(actor=owner, user=users["salesperson"], branch=branches["shanghai"])
        md.staff_profile_set(actor=owner, user=users["north_rep"], branch=branches["beijing"])
        md.staff_profile_set(
            actor=owner,
            user=users["sales_manager"],
            branch=branches["east"],
            region=regions["east_china"],
        )
        create = services.customer_create
        customers = {
            "rep_own": create(
                actor=owner,
                name=f"{prefix}Mingda Trading 明达贸易",
                code=f"{prefix}SH-1",
                owner=users["salesperson"],
                branch=branches["shanghai"],
            ),
            "hangzhou_unowned": create(
                actor=owner,
                name=f"{prefix}West Lake Stores 西湖商场",
                code=f"{prefix}HZ-1",
                owner=None,
                branch=branches["hangzhou"],
                channel="store",
            ),
            "region_only": create(
                actor=owner,
                name=f"{prefix}Pudong Projects 浦东项目",
                code=f"{prefix}PD-1",
                owner=None,
                region=regions["shanghai"],
                channel="project",
            ),
            "north": create(
                actor=owner,
                name=f"{prefix}Jinghua Commerce 京华商贸",
                code=f"{prefix}BJ-1",
                owner=users["north_rep"],
                branch=branches["beijing"],
                region=regions["north_china"],
            ),
            "dealer": create(
                actor=owner,
                name=f"{prefix}Haitian Dealers 海天经销",
                code=f"{prefix}DL-1",
                owner=users["north_rep"],
                portal_user=users["dealer"],
                channel="dealer",
                branch=branches["beijing"],
            ),
        }
        products = {
            "kettle": md.product_create(
                actor=owner, sku=f"{prefix}KT-1", name="Kettle 电水壶", list_price=Decimal("199.00")
            ),
            "toaster": md.product_create(
                actor=owner,
                sku=f"{prefix}TS-1",
                name="Toaster 烤面包机",
                list_price=Decimal("259.50"),
            ),
            "usd_lamp": md.product_create(
                actor=owner,
                sku=f"{prefix}LP-1",
                name="Lamp",
                list_price=Decimal("30.00"),
                currency="USD",
            ),
        }
        # Opening stock in the workspace's main warehouse, so orders confirm (and the
        # whole sales suite runs through reservation and delivery).
        warehouse = Location.objects.get(is_default=True, branch__isnull=True)
        adjustment_post(
            actor=owner,
            location=warehouse,
            reason="Opening stock",
            opening=True,
            lines=[
                {"product": product, "quantity": Decimal("1000"), "unit_cost": Decimal("50")}
                for product in products.values()
            ],
        )
    return Org(workspace, owner, branches, regions, users, customers, products)


def grow(org: Org, index: int) -> None:
    """One more row of every kind."""
    with schema_context(org.workspace.schema):
        group = services.customer_group_create(actor=org.owner, name=f"G{index}")
        customer = services.customer_create(
            actor=org.owner,
            name=f"Grow {index}",
            channel="dealer",
            group=group,
            tags=[f"t{index}", "VIP"],
        )
        services.contact_create(actor=org.owner, customer=customer, name=f"C{index}")
        services.price_list_create(
            actor=org.owner,
            name=f"L{index}",
            customer=customer,
            valid_from=datetime.date(2026, 1, 1),
            lines=[(org.products["kettle"], Decimal("1.00"))],
        )
        services.credit_rating_create(
            actor=org.owner, customer=customer, **dict.fromkeys(credit.FACTORS, 3)
        )
        services.activity_create(actor=org.owner, customer=customer, subject=f"A{index}")
        services.ticket_create(actor=org.owner, customer=customer, subject=f"T{index}")
        services.dealer_report_create(
            actor=org.owner,
            dealer=customer,
            kind="competitor",
            subject="S",
            competitor_name="X",
        )


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
        org.groups = {"tier1": services.customer_group_create(actor=org.owner, name="Tier 1")}
    return org


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
        vat = md.tax_rate_create(actor=owner, name="VAT 13%", rate=Decimal("13"), is_default=True)
        appliances = md.tree_node_create(
            actor=owner, model=ProductCategory, name="Appliances 家电", code="APP"
        )
        kettles = md.tree_node_create(
            actor=owner, model=ProductCategory, parent=appliances, name="Kettles", code="KET"
        )
        stationery = md.tree_node_create(
            actor=owner, model=ProductCategory, name="Stationery 文具", code="STA"
        )
        kettle = md.product_create(
            actor=owner,
            sku=f"{prefix}KT-100",
            name=f"{prefix}Stainless kettle 1.7L 不锈钢电水壶",
            category=kettles,
            list_price=Decimal("199.00"),
            barcode=f"{prefix}6901234567892",
        )
        toaster = md.product_create(
            actor=owner,
            sku=f"{prefix}TS-200",
            name=f"{prefix}Toaster 烤面包机",
            category=appliances,
            list_price=Decimal("259.50"),
        )
        pen = md.product_create(
            actor=owner,
            sku=f"{prefix}PN-001",
            name=f"{prefix}Gel pen 中性笔",
            category=stationery,
            list_price=Decimal("2.50"),
            is_active=False,
        )
    return Catalogue(appliances, kettles, stationery, vat, kettle, toaster, pen)
