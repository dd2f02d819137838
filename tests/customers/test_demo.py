"""The demo's customers: realistic, bilingual, in every channel, and safe to load twice."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tradepost.accounts.models import User
from tradepost.customers.demo import seed_demo
from tradepost.customers.models import (
    Activity,
    Channel,
    Contact,
    CreditRating,
    Customer,
    PriceList,
    Ticket,
)
from tradepost.masterdata.demo import seed_demo as seed_masterdata
from tradepost.pricing.resolution import CUSTOMER_LIST, GROUP_LIST, price_resolve


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Customer, Contact, PriceList, CreditRating, Activity, Ticket)
    )


def test_seed_demo_fills_the_customers_once(alpha, make_user):
    make_user(alpha, "salesperson")
    make_user(alpha, "sales_manager")
    with schema_context(alpha.schema):
        seed_masterdata()
        assert seed_demo(actor=User.objects.get(email=alpha.owner_email)) == 30
        first = _counts()
        assert seed_demo() == 0
        assert _counts() == first

        customers = Customer.objects.all()
        assert {c.channel for c in customers} == set(Channel.values)
        assert customers.get(code="DM001").name == "杭州明达贸易有限公司 Hangzhou Mingda Trading"
        assert all(c.region_id and c.branch_id and c.owner_id for c in customers)
        assert Contact.objects.filter(is_primary=True).count() == 30
        assert customers.filter(referred_by__isnull=False).exists()
        assert CreditRating.objects.exists() and PriceList.objects.filter(group__isnull=False)
        dealer = customers.get(code="DM001")
        kettle = PriceList.objects.get(customer=dealer).lines.first().product
        assert price_resolve(customer=dealer, product=kettle).source == CUSTOMER_LIST
        other_dealer = customers.get(code="DM005")
        assert price_resolve(customer=other_dealer, product=kettle).source == GROUP_LIST


def test_seed_demo_needs_no_master_data(alpha):
    with schema_context(alpha.schema):
        assert seed_demo() == 30
        assert not PriceList.objects.exists()  # no products to price
