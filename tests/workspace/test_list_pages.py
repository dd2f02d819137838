"""The list plumbing (workspace.lists): a list page filters with its resource's API
FilterSet, so a filter means the same on the page and in the API; filters the panel
does not draw still apply and are kept; a value the FilterSet refuses is shown and
left out on the page (the API answers 400)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from api.urls import router
from tests.support import factories
from tradepost.channel.filters import DealerStockReportListFilter
from tradepost.customers.filters import DealerReportListFilter
from tradepost.sales.filters import SettlementCreditListFilter
from tradepost.workspace.saved_filters import LISTS

ROUTES = {
    "customers": "customers",
    "orders": "orders",
    "quotes": "quotes",
    "opportunities": "opportunities",
    "agreements": "agreements",
    "demand-plans": "demand-plans",
    "activities": "activities",
    "tickets": "tickets",
    "promotions": "promotions",
    "products": "products",
}
# List pages without saved filters: API router prefix → the page's FilterSet.
PAGES = {
    "dealer-reports": DealerReportListFilter,
    "dealer-stock-reports": DealerStockReportListFilter,
    "settlement-credits": SettlementCreditListFilter,
}


@pytest.mark.parametrize("key", sorted(ROUTES))
def test_each_list_page_filters_with_its_api_lists_filterset(key):
    viewsets = {prefix: viewset for prefix, viewset, _ in router.registry}
    api_filterset = viewsets[ROUTES[key]].filterset_class

    assert issubclass(LISTS[key].filterset, api_filterset)


@pytest.mark.parametrize("prefix", sorted(PAGES))
def test_each_list_page_without_saved_filters_filters_with_its_api_lists_filterset(prefix):
    viewsets = {prefix: viewset for prefix, viewset, _ in router.registry}

    assert issubclass(PAGES[prefix], viewsets[prefix].filterset_class)


def _order_ids(body: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/sales/orders/(\d+)/"', body)}


def test_a_filter_the_panel_does_not_draw_applies_and_is_kept(org):
    own = factories.order(org, "rep_own")
    other = factories.order(org, "hangzhou_unowned")
    customer = org.customers["rep_own"].pk

    body = org.client("owner").get("/sales/orders/", {"customer": customer}).content.decode()
    api = org.api("owner").rows("/api/v1/orders/", customer=customer)

    assert _order_ids(body) == {own.pk} == {row["id"] for row in api}
    unfiltered = org.client("owner").get("/sales/orders/").content.decode()
    assert _order_ids(unfiltered) == {own.pk, other.pk}
    assert f'<input type="hidden" name="customer" value="{customer}">' in body


def test_a_bad_filter_value_is_shown_on_the_page_and_a_400_in_the_api(org):
    factories.order(org, "rep_own")

    page = org.client("owner").get("/sales/orders/", {"status": "nonsense"})
    api = org.api("owner").get("/api/v1/orders/", {"status": "nonsense"})

    body = page.content.decode()
    assert page.status_code == 200
    assert 'role="alert"' in body and "Select a valid choice." in body
    assert len(_order_ids(body)) == 1  # the list, unfiltered
    assert api.status_code == 400 and "status" in api.json()["errors"]


def test_a_column_header_sorts_the_list_and_again_the_other_way(org):
    def kettles(quantity):
        return [{"product": org.products["kettle"], "quantity": Decimal(quantity)}]

    small = factories.order(org, "rep_own", lines=kettles("1"))
    large = factories.order(org, "hangzhou_unowned", lines=kettles("9"))
    client = org.client("owner")

    page = client.get("/sales/orders/", {"status": "draft"}).content.decode()
    assert 'href="?status=draft&amp;sort=total"' in page

    ascending = client.get("/sales/orders/", {"status": "draft", "sort": "total"})
    descending = client.get("/sales/orders/", {"status": "draft", "sort": "-total"})

    up = [pk for pk in _ordered_ids(ascending.content.decode()) if pk in (small.pk, large.pk)]
    down = [pk for pk in _ordered_ids(descending.content.decode()) if pk in (small.pk, large.pk)]
    assert up == [small.pk, large.pk] and down == [large.pk, small.pk]
    body = ascending.content.decode()
    assert 'aria-sort="ascending"' in body and 'href="?status=draft&amp;sort=-total"' in body
    # A sort the list does not know is left out (the page shows the list).
    assert client.get("/sales/orders/", {"sort": "password"}).status_code == 200


def _ordered_ids(body: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/sales/orders/(\d+)/"', body)]
