"""Order services: pricing, the lifecycle with its permissions, numbering, returns."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support.cache import clear_cache
from tradepost.audit.models import AuditEntry
from tradepost.customers import services as customer_services
from tradepost.sales import orders
from tradepost.sales.models import Order, SettlementCredit


def _order(org, who="salesperson", customer="rep_own", **kwargs):
    lines = kwargs.pop(
        "lines",
        [
            {"product": org.products["kettle"], "quantity": Decimal("2")},
            {
                "product": org.products["toaster"],
                "quantity": Decimal("1"),
                "discount_percent": Decimal("10"),
            },
        ],
    )
    actor = org.users[who] if who != "owner" else org.owner
    return orders.order_create(actor=actor, customer=org.customers[customer], lines=lines, **kwargs)


def test_order_prices_lines_from_the_customer_price_and_adds_tax(sales_org):
    with schema_context(sales_org.workspace.schema):
        customer_services.price_list_create(
            actor=sales_org.owner,
            name="Mingda",
            customer=sales_org.customers["rep_own"],
            valid_from=datetime.date(2020, 1, 1),
            lines=[(sales_org.products["kettle"], Decimal("180.00"))],
        )
        order = _order(sales_org)
        kettle, toaster = order.lines.order_by("position")
        assert (kettle.unit_price, kettle.price_source) == (Decimal("180.00"), "customer list")
        assert kettle.net_amount == Decimal("360.00")
        assert kettle.tax_amount == Decimal("46.80")
        assert (toaster.unit_price, toaster.price_source) == (Decimal("259.50"), "list price")
        assert toaster.discount_amount == Decimal("25.95")
        assert toaster.net_amount == Decimal("233.55")
        assert order.net_total == Decimal("593.55")
        assert order.tax_total == kettle.tax_amount + toaster.tax_amount
        assert order.gross_total == order.net_total + order.tax_total
        assert order.status == Order.Status.DRAFT and order.number == ""
        assert order.owner == sales_org.users["salesperson"]


def test_full_lifecycle_numbers_on_confirmation_and_audits_each_step(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        order = _order(org)
        order = orders.order_submit(actor=org.users["salesperson"], order=order)
        order = orders.order_approve(actor=org.users["sales_manager"], order=order, comment="ok")
        order = orders.order_confirm(actor=org.users["sales_manager"], order=order)
        year = timezone.localdate().year
        assert order.number == f"SO-{year}-00001"
        line = order.lines.order_by("position").first()
        order = orders.order_ship(
            actor=org.users["warehouse_manager"], order=order, quantities={line.pk: Decimal("1")}
        )
        assert order.status == Order.Status.PARTIALLY_SHIPPED
        order = orders.order_ship(actor=org.users["warehouse_manager"], order=order)
        assert order.status == Order.Status.SHIPPED
        order = orders.order_deliver(actor=org.users["warehouse_manager"], order=order)
        order_return = orders.order_return_create(
            actor=org.users["sales_manager"],
            order=order,
            quantities={line.pk: Decimal("1")},
            reason="Dented",
        )
        assert order_return.net_total == Decimal("199.00")
        assert order_return.gross_total == Decimal("224.87")
        credit = SettlementCredit.objects.get(order_return=order_return)
        assert credit.amount == Decimal("224.87")
        order = orders.order_close(actor=org.users["sales_manager"], order=order)
        actions = list(
            AuditEntry.objects.filter(target_id=str(order.pk), action__startswith="order.")
            .order_by("pk")
            .values_list("action", flat=True)
        )
        assert actions == [
            "order.created",
            "order.submitted",
            "order.approved",
            "order.confirmed",
            "order.shipped",
            "order.shipped",
            # Each shipment was a delivery; each one signed for records what arrived.
            "order.delivered",
            "order.delivered",
            "order.returned",
            "order.closed",
        ]


def test_salesperson_cannot_review_or_confirm(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        order = orders.order_submit(actor=org.users["salesperson"], order=_order(org))
        with pytest.raises(PermissionDenied):
            orders.order_approve(actor=org.users["salesperson"], order=order)
        with pytest.raises(ValidationError):
            orders.order_confirm(actor=org.users["sales_manager"], order=order)
        with pytest.raises(ValidationError) as rejected:
            orders.order_reject(actor=org.users["sales_manager"], order=order, comment=" ")
        assert "comment" in rejected.value.message_dict
        order.refresh_from_db()
        assert order.status == Order.Status.SUBMITTED


def test_the_plan_counts_this_months_orders_and_refuses_one_too_many(sales_org):
    from billing.models import Plan, Subscription

    org = sales_org
    with schema_context(org.workspace.schema):
        _order(org)
        _order(org, order_date=timezone.localdate() - datetime.timedelta(days=40))
    plan = Plan.objects.get(code="free")
    plan.max_orders_per_month = 1
    plan.save()
    Subscription.objects.filter(tenant=org.workspace.tenant).update(plan=plan, status="active")
    with schema_context(org.workspace.schema):
        with pytest.raises(ValidationError) as refused:
            _order(org)
        assert "allows 1 orders a month" in refused.value.messages[0]
        assert Order.objects.count() == 2
    clear_cache()  # the free plan's daily API quota counts earlier tests' calls
    response = org.client("salesperson").post(
        "/api/v1/orders/",
        {
            "customer": org.customers["rep_own"].pk,
            "lines": [{"product": org.products["kettle"].pk, "quantity": "1"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "plan_limit_reached"


def test_who_may_cancel(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        dealers = orders.order_create(
            actor=org.users["dealer"],
            customer=org.customers["dealer"],
            lines=[{"product": org.products["kettle"], "quantity": Decimal("5")}],
        )
        assert dealers.owner == org.users["north_rep"]  # the dealer's salesperson sells it
        cancelled = orders.order_cancel(actor=org.users["dealer"], order=dealers, reason="Typo")
        assert cancelled.status == Order.Status.CANCELLED

        approved = orders.order_approve(
            actor=org.owner, order=orders.order_submit(actor=org.owner, order=_order(org))
        )
        with pytest.raises(PermissionDenied):
            orders.order_cancel(actor=org.users["salesperson"], order=approved)
        confirmed = orders.order_confirm(actor=org.users["sales_manager"], order=approved)
        with pytest.raises(ValidationError) as no_reason:
            orders.order_cancel(actor=org.users["sales_manager"], order=confirmed)
        assert "reason" in no_reason.value.message_dict
        cancelled = orders.order_cancel(
            actor=org.users["sales_manager"], order=confirmed, reason="Customer withdrew"
        )
        assert cancelled.number == confirmed.number  # keeps its number: no gap
