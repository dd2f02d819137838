"""A sales organisation in a workspace, made through the services as its owner would.

Branches: East › {Shanghai, Hangzhou}, North › {Beijing}. Regions: 华东 East China ›
上海 Shanghai, 华北 North China. People: a salesperson in Shanghai and one in Beijing,
an East sales manager (branch East, region 华东), an executive, a finance manager, a
customer-information manager, a warehouse manager and a dealer. Customers: one per
salesperson, one in the Hangzhou branch with no owner, one in the 上海 region with no
branch, one in North, and the dealer's own record.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tradepost.accounts.models import User
from tradepost.audit.models import AuditEntry
from tradepost.customers import credit, services
from tradepost.customers.models import Customer
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Branch, Product, SalesRegion


@dataclass
class Org:
    workspace: object
    owner: User
    branches: dict[str, Branch]
    regions: dict[str, SalesRegion]
    users: dict[str, User]
    customers: dict[str, Customer]
    products: dict[str, Product] = field(default_factory=dict)

    def client(self, who: str):
        return self.workspace.client(self.users[who] if who != "owner" else self.owner)

    def ids(self, *names: str) -> set[int]:
        return {self.customers[name].pk for name in names}


def make_org(workspace, make_user, prefix: str = "") -> Org:
    owner = workspace.owner()
    users = {
        role: make_user(workspace, role, email=f"{prefix}{role}@{workspace.slug}.test")
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
    users["north_rep"] = make_user(
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


@pytest.fixture
def org(alpha, make_user) -> Org:
    return make_org(alpha, make_user)


@pytest.fixture
def beta_org(beta, make_user) -> Org:
    return make_org(beta, make_user, prefix="B-")


@pytest.fixture
def committed_customer(platform_workspaces, django_db_blocker):
    """A customer committed in alpha, so other connections see it; it and every row and
    audit entry made meanwhile are removed afterwards."""
    workspace = platform_workspaces["alpha"]
    with django_db_blocker.unblock():
        with schema_context(workspace.schema):
            owner = workspace.owner()
            last_audit = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
            customer = services.customer_create(actor=owner, name="Race 竞争客户", code="RACE-1")
        connection.set_schema_to_public()
        yield workspace, owner, customer
        with schema_context(workspace.schema):
            Customer.objects.filter(pk=customer.pk).delete()  # lists, contacts … cascade
            AuditEntry.objects.filter(pk__gt=last_audit or 0).delete()
        connection.set_schema_to_public()
