"""`ReadSerializer` writes a row exactly as DRF's `Serializer.to_representation` does:
values, nulls, foreign-key ids, choices, money, dates, nested lines and method fields."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch
from django.test import RequestFactory
from django_tenants.utils import schema_context
from rest_framework import serializers

from api.renderers import FastJSONRenderer
from tradepost.customers import services as customer_services
from tradepost.customers.api import ContactSerializer, CustomerSerializer
from tradepost.customers.models import Contact, Customer, Tag
from tradepost.sales.api.orders import OrderSerializer, OrderSummarySerializer
from tradepost.sales.models import Order, OrderLine


def _as_drf_writes_them(serializer_class, rows, context) -> bytes:
    """The rows through DRF's own `to_representation` (and every nested serializer
    too), rendered."""
    original = serializer_class.to_representation
    children = [
        type(field.child)
        for field in serializer_class().fields.values()
        if isinstance(field, serializers.ListSerializer)
    ]
    drf = serializers.Serializer.to_representation
    try:
        for cls in (serializer_class, *children):
            cls.to_representation = drf
        return FastJSONRenderer().render(serializer_class(rows, many=True, context=context).data)
    finally:
        for cls in (serializer_class, *children):
            del cls.to_representation
        assert serializer_class.to_representation is original


def _same(serializer_class, rows, user=None) -> None:
    request = RequestFactory().get("/")
    request.user = user
    context = {"request": request}
    ours = FastJSONRenderer().render(serializer_class(rows, many=True, context=context).data)
    assert ours == _as_drf_writes_them(serializer_class, rows, context)


def test_customers_and_contacts_are_written_as_drf_writes_them(org):
    with schema_context(org.schema):
        customer = customer_services.customer_create(
            actor=org.owner,
            name="宁波海天 Ningbo",
            tags=["VIP", "华东"],
            owner=org.users["salesperson"],
            credit_limit=Decimal("1234.50"),
            referred_by=org.customers["rep_own"],
        )
        customer_services.contact_create(
            actor=org.owner, customer=customer, name="王建国", is_primary=True, email=""
        )
        customers = list(
            Customer.objects.prefetch_related(
                Prefetch("tags", queryset=Tag.objects.order_by("name"))
            ).order_by("pk")
        )
        contacts = list(Contact.objects.order_by("pk"))

    assert len(customers) > 1
    _same(CustomerSerializer, customers)
    _same(ContactSerializer, contacts)


def test_orders_and_their_lines_are_written_as_drf_writes_them(sales_org, api_key, api_client):
    admin = api_client(sales_org.workspace, api_key(sales_org.workspace))
    product = sales_org.products["kettle"]
    created = admin.post(
        "/api/v1/orders/",
        {
            "customer": sales_org.customers["rep_own"].pk,
            "lines": [{"product": product.pk, "quantity": "3", "discount_percent": "7.5"}],
            "deposit": "10.00",
        },
    )
    assert created.status_code == 201, created.json()
    with schema_context(sales_org.schema):
        orders = list(
            Order.objects.prefetch_related(
                Prefetch("lines", queryset=OrderLine.objects.select_related("product"))
            ).order_by("pk")
        )

    _same(OrderSummarySerializer, orders)
    with schema_context(sales_org.schema):  # allowed_actions asks the lifecycle
        _same(OrderSerializer, orders, user=sales_org.owner)
