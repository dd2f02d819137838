"""Collection notes on the customer's account page: a salesperson notes a call and the
customer's promise to pay on a customer of theirs; the overdue list shows each
customer's latest promise (one query for all); bad input is 400 with nothing written;
others' customers are 404, a dealer reads no notes and adds none; another workspace
sees nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from tests.settlement.conftest import confirmed_order, kettles
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.settlement import collections, invoices
from tradepost.settlement.models import CollectionNote

D = Decimal
TODAY = timezone.localdate()
SOON = TODAY + datetime.timedelta(days=5)


def _overdue(org, customer="rep_own"):
    order = confirmed_order(org, customer, lines=kettles(org, "1"))
    with schema_context(org.schema):
        finance = org.users["finance_manager"]
        draft = invoices.invoice_from_order(actor=finance, order=order)
        return invoices.invoice_issue(
            actor=finance, invoice=draft, issue_date=TODAY - datetime.timedelta(days=45)
        )


def _promise(org, customer, amount="100", who="finance_manager"):
    with schema_context(org.schema):
        return collections.collection_note_add(
            actor=org.users[who],
            customer=org.customers[customer],
            text="Called the buyer 已催款",
            promised_on=SOON,
            promised_amount=D(amount),
        )


def test_a_salesperson_notes_a_call_and_a_promise_to_pay(sales_org):
    org = sales_org
    _overdue(org)
    customer = org.customers["rep_own"]
    url = f"/finance/receivables/{customer.pk}/"
    rep = org.client("salesperson")
    page = rep.get(url).content.decode()
    assert "Notes and promises" in page and "No notes yet." in page
    assert f'action="{url}notes/"' in page

    done = rep.post(f"{url}notes/", {"text": "Left a message 留言"})
    assert done.status_code == 302 and done["Location"].startswith(url)
    promised = rep.post(
        f"{url}notes/",
        {"text": "Will pay on Friday 周五付款", "promised_on": SOON, "promised_amount": "150"},
    )
    assert promised.status_code == 302
    assert count_rows(org, CollectionNote, customer=customer, kind="note") == 1
    assert (
        count_rows(org, CollectionNote, kind="promise", promised_amount=D("150"), promised_on=SOON)
        == 1
    )
    page = rep.get(url).content.decode()
    assert "Left a message 留言" in page and "Will pay on Friday 周五付款" in page
    assert "Promised 150.00 by" in page
    assert rep.get(f"{url}notes/").status_code == 302  # a GET goes back to the account

    overdue = rep.get("/finance/receivables/overdue/").content.decode()
    assert "Promised 150.00 by" in overdue


def test_bad_notes_are_refused_and_nothing_is_written(sales_org):
    org = sales_org
    customer = org.customers["rep_own"]
    url = f"/finance/receivables/{customer.pk}/notes/"
    rep = org.client("salesperson")
    yesterday = TODAY - datetime.timedelta(days=1)
    for data, message in (
        ({"text": ""}, "This field is required."),
        ({"text": "x", "promised_on": SOON}, "A promise to pay needs both a date and an amount."),
        (
            {"text": "x", "promised_amount": "10"},
            "A promise to pay needs both a date and an amount.",
        ),
        (
            {"text": "x", "promised_on": yesterday, "promised_amount": "10"},
            "A promise is for today or later.",
        ),
        ({"text": "x", "promised_on": SOON, "promised_amount": "-5"}, "greater than or equal"),
        ({"text": "x", "promised_on": "soon", "promised_amount": "5"}, "Enter a valid date."),
        ({"text": "x" * 501}, "at most 500 characters"),
    ):
        response = rep.post(url, data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert count_rows(org, CollectionNote) == 0


def test_notes_stay_with_who_may_collect_in_scope(sales_org, beta_sales_org):
    org = sales_org
    _promise(org, "rep_own")
    north = org.customers["north"]
    rep = org.client("salesperson")
    assert rep.get(f"/finance/receivables/{north.pk}/").status_code == 404
    assert rep.post(f"/finance/receivables/{north.pk}/notes/", {"text": "x"}).status_code == 404
    # A dealer reads its own account, not the collectors' notes, and adds none.
    dealer = org.client("dealer")
    own = org.customers["dealer"]
    _promise(org, "dealer")
    page = dealer.get(f"/finance/receivables/{own.pk}/").content.decode()
    assert "Notes and promises" not in page and "已催款" not in page
    assert dealer.post(f"/finance/receivables/{own.pk}/notes/", {"text": "x"}).status_code == 403
    # An executive reads the notes but adds none.
    executive = org.client("executive")
    mine = org.customers["rep_own"]
    page = executive.get(f"/finance/receivables/{mine.pk}/").content.decode()
    assert "已催款" in page and f"/finance/receivables/{mine.pk}/notes/" not in page
    assert count_rows(org, CollectionNote) == 2

    beta = beta_sales_org.client("finance_manager")
    assert beta.post(f"/finance/receivables/{mine.pk}/notes/", {"text": "x"}).status_code == 404
    assert count_rows(beta_sales_org, CollectionNote) == 0


def test_the_overdue_list_shows_the_latest_promises_in_one_query(sales_org):
    org = sales_org
    _overdue(org, "rep_own")
    _promise(org, "rep_own", "10")
    _promise(org, "rep_own", "20")  # the latest wins
    client = org.client("finance_manager")
    page = client.get("/finance/receivables/overdue/").content.decode()
    assert "Promised 20.00 by" in page and "Promised 10.00 by" not in page

    def grow():
        for customer in ("north", "hangzhou_unowned", "dealer"):
            _overdue(org, customer)
            _promise(org, customer, "30")

    response = assert_list_queries(
        lambda: client.get("/finance/receivables/overdue/"),
        grow,
        queries=QUERIES_OVERDUE,
        size=lambda response: response.content.decode().count("<li>"),
    )
    assert response.content.decode().count("Promised 30.00 by") == 3


QUERIES_OVERDUE = 9
