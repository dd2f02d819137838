"""`/api/v1/payments/`: money received allocated oldest first, by hand or not at all,
the rest on account; allocating later, refunding and cancelling; who may do what;
bad input that writes nothing; another workspace that sees nothing; pinned list
queries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.settlement.api_support import INVOICES, PAYMENTS, D, counts, finance, issued
from tests.support.api import list_count
from tests.support.queries import assert_list_queries
from tradepost.settlement import ledger, payments
from tradepost.settlement.models import CustomerAccount, Payment

YEAR = timezone.localdate().year


@pytest.fixture
def admin(sales_org, api_key, api_client):
    return api_client(sales_org.workspace, api_key(sales_org.workspace))


def _customer(org, name: str = "rep_own") -> int:
    return org.customers[name].pk


def test_a_payment_settles_the_oldest_invoices_first_and_keeps_the_rest_on_account(sales_org):
    books = sales_org.api("finance_manager")
    older = issued(sales_org, quantity="1", days_ago=40)  # 224.87
    newer = issued(sales_org, quantity="2")  # 449.74

    made = books.post(
        PAYMENTS,
        {
            "customer": _customer(sales_org),
            "amount": "800.00",
            "method": "bank_transfer",
            "reference": "BANK-0001",
            "notes": "First payment 首付",
        },
    )

    assert made.status_code == 201, made.json()
    payment = made.json()
    assert payment["number"] == f"RC-{YEAR}-00001"
    assert (payment["kind"], payment["status"], payment["method"]) == (
        "receipt",
        "posted",
        "bank_transfer",
    )
    assert (payment["amount"], payment["account_amount"], payment["open"]) == (
        "800.00",
        "800.00",
        "125.39",  # 800 − 224.87 − 449.74
    )
    assert [(row["invoice"], row["number"], row["amount"]) for row in payment["allocations"]] == [
        (older.pk, older.number, "224.87"),
        (newer.pk, newer.number, "449.74"),
    ]
    for invoice in (older, newer):
        assert books.get(f"{INVOICES}{invoice.pk}/").json()["payment_state"] == "paid"
    with schema_context(sales_org.schema):
        assert ledger.discrepancies() == []


def test_a_payment_on_account_is_allocated_by_hand_refunded_in_part_then_not_cancelled(sales_org):
    books = sales_org.api("finance_manager")
    first = issued(sales_org, quantity="1")
    second = issued(sales_org, quantity="1")
    made = books.post(
        PAYMENTS, {"customer": _customer(sales_org), "amount": "500.00", "allocate": "none"}
    ).json()
    assert (made["open"], made["allocations"]) == ("500.00", [])
    path = f"{PAYMENTS}{made['id']}/"

    allocated = books.post(
        f"{path}allocate/", {"allocate": [{"invoice": second.pk, "amount": "100.00"}]}
    )

    assert allocated.status_code == 200, allocated.json()
    assert allocated.json()["open"] == "400.00"
    assert [(row["invoice"], row["amount"]) for row in allocated.json()["allocations"]] == [
        (second.pk, "100.00")
    ]
    oldest = books.post(f"{path}allocate/")  # the default: oldest first
    assert oldest.status_code == 200, oldest.json()
    assert oldest.json()["open"] == "50.26"  # 400 − 224.87 − 124.87
    assert books.get(f"{INVOICES}{first.pk}/").json()["payment_state"] == "paid"

    refund = books.post(f"{path}refund/", {"amount": "50.00", "reference": "REFUND-1"})

    assert refund.status_code == 201, refund.json()
    body = refund.json()
    assert (body["kind"], body["refund_of"], body["amount"], body["open"]) == (
        "refund",
        made["id"],
        "50.00",
        "0.00",
    )
    assert [(row["kind"], row["number"]) for row in body["allocations"]] == [
        ("payment", made["number"])
    ]
    assert books.get(path).json()["open"] == "0.26"
    too_much = books.post(f"{path}refund/", {"amount": "1.00"})
    assert too_much.status_code == 400
    assert too_much.json()["errors"]["amount"] == [f"Only 0.26 of {made['number']} is on account."]
    cancel = books.post(f"{path}cancel/", {"reason": "Entered twice"})
    assert cancel.status_code == 400
    assert "remove its allocations first" in cancel.json()["errors"]["non_field_errors"][0]
    with schema_context(sales_org.schema):
        assert ledger.discrepancies() == []


def test_a_payment_entered_by_mistake_is_cancelled_with_a_reason(sales_org):
    books = sales_org.api("finance_manager")
    made = books.post(
        PAYMENTS, {"customer": _customer(sales_org), "amount": "80.00", "allocate": "none"}
    ).json()
    path = f"{PAYMENTS}{made['id']}/cancel/"

    assert books.post(path).json()["errors"]["reason"] == ["Say why the payment is cancelled."]
    cancelled = books.post(path, {"reason": "Wrong customer"})

    assert cancelled.status_code == 200, cancelled.json()
    assert (cancelled.json()["status"], cancelled.json()["open"]) == ("cancelled", "0.00")
    assert books.rows(PAYMENTS, status="cancelled")[0]["id"] == made["id"]
    with schema_context(sales_org.schema):
        assert CustomerAccount.objects.get(customer_id=_customer(sales_org)).balance == D("0.00")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-10"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"method": "deposit"}, "method"),
        ({"method": "barter"}, "method"),
        ({"currency": "XXX"}, "currency"),
        ({"received_on": "TOMORROW"}, "received_on"),
        ({"customer": 999999}, "customer"),
        ({"allocate": "newest"}, "allocate"),
        ({"allocate": []}, "allocate"),
        ({"allocate": [{"invoice": "INVOICE", "amount": "500.00"}]}, "allocations"),
        ({"allocate": [{"invoice": 999999, "amount": "10.00"}]}, "allocations"),
        ({"allocate": [{"invoice": "INVOICE", "amount": "-1"}]}, "allocate[0].amount"),
        (
            {
                "allocate": [
                    {"invoice": "INVOICE", "amount": "1.00"},
                    {"invoice": "INVOICE", "amount": "1.00"},
                ]
            },
            "allocate",
        ),
        ({"allocated": "oldest"}, "allocated"),
    ],
)
def test_bad_payments_are_400_and_nothing_is_written(sales_org, change, field):
    books = sales_org.api("finance_manager")
    invoice = issued(sales_org)  # 449.74 open
    before = counts(sales_org)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    def fill(value):
        if value == "INVOICE":
            return invoice.pk
        if value == "TOMORROW":
            return tomorrow
        if isinstance(value, list):
            return [fill(item) for item in value]
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        return value

    body = {"customer": _customer(sales_org), "amount": "100.00", **fill(change)}
    response = books.post(PAYMENTS, body)

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert counts(sales_org) == before


def test_a_payment_with_nothing_open_to_allocate_is_400(sales_org):
    books = sales_org.api("finance_manager")
    made = books.post(
        PAYMENTS, {"customer": _customer(sales_org), "amount": "10.00", "allocate": "none"}
    ).json()

    response = books.post(f"{PAYMENTS}{made['id']}/allocate/")

    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == ["No open invoice to allocate to."]


# --- Who may do what -----------------------------------------------------------------------
def test_a_salesperson_reads_their_customers_payments_and_enters_none(sales_org):
    with schema_context(sales_org.schema):
        own = payments.payment_receive(
            actor=finance(sales_org), customer=sales_org.customers["rep_own"], amount=D("10")
        )
        other = payments.payment_receive(
            actor=finance(sales_org), customer=sales_org.customers["north"], amount=D("10")
        )
    rep = sales_org.api("salesperson")
    before = counts(sales_org)

    assert [row["id"] for row in rep.rows(PAYMENTS)] == [own.pk]
    assert rep.get(f"{PAYMENTS}{other.pk}/").status_code == 404
    assert rep.post(PAYMENTS, {"customer": _customer(sales_org), "amount": "5"}).status_code == 403
    for step, body in (("refund", {"amount": "1"}), ("cancel", {"reason": "x"}), ("allocate", {})):
        assert rep.post(f"{PAYMENTS}{own.pk}/{step}/", body).status_code == 403, step
    assert counts(sales_org) == before


def test_a_dealer_sees_only_its_own_payments(sales_org):
    with schema_context(sales_org.schema):
        own = payments.payment_receive(
            actor=finance(sales_org), customer=sales_org.customers["dealer"], amount=D("10")
        )
        payments.payment_receive(
            actor=finance(sales_org), customer=sales_org.customers["rep_own"], amount=D("10")
        )
    dealer = sales_org.api("dealer")

    assert [row["id"] for row in dealer.rows(PAYMENTS)] == [own.pk]
    assert dealer.post(f"{PAYMENTS}{own.pk}/cancel/", {"reason": "x"}).status_code == 403


def test_another_workspace_sees_none_of_the_payments(sales_org, beta, api_key, api_client):
    with schema_context(sales_org.schema):
        payment = payments.payment_receive(
            actor=finance(sales_org), customer=sales_org.customers["rep_own"], amount=D("10")
        )
    beta_admin = api_client(beta, api_key(beta))

    assert beta_admin.count(PAYMENTS) == 0
    assert beta_admin.get(f"{PAYMENTS}{payment.pk}/").status_code == 404
    for step, body in (("refund", {"amount": "1"}), ("cancel", {"reason": "x"})):
        assert beta_admin.post(f"{PAYMENTS}{payment.pk}/{step}/", body).status_code == 404
    made = beta_admin.post(PAYMENTS, {"customer": _customer(sales_org), "amount": "5"})
    assert made.status_code == 400 and "customer" in made.json()["errors"]
    with schema_context(sales_org.schema):
        assert Payment.objects.get().status == "posted"


def test_the_payment_list_takes_the_same_queries_for_one_row_and_many(sales_org, admin):
    def receive(customer: str, amount: str, **kwargs) -> None:
        with schema_context(sales_org.schema):
            payments.payment_receive(
                actor=finance(sales_org),
                customer=sales_org.customers[customer],
                amount=D(amount),
                **kwargs,
            )

    def grow() -> None:
        issued(sales_org, "north")
        for index in range(3):
            receive("north", "100.00")
            receive("rep_own", f"{10 + index}.00", allocate="none")
        with schema_context(sales_org.schema):
            payment = Payment.objects.filter(customer=sales_org.customers["rep_own"]).first()
            payments.payment_refund(actor=finance(sales_org), payment=payment, amount=D("5"))

    issued(sales_org)
    receive("rep_own", "100.00")
    assert_list_queries(lambda: admin.get(PAYMENTS), grow, queries=5, size=list_count)


def test_a_payment_sent_twice_with_one_idempotency_key_is_posted_once(sales_org):
    books = sales_org.api("finance_manager")
    body = {"customer": _customer(sales_org), "amount": "120.00", "reference": "BANK-9"}

    first = books.post(PAYMENTS, body, idempotency_key="bank-slip-9")
    again = books.post(PAYMENTS, body, idempotency_key="bank-slip-9")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert counts(sales_org)[1:] == (1, 1)
    other = books.post(PAYMENTS, {**body, "amount": "121.00"}, idempotency_key="bank-slip-9")
    assert other.status_code == 422
    assert counts(sales_org)[1:] == (1, 1)
