"""The one step view (workspace.steps) behind every document's buttons: a GET of a
step's URL (a reload of a refused step, a language switch on it) goes back to the
document's page; an undeclared step is a 404; whoever may not see the documents gets
a 403 and nothing changes."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tests.support import factories

DOCUMENTS = {
    # name: (factory, page URL prefix, a declared step)
    "order": (factories.order, "/sales/orders/", "submit"),
    "quote": (factories.quote, "/sales/quotes/", "send"),
    "agreement": (
        lambda org: factories.agreement(org, activate=False),
        "/sales/agreements/",
        "activate",
    ),
    "demand plan": (factories.demand_plan, "/sales/demand-plans/", "submit"),
    "price adjustment": (factories.price_adjustment, "/sales/adjustments/", "approve"),
}


def _status(org, document) -> str:
    with schema_context(org.schema):
        document.refresh_from_db()
    return document.status


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_a_step_url_read_with_get_goes_back_to_the_document(sales_org, name):
    factory, prefix, step = DOCUMENTS[name]
    document = factory(sales_org)
    before = _status(sales_org, document)
    owner = sales_org.client("owner")

    reload = owner.get(f"{prefix}{document.pk}/{step}/", follow=True)

    assert reload.redirect_chain == [(f"{prefix}{document.pk}/", 302)]
    assert reload.status_code == 200
    assert owner.post(f"{prefix}{document.pk}/no-such-step/").status_code == 404
    assert _status(sales_org, document) == before  # a GET runs nothing


@pytest.mark.parametrize("name", ["quote", "agreement", "demand plan", "price adjustment"])
def test_a_user_who_may_not_see_the_documents_gets_403_and_nothing_changes(sales_org, name):
    factory, prefix, step = DOCUMENTS[name]
    document = factory(sales_org)
    before = _status(sales_org, document)
    warehouse = sales_org.client("warehouse_manager")  # orders only

    assert warehouse.post(f"{prefix}{document.pk}/{step}/").status_code == 403
    assert warehouse.get(f"{prefix}{document.pk}/{step}/").status_code == 403
    assert _status(sales_org, document) == before


def test_a_document_page_shows_where_it_stands_in_its_life(sales_org):
    from tradepost.sales import orders

    order = factories.order(sales_org)
    owner = sales_org.client("owner")

    body = owner.get(f"/sales/orders/{order.pk}/").content.decode()
    stepper = body.split('<ol class="stepper"', 1)[1].split("</ol>", 1)[0]
    assert '<li class="step-current" aria-current="step">Draft</li>' in stepper
    assert '<li class="step-todo">Delivered</li>' in stepper

    with schema_context(sales_org.schema):
        orders.order_cancel(actor=sales_org.owner, order=order, reason="Customer withdrew")
    body = owner.get(f"/sales/orders/{order.pk}/").content.decode()
    stepper = body.split('<ol class="stepper"', 1)[1].split("</ol>", 1)[0]
    assert '<li class="step-off" aria-current="step">Cancelled</li>' in stepper


def test_the_stepper_places_a_shared_step_by_the_state_the_document_is_in():
    from tradepost.sales.models import Order
    from tradepost.sales.orders import LIFECYCLE

    def states(status):
        return [(s["label"], s["state"]) for s in LIFECYCLE.stepper(Order(status=status))]

    assert states("partially_shipped")[3:5] == [
        ("Confirmed", "done"),
        ("Partially shipped", "current"),
    ]
    assert states("delivered")[4] == ("Shipped", "done")
    assert states("rejected")[0] == ("Rejected", "current")
    assert states("approved")[0] == ("Draft", "done")
