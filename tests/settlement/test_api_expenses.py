"""`/api/v1/expenses/`: a salesperson claims with the receipt (multipart), changes the
draft, submits it; the manager rejects (a comment required) and approves, finance pays
with a reference; the receipt is served only to whoever sees the claim; uploads are
capped (413) before the claim is touched, receipts checked (400); bad input writes
nothing; who may do what by role; another workspace sees and touches nothing; the list
takes pinned queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import timezone

from tests.settlement.conftest import confirmed_order, kettles
from tests.settlement.scenarios import expense_claim as _claim
from tests.support.api import list_count
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.settlement import expenses
from tradepost.settlement.api.expenses import ExpenseClaimViewSet
from tradepost.settlement.models import ExpenseClaim

D = Decimal
TODAY = timezone.localdate()
EXPENSES = "/api/v1/expenses/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def _body(org, customer="rep_own", **fields) -> dict:
    return {
        "description": "Dinner with the buyer 客户晚餐",
        "category": "entertainment",
        "amount": "1380.50",
        "currency": "CNY",
        "incurred_on": TODAY.isoformat(),
        "customer": org.customers[customer].pk if customer else None,
        **fields,
    }


def _multipart(data: dict) -> bytes:
    return encode_multipart(BOUNDARY, {k: "" if v is None else v for k, v in data.items()})


# --- The walk-through ----------------------------------------------------------------------
def test_a_claim_goes_from_the_salesperson_to_the_manager_to_finance(sales_org):
    org = sales_org
    rep = org.api("salesperson")
    receipt = SimpleUploadedFile("slip.pdf", PDF, "application/pdf")

    made = rep.post(EXPENSES, {**_body(org), "receipt": receipt})

    assert made.status_code == 201, made.json()
    claim = made.json()
    assert (claim["status"], claim["has_receipt"], claim["amount"]) == ("draft", True, "1380.50")
    assert claim["number"].startswith("EX-")
    assert (claim["claimant"], claim["customer"]["id"]) == (
        org.users["salesperson"].pk,
        org.customers["rep_own"].pk,
    )
    assert claim["allowed_actions"] == ["edit", "submit"]
    path = f"{EXPENSES}{claim['id']}/"
    pdf = rep.get(f"{path}receipt/", HTTP_ACCEPT="application/json")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert "attachment" in pdf["Content-Disposition"]
    assert f"{claim['number']}-receipt.pdf" in pdf["Content-Disposition"]
    assert "sandbox" in pdf["Content-Security-Policy"]
    assert b"".join(pdf.streaming_content) == PDF

    # The draft is changed as JSON, then with a photo of the receipt instead.
    changed = rep.patch(path, {"amount": "1200.00", "description": "Dinner 晚餐"})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["amount"], changed.json()["description"]) == ("1200.00", "Dinner 晚餐")
    photo = rep.patch(
        path,
        _multipart({"receipt": SimpleUploadedFile("slip.png", PNG, "image/png")}),
        content_type=MULTIPART_CONTENT,
    )
    assert photo.status_code == 200, photo.json()
    image = rep.get(f"{path}receipt/")
    assert image["Content-Type"] == "image/png"
    assert "inline" in image["Content-Disposition"]

    assert rep.post(f"{path}submit/").json()["status"] == "submitted"
    manager = org.api("sales_manager")
    for body in ({}, {"comment": "  "}):
        refused = manager.post(f"{path}reject/", body)
        assert refused.status_code == 400
        assert refused.json()["errors"]["comment"] == ["Say why the claim is rejected."]
    rejected = manager.post(f"{path}reject/", {"comment": "Itemise the bill 请列明细"})
    assert rejected.status_code == 200, rejected.json()
    assert (rejected.json()["status"], rejected.json()["review_comment"]) == (
        "rejected",
        "Itemise the bill 请列明细",
    )
    # The claimant corrects the rejected claim and submits it again.
    assert rep.patch(path, {"description": "Dinner, itemised"}).status_code == 200
    assert rep.post(f"{path}submit/").json()["status"] == "submitted"
    approved = manager.post(f"{path}approve/", {"comment": "OK"}, idempotency_key="approve-1")
    assert approved.status_code == 200, approved.json()
    replay = manager.post(f"{path}approve/", {"comment": "OK"}, idempotency_key="approve-1")
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == approved.json()
    paid = org.api("finance_manager").post(f"{path}pay/", {"reference": "BANK 88"})
    assert paid.status_code == 200, paid.json()
    assert (paid.json()["status"], paid.json()["payment_reference"]) == ("paid", "BANK 88")
    assert paid.json()["allowed_actions"] == []
    assert count_rows(org, ExpenseClaim) == 1


def test_a_claim_named_by_its_order_counts_for_the_orders_customer(sales_org):
    org = sales_org
    order = confirmed_order(org, lines=kettles(org, "1"))

    made = org.api("salesperson").post(EXPENSES, _body(org, customer=None, order=order.pk))

    assert made.status_code == 201, made.json()
    assert (made.json()["order"], made.json()["customer"]["id"]) == (
        order.pk,
        org.customers["rep_own"].pk,
    )


def test_a_claim_sent_twice_with_one_idempotency_key_is_made_once(sales_org):
    org = sales_org
    rep = org.api("salesperson")
    body = {**_body(org), "receipt": SimpleUploadedFile("slip.pdf", PDF, "application/pdf")}

    first = rep.post(EXPENSES, body, idempotency_key="claim-dinner-1")
    body["receipt"] = SimpleUploadedFile("slip.pdf", PDF, "application/pdf")
    again = rep.post(EXPENSES, body, idempotency_key="claim-dinner-1")

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert count_rows(org, ExpenseClaim) == 1


# --- Bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"description": ""}, "description"),
        ({"amount": "0"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"incurred_on": (TODAY + datetime.timedelta(days=1)).isoformat()}, "incurred_on"),
        ({"category": "yacht"}, "category"),
        ({"currency": "XXX"}, "currency"),
        ({"customer": None}, "customer"),  # nothing it was for
        ({"branch": 999999}, "branch"),
        ({"customer": "NORTH"}, "customer"),  # another salesperson's customer
        ({"number": "EX-1"}, "number"),
        ({"receipt": SimpleUploadedFile("x.exe", b"MZ\x90\x00" * 4)}, "receipt"),
        ({"receipt": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (5 * 2**20))}, "receipt"),
    ],
)
def test_bad_claims_are_400_and_nothing_is_written(sales_org, change, field):
    org = sales_org
    if change.get("customer") == "NORTH":
        change = {"customer": org.customers["north"].pk}
    body = {**_body(org), **change}
    if "receipt" in body:
        body = {k: "" if v is None else v for k, v in body.items()}

    response = org.api("salesperson").post(EXPENSES, body)

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert count_rows(org, ExpenseClaim) == 0


def test_an_upload_over_the_cap_is_413_and_touches_nothing(sales_org, settings):
    org = sales_org
    claim = _claim(org, submit=False)
    settings.MAX_UPLOAD_BYTES = 10_000
    big = b"%PDF-" + b"0" * 20_000
    rep = org.api("salesperson")

    made = rep.post(EXPENSES, {**_body(org), "receipt": SimpleUploadedFile("big.pdf", big)})
    changed = rep.patch(
        f"{EXPENSES}{claim.pk}/",
        _multipart({"description": "Changed", "receipt": SimpleUploadedFile("big.pdf", big)}),
        content_type=MULTIPART_CONTENT,
    )

    for response in (made, changed):
        assert response.status_code == 413
        assert response.json()["code"] == "payload_too_large"
    assert count_rows(org, ExpenseClaim) == 1
    assert count_rows(org, ExpenseClaim, description="Taxi 出租车", receipt="") == 1


def test_a_claim_not_in_draft_or_rejected_is_not_changed(sales_org):
    org = sales_org
    claim = _claim(org)  # submitted

    response = org.api("salesperson").patch(f"{EXPENSES}{claim.pk}/", {"amount": "1.00"})

    assert response.status_code == 400
    assert "status" in response.json()["errors"]
    assert count_rows(org, ExpenseClaim, pk=claim.pk, amount=D("88.00")) == 1


def test_reviewers_filter_by_claimant_status_and_category(sales_org):
    org = sales_org
    mine = _claim(org)
    draft = _claim(org, submit=False, category="freight")
    theirs = _claim(org, who="north_rep", customer="north")
    books = org.api("finance_manager")

    def ids(**params):
        return {row["id"] for row in books.rows(EXPENSES, **params)}

    assert ids() == {mine.pk, draft.pk, theirs.pk}
    assert ids(status="draft") == {draft.pk}
    assert ids(category="freight") == {draft.pk}
    assert ids(claimant=org.users["north_rep"].pk) == {theirs.pk}
    assert ids(customer=org.customers["rep_own"].pk) == {mine.pk, draft.pk}
    assert ids(search=theirs.number) == {theirs.pk}
    for bad in ({"status": "lost"}, {"claimant": "me"}, {"incurred_from": "soon"}):
        assert books.get(EXPENSES, bad).status_code == 400, bad


# --- Who may do what -----------------------------------------------------------------------
def test_the_receipt_and_the_claim_only_for_who_sees_the_claim(sales_org):
    org = sales_org
    claim = _claim(
        org, submit=False, receipt=SimpleUploadedFile("slip.pdf", PDF, "application/pdf")
    )
    path = f"{EXPENSES}{claim.pk}/"

    for who in ("salesperson", "sales_manager", "finance_manager", "executive"):
        client = org.api(who)
        assert client.get(path).status_code == 200, who
        assert client.get(f"{path}receipt/").status_code == 200, who
    other_rep = org.api("north_rep")
    assert other_rep.get(path).status_code == 404
    assert other_rep.get(f"{path}receipt/").status_code == 404
    assert other_rep.post(f"{path}submit/").status_code == 404
    assert other_rep.patch(path, {"amount": "1.00"}).status_code == 404
    assert claim.pk not in {row["id"] for row in other_rep.rows(EXPENSES)}
    for who in ("dealer", "warehouse_manager"):
        client = org.api(who)
        for url in (EXPENSES, path, f"{path}receipt/"):
            assert client.get(url).status_code == 403, (who, url)
        assert client.post(EXPENSES, _body(org)).status_code == 403, who
    # Only the claimant changes or submits the claim.
    assert org.api("finance_manager").patch(path, {"amount": "1.00"}).status_code == 403
    assert org.api("finance_manager").post(f"{path}submit/").status_code == 403
    assert org.api("executive").post(EXPENSES, _body(org)).status_code == 403
    assert count_rows(org, ExpenseClaim) == 1
    assert count_rows(org, ExpenseClaim, pk=claim.pk, status="draft", amount=D("88.00")) == 1


def test_a_claim_without_a_receipt_has_none_to_read(sales_org):
    claim = _claim(sales_org, submit=False)
    rep = sales_org.api("salesperson")

    assert rep.get(f"{EXPENSES}{claim.pk}/").json()["has_receipt"] is False
    assert rep.get(f"{EXPENSES}{claim.pk}/receipt/").status_code == 404


def test_reviewers_never_review_their_own_claims_and_salespeople_review_none(sales_org):
    org = sales_org
    own = _claim(org, who="sales_manager", customer=None, branch=org.branches["east"])
    rep_claim = _claim(org)

    assert org.api("sales_manager").post(f"{EXPENSES}{own.pk}/approve/").status_code == 403
    assert org.api("salesperson").post(f"{EXPENSES}{rep_claim.pk}/approve/").status_code == 403
    assert org.api("sales_manager").post(f"{EXPENSES}{rep_claim.pk}/pay/").status_code == 403
    assert count_rows(org, ExpenseClaim, status="submitted") == 2


def test_an_api_key_claims_nothing(sales_org, api_key, api_client):
    client = api_client(sales_org.workspace, api_key(sales_org.workspace))

    response = client.post(EXPENSES, _body(sales_org))

    assert response.status_code == 403
    assert response.json()["message"] == "Expense claims are made by people, not API keys."
    assert count_rows(sales_org, ExpenseClaim) == 0


def test_another_workspace_sees_and_touches_none_of_the_claims(sales_org, beta_sales_org):
    org = sales_org
    claim = _claim(org, receipt=SimpleUploadedFile("slip.pdf", PDF, "application/pdf"))
    path = f"{EXPENSES}{claim.pk}/"
    beta = beta_sales_org.api("finance_manager")

    assert beta.count(EXPENSES) == 0
    assert beta.get(path).status_code == 404
    assert beta.get(f"{path}receipt/").status_code == 404
    assert beta.post(f"{path}approve/").status_code == 404
    assert beta.post(f"{path}pay/", {"reference": "x"}).status_code == 404
    assert beta.patch(path, {"amount": "1.00"}).status_code == 404
    assert count_rows(org, ExpenseClaim, pk=claim.pk, status="submitted") == 1
    assert count_rows(beta_sales_org, ExpenseClaim) == 0


# --- Lists and declarations ----------------------------------------------------------------
def test_the_expense_list_takes_the_same_queries_for_one_row_and_many(sales_org):
    org = sales_org
    _claim(org)
    books = org.api("finance_manager")

    def grow():
        _claim(org, submit=False)
        _claim(org, who="north_rep", customer="north")
        _claim(org, who="sales_manager", customer=None, branch=org.branches["east"])

    assert_list_queries(lambda: books.get(EXPENSES), grow, queries=8, size=list_count)


def test_every_declared_step_has_its_api_endpoint():
    routes = {action.url_path for action in ExpenseClaimViewSet.get_extra_actions()}
    for transition in expenses.LIFECYCLE:
        if transition.api_path is None:
            assert transition.name == "edit"  # PATCH /expenses/{id}/
        else:
            assert transition.api_path in routes, transition.name
