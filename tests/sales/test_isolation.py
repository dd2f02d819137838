"""Another workspace never reaches alpha's sales documents: not by id, list, search,
action or page. Alpha gets the whole demo (every kind of sales row, in every state);
beta — a clone of the same template, so ids line up — gets none, and its administrator's
key and browser session try every id alpha uses."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tradepost import demo
from tradepost.accounts.models import User
from tradepost.channel.models import Agreement, DealerStockReport, DemandPlan, PriceAdjustment
from tradepost.customers.demo import seed_demo as seed_customers
from tradepost.masterdata.demo import seed_demo as seed_masterdata
from tradepost.pipeline.models import Opportunity
from tradepost.pricing.models import Promotion
from tradepost.sales.models import Order, OrderLine, OrderReturn, Quote, SettlementCredit

MODELS = (
    Opportunity,
    Quote,
    Order,
    OrderLine,
    OrderReturn,
    Promotion,
    PriceAdjustment,
    DealerStockReport,
    SettlementCredit,
    DemandPlan,
    Agreement,
)
# Texts only alpha's demo holds.
MARKS = [b"Kitchen refit", "年终九五折".encode(), b"Damaged in transit", b"framework agreement"]
API = {
    "opportunities": ["move"],
    "quotes": ["send", "accept", "convert", "cancel"],
    "orders": ["submit", "approve", "reject", "confirm", "ship", "deliver", "cancel"],
    "order-returns": [],
    "promotions": [],
    "price-adjustments": ["approve", "post", "cancel", "recompute"],
    "dealer-stock-reports": [],
    "settlement-credits": [],
    "demand-plans": ["submit", "accept", "return"],
    "agreements": ["activate", "close"],
}
PAGES = [
    "/sales/pipeline/{id}/",
    "/sales/quotes/{id}/",
    "/sales/quotes/{id}/pdf/",
    "/sales/orders/{id}/",
    "/sales/orders/{id}/edit/",
    "/sales/promotions/{id}/",
    "/sales/adjustments/{id}/",
    "/sales/demand-plans/{id}/",
    "/sales/agreements/{id}/",
]


def _snapshot(schema: str) -> dict[str, list]:
    with schema_context(schema):
        return {model.__name__: sorted(map(str, model.objects.values_list())) for model in MODELS}


@pytest.fixture
def alpha_sales(alpha, make_user):
    make_user(alpha, "salesperson")
    with schema_context(alpha.schema):
        owner = User.objects.get(email=alpha.owner_email)
        seed_masterdata(actor=owner)
        seed_customers(actor=owner)
        assert demo.seed_sales_menu(actor=owner) > 0
        # Every id alpha's sales rows use, and its neighbours (ids keep growing over a
        # test session — sequences are not rolled back — so a range from 1 would not do).
        ids = sorted(
            {
                pk + offset
                for model in MODELS
                for pk in model.objects.values_list("pk", flat=True)
                for offset in (-1, 0, 1)
            }
        )
    return ids, _snapshot(alpha.schema)


def test_betas_key_and_people_never_reach_alphas_sales(
    alpha, beta, alpha_sales, api_key, api_client, settings
):
    # thousands of requests in a row: lift the rate limits for this sweep
    settings.API_RATE_PER_CALLER = settings.API_RATE_PER_WORKSPACE = "1000000/min"
    ids, before = alpha_sales
    assert all(before[model.__name__] for model in MODELS)
    client = api_client(beta, api_key(beta, name="beta-admin"))

    for prefix, actions in API.items():
        listing = client.get(f"/api/v1/{prefix}/", {"page_size": 200})
        assert listing.status_code == 200, prefix
        assert listing.json()["count"] == 0, prefix
        for object_id in ids:
            read = client.get(f"/api/v1/{prefix}/{object_id}/")
            assert read.status_code == 404, (prefix, object_id)
            for action in actions:
                path = f"/api/v1/{prefix}/{object_id}/{action}/"
                answer = client.post(path, {}, content_type="application/json")
                # 404, or 400 where the (empty) body is checked before the id is looked up
                assert answer.status_code in (400, 404), path
                assert not any(mark in answer.content for mark in MARKS), path
            patched = client.patch(
                f"/api/v1/{prefix}/{object_id}/", {"notes": "x"}, "application/json"
            )
            assert patched.status_code in (404, 405), (prefix, object_id)

    browser = beta.client(beta.owner())
    for page in PAGES:
        for object_id in ids:
            response = browser.get(page.format(id=object_id))
            assert response.status_code == 404, page.format(id=object_id)
    for listing in (
        "/sales/",
        "/sales/pipeline/",
        "/sales/quotes/",
        "/sales/orders/",
        "/sales/promotions/",
        "/sales/adjustments/",
        "/sales/demand-plans/",
        "/sales/agreements/",
    ):
        body = browser.get(listing).content
        assert not any(mark in body for mark in MARKS), listing

    assert _snapshot(alpha.schema) == before
