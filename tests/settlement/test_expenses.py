"""Sales expense claims: a salesperson claims against a customer of theirs with the
receipt, a manager who sees the customer approves (never their own claim), finance
pays; bad receipts and bad input are refused with nothing written."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context

from tradepost.settlement import expenses
from tradepost.settlement.models import ExpenseClaim

D = Decimal
TODAY = timezone.localdate()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _claim(org, who="salesperson", customer="rep_own", **fields):
    values = {
        "description": "Dinner with the buyer 客户晚餐",
        "amount": D("380.00"),
        "incurred_on": TODAY,
        "category": "entertainment",
        "customer": org.customers[customer] if customer else None,
        **fields,
    }
    return expenses.expense_create(actor=org.users[who], **values)


def test_a_claim_goes_from_the_salesperson_to_the_manager_to_finance(sales_org):
    org = sales_org
    with schema_context(org.schema):
        claim = _claim(org, receipt=SimpleUploadedFile("slip.pdf", PDF, "application/pdf"))
        assert claim.number.startswith("EX-") and claim.status == "draft"
        assert claim.receipt.name.startswith("expenses/") and claim.receipt.name.endswith(".pdf")
        claim = expenses.expense_submit(actor=org.users["salesperson"], claim=claim)
        with pytest.raises(PermissionDenied):  # finance pays only what was approved …
            expenses.expense_pay(actor=org.users["salesperson"], claim=claim)
        manager = org.users["sales_manager"]  # East: sees the Shanghai customer
        claim = expenses.expense_approve(actor=manager, claim=claim, comment="OK")
        assert (claim.status, claim.reviewed_by) == ("approved", manager)
        claim = expenses.expense_pay(
            actor=org.users["finance_manager"], claim=claim, reference="BANK 88"
        )
        assert claim.status == "paid" and claim.payment_reference == "BANK 88"


def test_nobody_approves_their_own_claim(sales_org):
    org = sales_org
    with schema_context(org.schema):
        claim = _claim(org, who="sales_manager", customer=None, branch=org.branches["east"])
        claim = expenses.expense_submit(actor=org.users["sales_manager"], claim=claim)
        with pytest.raises(PermissionDenied):
            expenses.expense_approve(actor=org.users["sales_manager"], claim=claim)
        rejected = expenses.expense_reject(
            actor=org.users["finance_manager"], claim=claim, comment="No receipt 无发票"
        )
        assert rejected.status == "rejected"
        # The claimant corrects it and submits again.
        fixed = expenses.expense_update(
            actor=org.users["sales_manager"],
            claim=rejected,
            receipt=SimpleUploadedFile("slip.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20),
        )
        assert expenses.expense_submit(actor=org.users["sales_manager"], claim=fixed).status == (
            "submitted"
        )


def test_claims_are_seen_by_their_claimant_reviewers_in_scope_and_finance(sales_org):
    org = sales_org
    with schema_context(org.schema):
        mine = _claim(org)
        north = _claim(org, who="north_rep", customer="north")
        assert set(expenses.expenses_visible_to(org.users["salesperson"])) == {mine}
        assert set(expenses.expenses_visible_to(org.users["sales_manager"])) == {mine}
        assert set(expenses.expenses_visible_to(org.users["finance_manager"])) == {mine, north}
        assert not expenses.expenses_visible_to(org.users["dealer"]).exists()
        north = expenses.expense_submit(actor=org.users["north_rep"], claim=north)
        with pytest.raises(PermissionDenied):  # East's manager does not see North's customer
            expenses.expense_approve(actor=org.users["sales_manager"], claim=north)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"description": " "}, "description"),
        ({"amount": D("0")}, "amount"),
        ({"amount": D("1.234")}, "amount"),
        ({"incurred_on": TODAY + datetime.timedelta(days=1)}, "incurred_on"),
        ({"category": "yacht"}, "category"),
        ({"customer": None}, "customer"),  # nothing it was for
        ({"receipt": SimpleUploadedFile("x.exe", b"MZ\x90\x00" * 4)}, "receipt"),
        ({"receipt": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (5 * 2**20))}, "receipt"),
    ],
)
def test_bad_claims_are_refused_and_nothing_is_written(sales_org, fields, field):
    org = sales_org
    with schema_context(org.schema):
        with pytest.raises(ValidationError) as refused:
            _claim(org, **fields)
        assert field in refused.value.message_dict
        assert not ExpenseClaim.objects.exists()


def test_a_claim_on_someone_elses_customer_is_refused(sales_org):
    org = sales_org
    with schema_context(org.schema):
        with pytest.raises(ValidationError):
            _claim(org, customer="north")
        with pytest.raises(PermissionDenied):
            _claim(org, who="dealer", customer="dealer")
        assert not ExpenseClaim.objects.exists()


def test_another_workspace_sees_no_claims(sales_org, beta_sales_org):
    with schema_context(sales_org.schema):
        _claim(sales_org)
    with schema_context(beta_sales_org.schema):
        assert not ExpenseClaim.objects.exists()
        assert not expenses.expenses_visible_to(beta_sales_org.users["finance_manager"]).exists()
