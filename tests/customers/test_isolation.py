"""Another workspace never reaches alpha's customers or anything hanging off them: not
by id, list, search, export or write. Both workspaces are clones of one template, so
their rows share primary keys — the ids tried below name rows in beta too."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from tests.support.cache import clear_cache
from tradepost.customers import credit, services
from tradepost.customers.models import (
    Activity,
    Contact,
    CreditRating,
    Customer,
    CustomerGroup,
    DealerReport,
    PriceList,
    Ticket,
)

MARK = "AlphaOnly"
ROUTES = [
    "/api/v1/customers/{id}/",
    "/api/v1/contacts/{id}/",
    "/api/v1/customer-groups/{id}/",
    "/api/v1/price-lists/{id}/",
    "/api/v1/credit-ratings/{id}/",
    "/api/v1/activities/{id}/",
    "/api/v1/tickets/{id}/",
    "/api/v1/dealer-reports/{id}/",
]
PAGES = [
    "/customers/{id}/",
    "/customers/{id}/edit/",
    "/customers/tickets/{id}/",
    "/customers/price-lists/{id}/",
]
LISTS = [route.removesuffix("{id}/") for route in ROUTES]


def _snapshot(workspace) -> dict[str, list]:
    with schema_context(workspace.schema):
        return {
            model.__name__: sorted((str(row) for row in model.objects.values_list()), key=str)
            for model in (
                Customer,
                Contact,
                CustomerGroup,
                PriceList,
                CreditRating,
                Activity,
                Ticket,
                DealerReport,
            )
        }


@pytest.fixture
def alpha_rows(org):
    owner = org.owner
    with schema_context(org.workspace.schema):
        group = services.customer_group_create(actor=owner, name=f"{MARK} group")
        customer = services.customer_create(
            actor=owner, name=f"{MARK} Co", code=f"{MARK}-1", channel="dealer", group=group
        )
        services.contact_create(actor=owner, customer=customer, name=f"{MARK} person")
        services.price_list_create(
            actor=owner,
            name=f"{MARK} list",
            customer=customer,
            valid_from=datetime.date(2026, 1, 1),
            lines=[(org.products["kettle"], Decimal("1.00"))],
        )
        services.credit_rating_create(
            actor=owner, customer=customer, comment=MARK, **dict.fromkeys(credit.FACTORS, 3)
        )
        services.activity_create(actor=owner, customer=customer, subject=f"{MARK} call")
        services.ticket_create(actor=owner, customer=customer, subject=f"{MARK} ticket")
        services.dealer_report_create(
            actor=owner, dealer=customer, kind="competitor", subject=MARK, competitor_name=MARK
        )
    return _snapshot(org.workspace)


def test_betas_key_never_reads_or_changes_alphas_rows(
    org, beta_org, alpha_rows, api_key, api_client, settings
):
    # hundreds of requests in a row: lift the rate limits for this sweep
    settings.API_RATE_PER_CALLER = settings.API_RATE_PER_WORKSPACE = "100000/min"
    clear_cache()
    client = api_client(beta_org.workspace, api_key(beta_org.workspace, name="beta-admin"))
    # Every id alpha uses, and its neighbours: in beta they name beta's own rows or none.
    ids = sorted(
        {
            int(row.split(",")[0].strip("(")) + offset
            for rows in alpha_rows.values()
            for row in rows
            for offset in (-1, 0, 1)
        }
    )

    for route in ROUTES:
        for object_id in ids:
            read = client.get(route.format(id=object_id))
            assert read.status_code in (200, 404), (route, object_id)
            assert MARK.encode() not in read.content, (route, object_id)
    for route in ROUTES:
        for object_id in ids:
            path = route.format(id=object_id)
            assert client.patch(path, {"name": "x"}, "application/json").status_code < 500
            assert client.delete(path).status_code < 500
    for listing in LISTS:
        body = client.get(listing, {"search": MARK}).content
        assert MARK.encode() not in body, listing
    for export in ("/api/v1/customers/export/", "/api/v1/contacts/export/"):
        body = b"".join(client.get(export).streaming_content)
        assert MARK.encode() not in body

    assert _snapshot(org.workspace) == alpha_rows


def test_betas_users_never_see_alphas_rows_in_the_browser(org, beta_org, alpha_rows):
    client = beta_org.client("owner")
    with schema_context(org.workspace.schema):
        ids = (
            list(Customer.objects.values_list("pk", flat=True))
            + list(Ticket.objects.values_list("pk", flat=True))
            + list(PriceList.objects.values_list("pk", flat=True))
        )

    for page in PAGES:
        for object_id in ids:
            response = client.get(page.format(id=object_id))
            assert response.status_code in (200, 404)
            assert MARK not in response.content.decode()
    for page in (
        "/customers/",
        "/customers/tickets/",
        "/customers/activities/",
        "/customers/price-lists/",
        "/customers/dealer-reports/",
        "/customers/groups/",
    ):
        assert MARK not in client.get(page, {"q": "lphaOnl"}).content.decode()
    export = b"".join(client.get("/data/customers/export/?format=csv").streaming_content)
    assert MARK.encode() not in export
    assert beta_org.customers["rep_own"].name.encode() in export


def test_an_alpha_key_is_refused_on_betas_domain(org, beta_org, api_key, api_client):
    client = api_client(beta_org.workspace, api_key(org.workspace))

    for listing in LISTS:
        assert client.get(listing).status_code == 401
