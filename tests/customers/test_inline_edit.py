"""Inline edit on the customer list (`/customers/<id>/inline/<field>/`): a cell's small
form changes the customer through the edit page's service (its checks, its audit
entry), per row in the caller's scope and per field with its permission; bad input
comes back as the form with its error (400) and changes nothing; without the script
the pencil leads to the page that changes the field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from tradepost.audit.models import AuditEntry
from tradepost.customers.models import Customer

pytestmark = pytest.mark.django_db
INLINE = {"HTTP_X_INLINE_EDIT": "1"}


def _url(customer, field):
    return f"/customers/{customer.pk}/inline/{field}/"


def _fresh(org, name):
    with schema_context(org.schema):
        return Customer.objects.get(pk=org.customers[name].pk)


def test_a_salesperson_changes_a_channel_in_place(org):
    rep = org.client("salesperson")
    customer = org.customers["rep_own"]

    form = rep.get(_url(customer, "channel"), **INLINE)
    assert form.status_code == 200
    assert 'name="channel"' in form.content.decode() and "<html" not in form.content.decode()

    saved = rep.post(_url(customer, "channel"), {"channel": "store"}, **INLINE)

    assert saved.status_code == 200
    cell = saved.content.decode()
    assert "Store" in cell and "data-inline=" in cell and "<form" not in cell
    assert _fresh(org, "rep_own").channel == "store"
    with schema_context(org.schema):
        entry = AuditEntry.objects.filter(
            action="customer.updated", target_id=str(customer.pk)
        ).get()
        assert entry.actor_id == org.users["salesperson"].pk


def test_finance_changes_a_credit_limit_in_place(org):
    finance = org.client("finance_manager")

    saved = finance.post(
        _url(org.customers["north"], "credit_limit"), {"credit_limit": "250000"}, **INLINE
    )

    assert saved.status_code == 200
    assert "250,000.00" in saved.content.decode()
    assert _fresh(org, "north").credit_limit == Decimal("250000.00")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("channel", "teleport", "Select a valid choice."),
        ("channel", "", "This field is required."),
        ("credit_limit", "-5", "greater than or equal to 0"),
        ("credit_limit", "lots", "Enter a number."),
        ("credit_limit", "1" * 20, "digits"),
    ],
)
def test_bad_input_comes_back_in_the_cell_and_changes_nothing(org, field, value, message):
    before = _fresh(org, "rep_own")

    response = org.client("owner").post(
        _url(org.customers["rep_own"], field), {field: value}, **INLINE
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "data-inline-form" in body and message in body
    after = _fresh(org, "rep_own")
    assert (after.channel, after.credit_limit) == (before.channel, before.credit_limit)
    with schema_context(org.schema):
        assert not AuditEntry.objects.filter(action="customer.updated").exists()


def test_permission_per_field_and_scope_per_row(org):
    rep = org.client("salesperson")

    # No credit terms for a salesperson; another salesperson's customer is not found.
    assert (
        rep.post(
            _url(org.customers["rep_own"], "credit_limit"), {"credit_limit": "1"}, **INLINE
        ).status_code
        == 403
    )
    assert (
        rep.post(
            _url(org.customers["north"], "channel"), {"channel": "store"}, **INLINE
        ).status_code
        == 404
    )
    # Finance reads every customer but changes no channel; a dealer changes nothing.
    assert (
        org.client("finance_manager")
        .post(_url(org.customers["north"], "channel"), {"channel": "store"}, **INLINE)
        .status_code
        == 403
    )
    assert (
        org.client("dealer")
        .post(_url(org.customers["dealer"], "channel"), {"channel": "store"}, **INLINE)
        .status_code
        == 403
    )
    assert (
        rep.get(f"/customers/{org.customers['rep_own'].pk}/inline/owner/", **INLINE).status_code
        == 404
    )
    assert _fresh(org, "north").channel != "store"


def test_another_workspaces_customer_is_not_found(org, beta_org):
    theirs = beta_org.customers["north"]
    with schema_context(org.schema):
        Customer.objects.filter(pk=theirs.pk).delete()

    response = org.client("owner").post(_url(theirs, "channel"), {"channel": "store"}, **INLINE)

    assert response.status_code == 404
    with schema_context(beta_org.schema):
        assert Customer.objects.get(pk=theirs.pk).channel != "store"


def test_without_the_script_the_pencil_leads_to_the_page_that_changes_the_field(org):
    customer = org.customers["rep_own"]
    owner = org.client("owner")

    channel = owner.get(_url(customer, "channel"))
    credit = owner.post(_url(customer, "credit_limit"), {"credit_limit": "9"})

    assert channel.status_code == 302 and channel["Location"] == f"/customers/{customer.pk}/edit/"
    assert credit["Location"] == f"/customers/{customer.pk}/#credit-terms"
    assert _fresh(org, "rep_own").credit_limit != Decimal("9")
    detail = owner.get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="credit-terms"' in detail


def test_the_list_offers_the_pencils_the_user_may_use(org):
    rep = org.client("salesperson").get("/customers/").content.decode()
    finance = org.client("finance_manager").get("/customers/").content.decode()

    assert "/inline/channel/" in rep and "/inline/credit_limit/" not in rep
    assert "/inline/credit_limit/" in finance and "/inline/channel/" not in finance
    assert "tradepost/inline.js" in rep
