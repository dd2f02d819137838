"""The demo's sales: documents in every state, written through the services, once."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tradepost.accounts.models import User
from tradepost.channel.models import Agreement, DemandPlan, PriceAdjustment
from tradepost.customers.demo import seed_demo as seed_customers
from tradepost.demo import seed_sales_menu as seed_demo
from tradepost.masterdata.demo import seed_demo as seed_masterdata
from tradepost.pipeline.models import Opportunity
from tradepost.pricing.models import Promotion
from tradepost.sales.models import Order, OrderReturn, Quote


def test_seed_demo_fills_sales_once(alpha, make_user):
    make_user(alpha, "salesperson")
    with schema_context(alpha.schema):
        owner = User.objects.get(email=alpha.owner_email)
        seed_masterdata(actor=owner)
        seed_customers(actor=owner)
        assert seed_demo(actor=owner) == 10
        counts = [m.objects.count() for m in (Opportunity, Order, Quote, Promotion)]
        assert seed_demo(actor=owner) == 0
        assert [m.objects.count() for m in (Opportunity, Order, Quote, Promotion)] == counts

        statuses = set(Order.objects.values_list("status", flat=True))
        assert {"draft", "submitted", "rejected", "approved", "confirmed"} <= statuses
        assert {"partially_shipped", "delivered", "closed", "cancelled"} <= statuses
        assert set(Opportunity.objects.values_list("stage", flat=True)) >= {"won", "lost"}
        assert OrderReturn.objects.count() == 1
        assert Agreement.objects.filter(status="active", orders__isnull=False).exists()
        assert DemandPlan.objects.filter(status="submitted").exists()
        assert PriceAdjustment.objects.filter(lines__isnull=False).exists()
        assert Order.objects.filter(lines__promotion__isnull=False).exists()
