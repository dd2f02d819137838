"""The factories of tests/support make what the product makes: numbered, priced,
scoped documents through the services, each in the workspace it was asked for."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tests.support import factories
from tests.support.factories import count_rows
from tradepost.audit.models import AuditEntry
from tradepost.sales.models import Order, Quote


def test_every_factory_makes_a_valid_object_through_its_service(sales_org, beta_sales_org):
    org = sales_org
    customer = factories.customer(org, name="Made 制造")
    made = {
        "contact": factories.contact(org, customer),
        "product": factories.product(org),
        "category": factories.category(org, code="CAT"),
        "opportunity": factories.opportunity(org),
        "quote": factories.quote(org),
        "order": factories.order(org),
        "return": factories.order_return(org),
        "promotion": factories.promotion(org),
        "report": factories.stock_report(org, factories.franchise(org)),
        "adjustment": factories.price_adjustment(org),
        "plan": factories.demand_plan(org),
        "agreement": factories.agreement(org),
    }

    assert all(thing.pk for thing in made.values())
    assert made["quote"].number.startswith("QT-")
    assert made["order"].status == "draft" and made["order"].gross_total > 0
    assert made["agreement"].status == "active"
    with schema_context(org.schema):
        assert made["quote"].lines.count() == 2
        assert Order.objects.get(pk=made["return"].order_id).number  # numbered once confirmed
        audited = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"customer.created", "quote.created", "order.created"} <= audited
    assert count_rows(beta_sales_org, Quote) == count_rows(beta_sales_org, Order) == 0
