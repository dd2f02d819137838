"""One price rule everywhere: customer list → group list → list price, by validity
date and currency; overlapping lists are refused, also when two arrive at once."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from tradepost.customers import services
from tradepost.customers.models import PriceList
from tradepost.pricing.resolution import (
    CUSTOMER_LIST,
    GROUP_LIST,
    LIST_PRICE,
    price_resolve,
    prices_resolve,
)

JAN_1 = datetime.date(2026, 1, 1)
JUN_30 = datetime.date(2026, 6, 30)


@pytest.fixture
def priced(org):
    """rep_own in group "Tier 1"; a group list (all year) and a customer list (H1)."""
    with schema_context(org.workspace.schema):
        group = services.customer_group_create(actor=org.owner, name="Tier 1")
        customer = services.customer_update(
            actor=org.owner, customer=org.customers["rep_own"], group=group
        )
        kettle, toaster = org.products["kettle"], org.products["toaster"]
        group_list = services.price_list_create(
            actor=org.owner,
            name="Tier 1 2026",
            group=group,
            currency="CNY",
            valid_from=JAN_1,
            valid_to=datetime.date(2026, 12, 31),
            lines=[(kettle, Decimal("180.00")), (toaster, Decimal("240.00"))],
        )
        own_list = services.price_list_create(
            actor=org.owner,
            name="Mingda H1",
            customer=customer,
            currency="CNY",
            valid_from=JAN_1,
            valid_to=JUN_30,
            lines=[(kettle, Decimal("170.00"))],
        )
    return customer, group, group_list, own_list


def _resolve(org, customer, product, **kwargs):
    with schema_context(org.workspace.schema):
        return price_resolve(customer=customer, product=org.products[product], **kwargs)


def test_the_customers_own_list_wins(org, priced):
    customer, _group, _group_list, own_list = priced

    price = _resolve(org, customer, "kettle", on_date=datetime.date(2026, 3, 1))

    assert (price.unit_price, price.currency, price.source) == (
        Decimal("170.00"),
        "CNY",
        CUSTOMER_LIST,
    )
    assert price.price_list_id == own_list.pk
    assert price.tax_included is False


def test_a_product_missing_from_the_own_list_comes_from_the_group_list(org, priced):
    customer, _group, group_list, _own = priced

    price = _resolve(org, customer, "toaster", on_date=datetime.date(2026, 3, 1))

    assert (price.unit_price, price.source, price.price_list_id) == (
        Decimal("240.00"),
        GROUP_LIST,
        group_list.pk,
    )


def test_after_the_own_list_ends_the_group_list_applies(org, priced):
    customer, _group, group_list, _own = priced

    last_day = _resolve(org, customer, "kettle", on_date=JUN_30)
    next_day = _resolve(org, customer, "kettle", on_date=datetime.date(2026, 7, 1))

    assert last_day.source == CUSTOMER_LIST  # valid_to is inclusive
    assert (next_day.unit_price, next_day.source) == (Decimal("180.00"), GROUP_LIST)


def test_before_any_list_starts_the_list_price_applies(org, priced):
    customer = priced[0]

    price = _resolve(org, customer, "kettle", on_date=datetime.date(2025, 12, 31))

    assert (price.unit_price, price.currency, price.source, price.price_list_id) == (
        Decimal("199.00"),
        "CNY",
        LIST_PRICE,
        None,
    )


def test_a_list_in_another_currency_does_not_apply(org, priced):
    customer, group = priced[0], priced[1]
    with schema_context(org.workspace.schema):
        services.price_list_create(
            actor=org.owner,
            name="Tier 1 USD",
            group=group,
            currency="USD",
            valid_from=JAN_1,
            lines=[(org.products["kettle"], Decimal("25.00"))],
        )

    in_cny = _resolve(org, customer, "kettle", on_date=datetime.date(2026, 8, 1))
    in_usd = _resolve(org, customer, "kettle", on_date=datetime.date(2026, 8, 1), currency="USD")
    toaster_usd = _resolve(
        org, customer, "toaster", on_date=datetime.date(2026, 8, 1), currency="USD"
    )

    assert (in_cny.unit_price, in_cny.currency) == (Decimal("180.00"), "CNY")
    assert (in_usd.unit_price, in_usd.currency, in_usd.source) == (
        Decimal("25.00"),
        "USD",
        GROUP_LIST,
    )
    # No USD price for the toaster on any list: its own list price, in its own currency.
    assert (toaster_usd.unit_price, toaster_usd.currency, toaster_usd.source) == (
        Decimal("259.50"),
        "CNY",
        LIST_PRICE,
    )


def test_the_customers_currency_is_the_default(org, priced):
    customer = priced[0]
    with schema_context(org.workspace.schema):
        customer = services.customer_update(actor=org.owner, customer=customer, currency="USD")

    price = _resolve(org, customer, "kettle", on_date=datetime.date(2026, 3, 1))

    assert (price.unit_price, price.currency, price.source) == (
        Decimal("199.00"),
        "CNY",
        LIST_PRICE,
    )


def test_a_customer_without_group_or_lists_pays_list_price(org):
    price = _resolve(org, org.customers["north"], "toaster")

    assert (price.unit_price, price.source) == (Decimal("259.50"), LIST_PRICE)


def test_many_products_resolve_in_one_query(org, priced, django_assert_num_queries):
    customer = priced[0]
    with schema_context(org.workspace.schema):
        products = list(org.products.values())
        prices_resolve(customer=customer, products=products[:1])  # sets the search path
        with django_assert_num_queries(1):
            prices = prices_resolve(
                customer=customer, products=products, on_date=datetime.date(2026, 3, 1)
            )

    assert {pk: p.source for pk, p in prices.items()} == {
        org.products["kettle"].pk: CUSTOMER_LIST,
        org.products["toaster"].pk: GROUP_LIST,
        org.products["usd_lamp"].pk: LIST_PRICE,
    }


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime.date(2026, 6, 30), None),  # starts on the other's last day
        (datetime.date(2025, 6, 1), datetime.date(2026, 1, 1)),  # ends on its first day
        (datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)),  # inside
        (datetime.date(2025, 1, 1), None),  # open-ended around it
    ],
)
def test_an_overlapping_list_of_the_same_owner_and_currency_is_refused(org, priced, start, end):
    customer = priced[0]
    with schema_context(org.workspace.schema), pytest.raises(ValidationError) as caught:
        services.price_list_create(
            actor=org.owner,
            name="Clash",
            customer=customer,
            currency="CNY",
            valid_from=start,
            valid_to=end,
        )

    assert "overlap" in caught.value.message_dict["valid_from"][0]
    assert "Mingda H1" in caught.value.message_dict["valid_from"][0]
    with schema_context(org.workspace.schema):
        assert not PriceList.objects.filter(name="Clash").exists()


def test_adjacent_lists_and_other_currencies_are_fine(org, priced):
    customer = priced[0]
    with schema_context(org.workspace.schema):
        services.price_list_create(
            actor=org.owner,
            name="Mingda H2",
            customer=customer,
            currency="CNY",
            valid_from=datetime.date(2026, 7, 1),
        )
        services.price_list_create(
            actor=org.owner, name="Mingda USD", customer=customer, currency="USD", valid_from=JAN_1
        )
        assert PriceList.objects.filter(customer=customer).count() == 3


def test_moving_a_list_onto_another_is_refused(org, priced):
    customer = priced[0]
    with schema_context(org.workspace.schema):
        later = services.price_list_create(
            actor=org.owner,
            name="Mingda H2",
            customer=customer,
            currency="CNY",
            valid_from=datetime.date(2026, 7, 1),
        )
        with pytest.raises(ValidationError):
            services.price_list_update(
                actor=org.owner, price_list=later, valid_from=datetime.date(2026, 6, 1)
            )
        assert PriceList.objects.get(pk=later.pk).valid_from == datetime.date(2026, 7, 1)


@pytest.mark.parametrize(
    "lines",
    [
        [("kettle", "-1.00")],
        [("kettle", "1.005")],
        [("kettle", "1"), ("kettle", "2")],
    ],
)
def test_bad_lines_are_refused_and_nothing_is_written(org, lines):
    with schema_context(org.workspace.schema), pytest.raises(ValidationError):
        services.price_list_create(
            actor=org.owner,
            name="Bad",
            customer=org.customers["north"],
            valid_from=JAN_1,
            lines=[(org.products[name], Decimal(price)) for name, price in lines],
        )
    with schema_context(org.workspace.schema):
        assert not PriceList.objects.filter(name="Bad").exists()


def test_only_every_customer_roles_price_a_group(org):
    with schema_context(org.workspace.schema):
        group = services.customer_group_create(actor=org.owner, name="Chains")
        with pytest.raises(PermissionDenied):
            services.price_list_create(
                actor=org.users["sales_manager"], name="G", group=group, valid_from=JAN_1
            )
        services.price_list_create(
            actor=org.users["customer_information_manager"],
            name="G",
            group=group,
            valid_from=JAN_1,
        )


def test_a_salesperson_cannot_write_price_lists(org):
    with schema_context(org.workspace.schema), pytest.raises(PermissionDenied):
        services.price_list_create(
            actor=org.users["salesperson"],
            name="Mine",
            customer=org.customers["rep_own"],
            valid_from=JAN_1,
        )


# --- Two lists at once ---------------------------------------------------------------
def test_two_overlapping_lists_created_at_once_make_one(committed_customer):
    workspace, owner, customer = committed_customer
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def create(index):
        try:
            with schema_context(workspace.schema):
                barrier.wait()
                outcomes[index] = services.price_list_create(
                    actor=owner,
                    name=f"Race {index}",
                    customer=customer,
                    currency="CNY",
                    valid_from=JAN_1,
                )
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert on
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), outcomes
    with schema_context(workspace.schema):
        assert PriceList.objects.filter(customer_id=customer.pk).count() == 1
    connection.set_schema_to_public()
