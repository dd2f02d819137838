"""Payment pages: recording a payment (customer picked by name) allocated oldest first,
by hand on the allocation screen, or left on account; allocating what is left,
removing an allocation, refunding and cancelling from the payment's page; bad input is
400 with nothing written; who records and sees which payment; another workspace sees
nothing; list query counts."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from tests.settlement.conftest import confirmed_order, kettles
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.settlement import invoices, payments
from tradepost.settlement.models import Allocation, Invoice, LedgerEntry, Payment

D = Decimal


def _issued(org, customer="rep_own", quantity="1") -> Invoice:
    order = confirmed_order(org, customer, lines=kettles(org, quantity))
    with schema_context(org.schema):
        finance = org.users["finance_manager"]
        draft = invoices.invoice_from_order(actor=finance, order=order)
        return invoices.invoice_issue(actor=finance, invoice=draft)


def _open(org, invoice) -> Decimal:
    with schema_context(org.schema):
        return LedgerEntry.objects.get(invoice__pk=invoice.pk).open_amount


def _form(amount, allocate="oldest", **extra):
    return {
        "amount": amount,
        "currency": "CNY",
        "method": "bank_transfer",
        "received_on": timezone.localdate().isoformat(),
        "reference": "BANK-1",
        "allocate": allocate,
        **extra,
    }


def test_finance_records_payments_three_ways(sales_org):
    org = sales_org
    older = _issued(org)  # 224.87
    newer = _issued(org)  # 224.87
    customer = org.customers["rep_own"]
    client = org.client("finance_manager")
    picker = client.get("/finance/payments/new/?q=Mingda").content.decode()
    assert f'href="?customer={customer.pk}"' in picker
    form = client.get(f"/finance/payments/new/?customer={customer.pk}").content.decode()
    assert older.number in form and f'name="alloc-{older.pk}"' in form

    url = f"/finance/payments/new/?customer={customer.pk}"
    oldest = client.post(url, _form("300"))
    assert oldest.status_code == 302, oldest.content.decode()[:3000]
    assert (_open(org, older), _open(org, newer)) == (D("0.00"), D("149.74"))

    by_hand = client.post(url, _form("100", "manual", **{f"alloc-{newer.pk}": "40"}))
    assert by_hand.status_code == 302, by_hand.content.decode()[:3000]
    assert _open(org, newer) == D("109.74")
    payment_id = int(by_hand["Location"].rstrip("/").split("/")[-1])
    page = client.get(f"/finance/payments/{payment_id}/").content.decode()
    assert newer.number in page and "60.00" in page  # 60 still on account
    assert "Allocate what is on account" in page and "Refund" in page

    # Allocate the rest by hand from the payment's page, then remove it again.
    allocated = client.post(
        f"/finance/payments/{payment_id}/allocate/",
        {"allocate": "manual", f"alloc-{newer.pk}": "60"},
    )
    assert allocated.status_code == 302
    assert _open(org, newer) == D("49.74")
    with schema_context(org.schema):
        last = Allocation.objects.filter(credit__payment__pk=payment_id).order_by("-pk").first()
    removed = client.post(f"/finance/allocations/{last.pk}/remove/")
    assert removed.status_code == 302 and removed["Location"] == f"/finance/payments/{payment_id}/"
    assert _open(org, newer) == D("109.74")

    # Refund what is on account; an unallocated payment can be cancelled.
    refunded = client.post(
        f"/finance/payments/{payment_id}/refund/",
        {"amount": "60", "refunded_on": timezone.localdate().isoformat()},
    )
    assert refunded.status_code == 302
    assert count_rows(org, Payment, kind="refund", refund_of=payment_id) == 1
    on_account = client.post(url, _form("50", "none"))
    assert on_account.status_code == 302
    kept_id = int(on_account["Location"].rstrip("/").split("/")[-1])
    assert client.post(f"/finance/payments/{kept_id}/cancel/", {"reason": ""}).status_code == 400
    assert (
        client.post(f"/finance/payments/{kept_id}/cancel/", {"reason": "Twice"}).status_code == 302
    )
    assert count_rows(org, Payment, pk=kept_id, status="cancelled") == 1
    listing = client.get("/finance/payments/").content.decode()
    assert "BANK-1" in listing and "Cancelled" in listing


def test_bad_payment_input_is_400_and_writes_nothing(sales_org):
    org = sales_org
    invoice = _issued(org)
    customer = org.customers["rep_own"]
    client = org.client("finance_manager")
    url = f"/finance/payments/new/?customer={customer.pk}"
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    for data in (
        _form("0"),
        _form("-5"),
        _form("abc"),
        _form("10", method="deposit"),
        _form("10", received_on=tomorrow),
        _form("10", "manual"),  # by hand, but no amount entered
        _form("10", "manual", **{f"alloc-{invoice.pk}": "x"}),
        _form("10", "manual", **{f"alloc-{invoice.pk}": "20"}),  # more than the payment
        _form("10", currency="XXX"),
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert 'role="alert"' in response.content.decode(), data
    assert count_rows(org, Payment) == 0
    assert _open(org, invoice) == D("224.87")
    # A customer out of the actor's scope or missing: 404.
    assert client.get("/finance/payments/new/?customer=999999").status_code == 404

    with schema_context(org.schema):
        payment = payments.payment_receive(
            actor=org.users["finance_manager"], customer=customer, amount=D("10"), allocate="none"
        )
    too_much = client.post(
        f"/finance/payments/{payment.pk}/refund/",
        {"amount": "11", "refunded_on": timezone.localdate().isoformat()},
    )
    assert too_much.status_code == 400 and "is on account" in too_much.content.decode()
    assert count_rows(org, Payment, kind="refund") == 0


def test_who_records_and_sees_which_payment(sales_org, beta_sales_org):
    org = sales_org
    finance = org.users["finance_manager"]
    with schema_context(org.schema):
        own = payments.payment_receive(
            actor=finance, customer=org.customers["rep_own"], amount=D("10"), allocate="none"
        )
        north = payments.payment_receive(
            actor=finance, customer=org.customers["north"], amount=D("20"), allocate="none"
        )
    rep = org.client("salesperson")
    listing = rep.get("/finance/payments/").content.decode()
    assert own.number in listing and north.number not in listing
    assert rep.get(f"/finance/payments/{north.pk}/").status_code == 404
    assert rep.get("/finance/payments/new/").status_code == 403
    assert rep.post(f"/finance/payments/{own.pk}/cancel/", {"reason": "x"}).status_code == 403
    assert count_rows(org, Payment, status="posted") == 2

    beta = beta_sales_org.client("finance_manager")
    assert beta.get(f"/finance/payments/{own.pk}/").status_code == 404
    assert beta.post(f"/finance/payments/{own.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert beta.post(f"/finance/payments/{own.pk}/refund/", {"amount": "1"}).status_code == 404
    assert own.number not in beta.get("/finance/payments/").content.decode()
    assert count_rows(org, Payment, pk=own.pk, status="posted") == 1


def test_the_payment_list_runs_the_same_queries_for_many_rows(sales_org):
    org = sales_org
    finance = org.users["finance_manager"]
    with schema_context(org.schema):
        payments.payment_receive(
            actor=finance, customer=org.customers["rep_own"], amount=D("10"), allocate="none"
        )
    client = org.client("finance_manager")

    def grow():
        with schema_context(org.schema):
            for name in ("north", "dealer", "rep_own"):
                payments.payment_receive(
                    actor=finance, customer=org.customers[name], amount=D("5"), allocate="none"
                )

    assert_list_queries(
        lambda: client.get("/finance/payments/"),
        grow,
        queries=QUERIES_PAYMENT_LIST,
        size=lambda response: response.content.decode().count("<tr"),
    )


QUERIES_PAYMENT_LIST = 8


def test_a_get_of_an_action_url_goes_back_to_its_page(sales_org):
    org = sales_org
    with schema_context(org.schema):
        payment = payments.payment_receive(
            actor=org.users["finance_manager"],
            customer=org.customers["rep_own"],
            amount=D("10"),
            allocate="none",
        )
    client = org.client("finance_manager")
    for action in ("allocate", "refund", "cancel"):
        response = client.get(f"/finance/payments/{payment.pk}/{action}/")
        assert response.status_code == 302, action
        assert response["Location"] == f"/finance/payments/{payment.pk}/"
    customer = org.customers["rep_own"]
    back = client.get(f"/finance/receivables/{customer.pk}/adjust/")
    assert back.status_code == 302 and back["Location"] == f"/finance/receivables/{customer.pk}/"
    assert count_rows(org, Payment, status="posted") == 1
