"""Expense claim pages: a salesperson claims for a customer of theirs with the receipt
and submits it from a phone-sized form, the manager rejects (with a comment) or
approves it, the claimant corrects a rejected claim, finance pays it; the receipt is
served only to whoever sees the claim; bad input is 400 with nothing written; who
sees the pages and the menu entry; another workspace sees nothing; list query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.settlement.conftest import confirmed_order, kettles
from tests.settlement.scenarios import expense_claim as _claim
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.settlement import expenses
from tradepost.settlement.models import ExpenseClaim

D = Decimal
TODAY = timezone.localdate()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def _form(org, customer="rep_own", **fields) -> dict:
    values = {
        "description": "Dinner with the buyer 客户晚餐",
        "category": "entertainment",
        "amount": "1380.50",
        "currency": "CNY",
        "incurred_on": TODAY.isoformat(),
        "customer": str(org.customers[customer].pk) if customer else "",
        "order": "",
        "branch": "",
    }
    values.update(fields)
    return values


def _id(response) -> int:
    return int(response["Location"].rstrip("/").split("/")[-1])


def test_a_salesperson_claims_with_a_receipt_and_submits_it(sales_org):
    org = sales_org
    rep = org.client("salesperson")
    form = rep.get("/finance/expenses/new/").content.decode()
    assert "Mingda Trading" in form and "Jinghua Commerce" not in form  # own customers only
    assert 'enctype="multipart/form-data"' in form and "Save and submit" in form
    response = rep.post(
        "/finance/expenses/new/",
        {
            **_form(org),
            "receipt": SimpleUploadedFile("slip.pdf", PDF, "application/pdf"),
            "submit": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    claim_id = _id(response)
    with schema_context(org.schema):
        claim = ExpenseClaim.objects.get(pk=claim_id)
        assert (claim.status, claim.amount, claim.claimant) == (
            "submitted",
            D("1380.50"),
            org.users["salesperson"],
        )
        assert claim.receipt.name.startswith("expenses/")
    page = rep.get(f"/finance/expenses/{claim_id}/").content.decode()
    assert "1,380.50 CNY" in page and "Mingda Trading" in page
    assert f'href="/finance/expenses/{claim_id}/receipt/"' in page
    assert "/media/" not in page
    assert ">Approve<" not in page and ">Mark paid<" not in page  # not the claimant's steps
    receipt = rep.get(f"/finance/expenses/{claim_id}/receipt/")
    assert receipt.status_code == 200 and b"".join(receipt.streaming_content) == PDF
    assert receipt["Content-Type"] == "application/pdf"
    assert (
        "attachment" in receipt["Content-Disposition"]
        and claim.number in (receipt["Content-Disposition"])
    )
    assert "sandbox" in receipt["Content-Security-Policy"]

    listing = rep.get("/finance/expenses/").content.decode()
    assert "My expense claims" in listing and claim.number in listing
    assert "Claimed by" not in listing  # a salesperson sees only their own claims


def test_the_manager_rejects_the_claimant_corrects_the_manager_approves_finance_pays(sales_org):
    org = sales_org
    claim = _claim(org)
    url = f"/finance/expenses/{claim.pk}/"
    manager = org.client("sales_manager")
    page = manager.get(url).content.decode()
    assert ">Approve<" in page and ">Reject<" in page
    # Rejecting needs a reason for the claimant.
    refused = manager.post(f"{url}reject/", {"review_comment": ""})
    assert refused.status_code == 400 and "Say why the claim is rejected." in (
        refused.content.decode()
    )
    assert count_rows(org, ExpenseClaim, status="submitted") == 1
    assert manager.post(f"{url}reject/", {"review_comment": "No receipt 无发票"}).status_code == 302

    rep = org.client("salesperson")
    page = rep.get(url).content.decode()
    assert "No receipt 无发票" in page and f'href="{url}edit/"' in page
    edit = rep.get(f"{url}edit/").content.decode()
    assert 'value="Taxi 出租车"' in edit and "No receipt 无发票" in edit
    changed = rep.post(
        f"{url}edit/",
        {
            **_form(org, description="Taxi 出租车", amount="90", category="travel"),
            "receipt": SimpleUploadedFile("slip.png", PNG, "image/png"),
            "submit": "1",
        },
    )
    assert changed.status_code == 302 and changed["Location"] == url
    with schema_context(org.schema):
        claim.refresh_from_db()
        assert (claim.status, claim.amount) == ("submitted", D("90.00"))
    photo = rep.get(f"{url}receipt/")
    assert photo["Content-Type"] == "image/png" and "inline" in photo["Content-Disposition"]

    # Nobody takes a step that is not theirs: the claimant cannot approve or pay, the
    # manager cannot pay, finance cannot pay before approval.
    assert rep.post(f"{url}approve/").status_code == 403
    assert manager.post(f"{url}pay/", {"reference": "x"}).status_code == 403
    finance = org.client("finance_manager")
    assert finance.post(f"{url}pay/", {"reference": "x"}).status_code == 400
    assert manager.post(f"{url}approve/", {"review_comment": "OK"}).status_code == 302
    assert rep.get(f"{url}edit/").status_code == 302  # approved: no longer changeable
    assert "Mark paid" in finance.get(url).content.decode()
    done = finance.post(f"{url}pay/", {"reference": "BANK 88"})
    assert done.status_code == 302 and done["Location"] == url
    assert finance.get(f"{url}pay/").status_code == 302  # a GET goes back to the page
    with schema_context(org.schema):
        claim.refresh_from_db()
        assert (claim.status, claim.payment_reference) == ("paid", "BANK 88")
    history = rep.get(url).content.decode()
    assert "Expense claim paid" in history and "BANK 88" in history


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"description": ""}, "This field is required."),
        ({"amount": "0"}, "Ensure this value is greater than or equal to 0.01."),
        ({"amount": "12.345"}, "Ensure that there are no more than 2 decimal places."),
        ({"amount": "abc"}, "Enter a number."),
        ({"incurred_on": (TODAY + datetime.timedelta(days=1)).isoformat()}, "in the future"),
        ({"category": "yacht"}, "Select a valid choice."),
        ({"currency": "XXX"}, "Select a valid choice."),
        ({"customer": ""}, "Say what the expense was for"),
        ({"branch": "999999"}, "Select a valid choice."),
        (
            {"receipt": SimpleUploadedFile("x.exe", b"MZ\x90\x00" * 4)},
            "Upload a PDF or a photo (JPEG, PNG or WebP).",
        ),
        (
            {"receipt": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (5 * 2**20))},
            "The receipt may be at most 5 MB.",
        ),
    ],
)
def test_bad_claims_are_refused_with_the_reason_and_nothing_is_written(sales_org, change, message):
    org = sales_org
    response = org.client("salesperson").post("/finance/expenses/new/", {**_form(org), **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert count_rows(org, ExpenseClaim) == 0


def test_a_claim_on_what_is_not_in_the_callers_scope_is_refused(sales_org):
    org = sales_org
    their_order = confirmed_order(org, "north", lines=kettles(org, "1"))
    my_order = confirmed_order(org, "rep_own", lines=kettles(org, "1"))
    rep = org.client("salesperson")
    form = rep.get("/finance/expenses/new/").content.decode()
    assert my_order.number in form and their_order.number not in form
    for change in (
        {"customer": str(org.customers["north"].pk)},
        {"customer": "", "order": str(their_order.pk)},
    ):
        response = rep.post("/finance/expenses/new/", {**_form(org), **change})
        assert response.status_code == 400, change
        assert "Select a valid choice." in response.content.decode()
    assert count_rows(org, ExpenseClaim) == 0
    # The order's own customer is taken when only the order is named.
    done = rep.post("/finance/expenses/new/", {**_form(org, customer=""), "order": my_order.pk})
    assert done.status_code == 302
    with schema_context(org.schema):
        claim = ExpenseClaim.objects.get()
        assert (claim.customer, claim.order_id, claim.status) == (
            org.customers["rep_own"],
            my_order.pk,
            "draft",
        )


def test_the_receipt_and_the_claim_only_for_who_sees_the_claim(sales_org, beta_sales_org):
    org = sales_org
    with schema_context(org.schema):
        claim = expenses.expense_create(
            actor=org.users["salesperson"],
            description="Samples",
            amount=D("50"),
            incurred_on=TODAY,
            customer=org.customers["rep_own"],
            receipt=SimpleUploadedFile("slip.pdf", PDF),
        )
    url = f"/finance/expenses/{claim.pk}/"
    for who in ("salesperson", "sales_manager", "finance_manager", "executive"):
        client = org.client(who)
        assert client.get(url).status_code == 200, who
        assert client.get(f"{url}receipt/").status_code == 200, who
    # Another salesperson (and a manager of another branch's customer) sees nothing;
    # a dealer and a warehouse manager have no expense pages at all.
    assert org.client("north_rep").get(url).status_code == 404
    assert org.client("north_rep").get(f"{url}receipt/").status_code == 404
    assert org.client("north_rep").post(f"{url}submit/").status_code == 404
    for who in ("dealer", "warehouse_manager"):
        assert org.client(who).get(url).status_code == 403, who
        assert org.client(who).get(f"{url}receipt/").status_code == 403, who
        assert org.client(who).get("/finance/expenses/").status_code == 403, who
    # Someone else than the claimant does not change or submit the claim.
    assert org.client("finance_manager").get(f"{url}edit/").status_code == 403
    assert org.client("finance_manager").post(f"{url}submit/").status_code == 403
    assert org.client("executive").get("/finance/expenses/new/").status_code == 403
    assert count_rows(org, ExpenseClaim, status="draft") == 1

    beta = beta_sales_org.client("finance_manager")
    assert beta.get(url).status_code == 404
    assert beta.get(f"{url}receipt/").status_code == 404
    assert beta.post(f"{url}pay/", {"reference": "x"}).status_code == 404
    assert claim.number not in beta.get("/finance/expenses/").content.decode()


def test_a_claim_without_a_receipt_has_no_receipt_link(sales_org):
    org = sales_org
    claim = _claim(org, submit=False)
    rep = org.client("salesperson")
    assert "None attached" in rep.get(f"/finance/expenses/{claim.pk}/").content.decode()
    assert rep.get(f"/finance/expenses/{claim.pk}/receipt/").status_code == 404
    assert rep.post(f"/finance/expenses/{claim.pk}/nonsense/").status_code == 404


def test_reviewers_filter_by_claimant_status_and_category(sales_org):
    org = sales_org
    mine = _claim(org, who="salesperson", customer="rep_own")
    north = _claim(org, who="north_rep", customer="north", category="freight")
    finance = org.client("finance_manager")
    page = finance.get("/finance/expenses/").content.decode()
    assert "Expense claims" in page and "Claimed by" in page and "My claims" in page
    assert mine.number in page and north.number in page
    rep_id = org.users["salesperson"].pk
    only_rep = finance.get(f"/finance/expenses/?claimant={rep_id}").content.decode()
    assert mine.number in only_rep and north.number not in only_rep
    freight = finance.get("/finance/expenses/?category=freight").content.decode()
    assert north.number in freight and mine.number not in freight
    paid = finance.get("/finance/expenses/?status=paid").content.decode()
    assert "No claim matches this filter." in paid
    by_customer = finance.get(f"/finance/expenses/?customer={org.customers['north'].pk}")
    assert north.number in by_customer.content.decode()
    assert mine.number not in by_customer.content.decode()
    # The East manager sees the Shanghai customer's claim, not North's.
    manager = org.client("sales_manager").get("/finance/expenses/").content.decode()
    assert mine.number in manager and north.number not in manager


def test_the_expenses_entry_shows_to_whoever_claims_reviews_or_reads_claims(sales_org):
    org = sales_org
    for who in ("salesperson", "sales_manager", "finance_manager", "executive"):
        page = org.client(who).get("/finance/invoices/").content.decode()
        assert 'href="/finance/expenses/"' in page, who
    dealer = org.client("dealer").get("/finance/invoices/").content.decode()
    assert 'href="/finance/expenses/"' not in dealer
    customer = org.customers["rep_own"]
    account = org.client("salesperson").get(f"/finance/receivables/{customer.pk}/")
    assert f'href="/finance/expenses/?customer={customer.pk}"' in account.content.decode()


def test_the_expense_list_runs_the_same_queries_for_many_rows(sales_org):
    org = sales_org
    _claim(org)

    def grow():
        _claim(org, who="salesperson", customer="rep_own", submit=False)
        _claim(org, who="north_rep", customer="north")
        _claim(org, who="sales_manager", customer=None, branch=org.branches["east"])
        _claim(org, who="finance_manager", customer="hangzhou_unowned")

    def rows(response):
        return response.content.decode().count("<tr>")

    finance = org.client("finance_manager")
    rep = org.client("salesperson")
    assert_list_queries(
        lambda: finance.get("/finance/expenses/"),
        grow,
        queries=QUERIES_FINANCE,
        size=rows,
    )
    assert_list_queries(
        lambda: rep.get("/finance/expenses/"),
        lambda: _claim(org),
        queries=QUERIES_SALESPERSON,
        size=rows,
    )


QUERIES_FINANCE = 9
QUERIES_SALESPERSON = 8
