"""The demo's master data: realistic, bilingual, and safe to load twice."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tradepost.masterdata.demo import seed_demo
from tradepost.masterdata.models import (
    Branch,
    CompanyProfile,
    Product,
    ProductCategory,
    SalesRegion,
    StaffProfile,
)


def _counts() -> tuple[int, ...]:
    return (
        Product.objects.count(),
        ProductCategory.objects.count(),
        Branch.objects.count(),
        SalesRegion.objects.count(),
        StaffProfile.objects.count(),
    )


def test_seed_demo_fills_the_workspace_once(alpha, make_user):
    manager = make_user(alpha, "sales_manager")
    salesperson = make_user(alpha, "salesperson")
    with schema_context(alpha.schema):
        seed_demo()
        first = _counts()
        seed_demo()
        second = _counts()
        kettle = Product.objects.select_related("tax_rate").get(sku="KT-1701")
        east = SalesRegion.objects.get(code="E")
        profile = StaffProfile.objects.select_related("branch").get(user=manager)
        company = CompanyProfile.objects.get()
        accounts = company.bank_accounts.count()
        chain = dict(StaffProfile.objects.values_list("user_id", "manager_id"))

    assert first == second
    assert first[0] >= 40
    assert kettle.name == "Stainless kettle 1.7L 不锈钢电水壶"
    assert kettle.tax_rate is not None and kettle.currency == "CNY"
    assert (profile.branch.code, profile.region_id) == ("SH", east.pk)
    assert (company.name, accounts) == ("Alpha Trading", 1)
    # The reporting chain: the salesperson to the sales manager, who reports to the owner.
    owner = alpha.owner()
    assert chain[salesperson.pk] == manager.pk
    assert chain[manager.pk] == owner.pk and chain[owner.pk] is None
