"""A value the form did not offer, posted by hand, is refused: the form shows an error
(status 400) and nothing is written. The choices follow the caller's scope
(customers/selectors.py, "Choices"); the sweep in tests/security reads them off every
page, these post what a page never offered."""

from __future__ import annotations

import re

from django_tenants.utils import schema_context

from tradepost.customers import services
from tradepost.customers.models import Activity, Customer, Ticket
from tradepost.pipeline.models import Opportunity


def _options(html: str, name: str) -> set[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    return set(re.findall(r'<option value="(\d+)"', select.group(1))) if select else set()


def test_a_salesperson_cannot_hand_a_new_customer_to_a_colleague(org):
    client = org.client("salesperson")
    colleague = org.users["north_rep"]
    form_page = client.get("/customers/new/").content.decode()
    assert _options(form_page, "owner") == {str(org.users["salesperson"].pk)}

    response = client.post(
        "/customers/new/",
        {"name": "Handed Over Ltd", "channel": "direct", "currency": "CNY", "owner": colleague.pk},
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    with schema_context(org.workspace.schema):
        assert not Customer.objects.filter(name="Handed Over Ltd").exists()


def test_an_activity_cannot_be_given_to_someone_out_of_reach(org):
    client = org.client("salesperson")
    customer = org.customers["rep_own"]
    response = client.post(
        f"/customers/{customer.pk}/activities/",
        {"kind": "call", "subject": "Call back", "owner": org.users["executive"].pk},
    )
    assert response.status_code == 400
    with schema_context(org.workspace.schema):
        assert not Activity.objects.filter(subject="Call back").exists()


def test_a_sales_manager_assigns_tickets_within_the_team_only(org):
    with schema_context(org.workspace.schema):
        ticket = services.ticket_create(
            actor=org.owner, customer=org.customers["rep_own"], kind="inquiry", subject="Price?"
        )
    client = org.client("sales_manager")
    page = client.get(f"/customers/tickets/{ticket.pk}/").content.decode()
    offered = _options(page, "assignee")
    assert str(org.users["salesperson"].pk) in offered  # the manager's team
    assert str(org.users["north_rep"].pk) not in offered  # another branch's salesperson

    response = client.post(
        f"/customers/tickets/{ticket.pk}/",
        {"status": "open", "priority": "normal", "assignee": org.users["north_rep"].pk},
    )

    assert response.status_code == 400
    with schema_context(org.workspace.schema):
        assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


def test_a_dealer_is_offered_no_staff_and_its_filters_cover_only_its_record(org):
    client = org.client("dealer")
    page = client.get("/customers/").content.decode()
    assert 'name="owner"' not in page
    for user in org.users.values():
        if user != org.users["dealer"]:
            assert f">{user.get_full_name()}</option>" not in page
    assert _options(page, "branch") == {str(org.customers["dealer"].branch_id)}
    assert _options(page, "region") == set()  # its record has none

    # A filter value it was not offered is an error, and the list stays its own.
    other_branch = org.branches["shanghai"].pk
    response = client.get("/customers/", {"branch": other_branch})
    assert "Select a valid choice" in response.content.decode()
    assert org.customers["dealer"].name in response.content.decode()


def test_an_opportunity_owner_out_of_reach_is_refused(org):
    client = org.client("salesperson")
    customer = org.customers["rep_own"]
    response = client.post(
        "/sales/pipeline/new/",
        {
            "customer": customer.pk,
            "name": "Spring order",
            "amount": "1000",
            "stage": "prospect",
            "owner": org.users["north_rep"].pk,
        },
    )
    assert response.status_code == 400
    with schema_context(org.workspace.schema):
        assert not Opportunity.objects.filter(name="Spring order").exists()


def test_a_role_that_sees_every_customer_assigns_anyone(org):
    client = org.client("customer_information_manager")
    response = client.post(
        "/customers/new/",
        {
            "name": "Assigned North Ltd",
            "channel": "direct",
            "currency": "CNY",
            "owner": org.users["north_rep"].pk,
        },
    )
    assert response.status_code == 302
    with schema_context(org.workspace.schema):
        created = Customer.objects.get(name="Assigned North Ltd")
        assert created.owner_id == org.users["north_rep"].pk
