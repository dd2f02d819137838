"""Bulk changes on the customer list: the ticked customers are reassigned, tagged,
deactivated or exported, each row through the customer service — a row the user may
not change is reported and left as it was; bad input writes nothing; another
workspace's or an out-of-scope customer is never touched."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tradepost.customers.models import Customer


def _state(org, name):
    with schema_context(org.schema):
        customer = Customer.objects.get(pk=org.customers[name].pk)
        return customer.owner_id, customer.is_active, sorted(t.name for t in customer.tags.all())


def test_a_manager_reassigns_tags_and_deactivates_the_ticked_customers(org):
    client = org.client("owner")
    ids = [org.customers["rep_own"].pk, org.customers["north"].pk]
    north_rep = org.users["north_rep"]

    page = client.get("/customers/").content.decode()
    assert 'id="bulk"' in page and 'name="ids"' in page

    reassigned = client.post(
        "/customers/bulk/",
        {"ids": ids, "action": "reassign", "owner": north_rep.pk, "next": "/customers/?q=a"},
    )
    assert reassigned.status_code == 302 and reassigned["Location"] == "/customers/?q=a"
    assert _state(org, "rep_own")[0] == _state(org, "north")[0] == north_rep.pk

    client.post("/customers/bulk/", {"ids": ids, "action": "tag", "tag": "Key 重点"})
    assert "Key 重点" in _state(org, "rep_own")[2] and "Key 重点" in _state(org, "north")[2]

    done = client.post("/customers/bulk/", {"ids": ids, "action": "archive"}, follow=True)
    assert "2 customers changed." in done.content.decode()
    assert _state(org, "rep_own")[1] is False and _state(org, "north")[1] is False


def test_rows_outside_the_users_scope_or_rights_are_left_alone(org, beta_org):
    rep = org.client("salesperson")  # sees their own customers only
    others = org.customers["north"].pk
    before = _state(org, "north")

    response = rep.post(
        "/customers/bulk/",
        {"ids": [org.customers["rep_own"].pk, others], "action": "tag", "tag": "Mine"},
        follow=True,
    )
    assert "1 customer changed." in response.content.decode()
    assert _state(org, "north") == before
    assert "Mine" in _state(org, "rep_own")[2]

    # A role that may not change customers never sees the bar, and is refused.
    assert org.client("dealer").post("/customers/bulk/", {"ids": [others]}).status_code == 403
    # Another workspace's ids match nothing here.
    beta = beta_org.client("owner")
    beta.post("/customers/bulk/", {"ids": [org.customers["rep_own"].pk], "action": "archive"})
    assert _state(org, "rep_own")[1] is True


def test_bad_input_writes_nothing_and_says_why(org):
    client = org.client("owner")
    rep_own = org.customers["rep_own"].pk
    before = _state(org, "rep_own")

    for data, message in (
        ({"ids": [rep_own], "action": "explode"}, "Select a valid choice."),
        ({"ids": [rep_own], "action": "reassign"}, "Choose the salesperson."),
        ({"ids": [rep_own], "action": "tag", "tag": " "}, "Enter the tag to add."),
        ({"action": "archive"}, "Tick the customers to change first."),
        ({"ids": ["x", "-1"], "action": "archive"}, "Tick the customers to change first."),
    ):
        response = client.post("/customers/bulk/", data, follow=True)
        assert message in response.content.decode(), data
    assert _state(org, "rep_own") == before
    assert client.get("/customers/bulk/")["Location"] == "/customers/"


def test_export_selected_sends_the_ticked_rows_to_the_export(org):
    client = org.client("owner")
    ids = [org.customers["rep_own"].pk, org.customers["north"].pk]

    response = client.post("/customers/bulk/", {"ids": ids, "action": "export"})

    assert response.status_code == 302
    assert response["Location"].startswith("/data/customers/export/?ids=")
    exported = client.get(response["Location"].replace("xlsx", "csv"))
    body = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert org.customers["rep_own"].code in body and org.customers["north"].code in body
    assert org.customers["hangzhou_unowned"].code not in body
