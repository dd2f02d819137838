"""`/api/v1/invoices/` and `/api/v1/credit-notes/`: drafts from an order (in parts) or
a shipped delivery, issued with a gap-free number and posted to the account, paid in
part, credited, cancelled; the filters; who may do what (salespeople read their
customers' invoices and create none, a dealer sees its own); bad input that writes
nothing; another workspace that sees nothing; pinned list queries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.settlement.api_support import (
    CREDIT_NOTES,
    INVOICES,
    PAYMENTS,
    D,
    counts,
    finance,
    issued,
    shipped_delivery,
)
from tests.settlement.conftest import confirmed_order, kettles
from tests.support.api import list_count
from tests.support.queries import assert_list_queries
from tradepost.audit.models import AuditEntry
from tradepost.settlement import invoices
from tradepost.settlement.api.invoices import CreditNoteViewSet, InvoiceViewSet
from tradepost.settlement.models import Invoice, InvoiceLine

YEAR = timezone.localdate().year


@pytest.fixture
def admin(sales_org, api_key, api_client):
    return api_client(sales_org.workspace, api_key(sales_org.workspace))


# --- The walk-through ------------------------------------------------------------------
def test_an_order_is_invoiced_in_parts_issued_and_paid_through_the_api(sales_org):
    org = sales_org
    books = org.api("finance_manager")
    order = confirmed_order(org, lines=kettles(org, "3"))
    with schema_context(org.schema):
        line = order.lines.get().pk

    made = books.post(
        INVOICES, {"order": order.pk, "lines": [{"order_line": line, "quantity": "1"}]}
    )

    assert made.status_code == 201, made.json()
    draft = made.json()
    assert (draft["status"], draft["kind"], draft["number"]) == ("draft", "invoice", "")
    assert draft["allowed_actions"] == ["edit", "issue", "cancel"]
    assert draft["customer"]["id"] == org.customers["rep_own"].pk
    assert (draft["open_amount"], draft["payment_state"]) == (None, None)
    assert draft["gross_total"] == "224.87"
    assert draft["tax_lines"] == [
        {
            "tax_rate": "13.00",
            "net_amount": "199.00",
            "tax_amount": "25.87",
            "gross_amount": "224.87",
        }
    ]
    assert [(row["order_line"], row["quantity"]) for row in draft["lines"]] == [(line, "1.000")]

    path = f"{INVOICES}{draft['id']}/"
    response = books.post(f"{path}issue/")
    assert response.status_code == 200, response.json()
    invoice = response.json()
    assert invoice["number"] == f"INV-{YEAR}-00001"
    assert invoice["status"] == "issued"
    assert invoice["due_date"] == (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    assert (invoice["open_amount"], invoice["payment_state"]) == ("224.87", "unpaid")
    assert invoice["allowed_actions"] == ["cancel"]

    paid = books.post(
        PAYMENTS,
        {"customer": org.customers["rep_own"].pk, "amount": "100.00", "reference": "BANK-7"},
    )
    assert paid.status_code == 201, paid.json()
    invoice = books.get(path).json()
    assert (invoice["open_amount"], invoice["payment_state"]) == ("124.87", "partially_paid")
    # Something is allocated to it: it cannot be cancelled now.
    assert invoice["allowed_actions"] == []
    refused = books.post(f"{path}cancel/", {"reason": "Wrong customer"})
    assert refused.status_code == 400
    assert refused.json()["errors"]["non_field_errors"] == [
        f"Payments or credits are allocated to {invoice['number']}: remove them first."
    ]

    # The rest of the order is left to invoice, and no more.
    rest = books.post(INVOICES, {"order": order.pk})
    assert rest.status_code == 201
    assert rest.json()["lines"][0]["quantity"] == "2.000"
    nothing = books.post(INVOICES, {"order": order.pk})
    assert nothing.status_code == 400
    assert nothing.json()["errors"]["lines"] == ["Nothing is left to invoice."]


def test_a_shipped_delivery_is_invoiced_whole(sales_org):
    books = sales_org.api("finance_manager")
    delivery = shipped_delivery(sales_org, quantity="2")

    made = books.post(INVOICES, {"delivery": delivery.pk, "notes": "Shipped by SF"})

    assert made.status_code == 201, made.json()
    invoice = made.json()
    assert (invoice["delivery"], invoice["order"]) == (delivery.pk, delivery.order_id)
    assert invoice["gross_total"] == "449.74"
    assert all(row["delivery_line"] is not None for row in invoice["lines"])
    again = books.post(INVOICES, {"delivery": delivery.pk})
    assert again.status_code == 400
    assert again.json()["errors"]["delivery"] == ["This delivery is invoiced already."]


def test_issuing_a_draft_dated_in_the_future_is_400_and_posts_nothing(sales_org):
    books = sales_org.api("finance_manager")
    order = confirmed_order(sales_org, lines=kettles(sales_org))
    draft = books.post(INVOICES, {"order": order.pk}).json()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    response = books.post(f"{INVOICES}{draft['id']}/issue/", {"issue_date": tomorrow})

    assert response.status_code == 400
    assert response.json()["errors"]["issue_date"] == ["An invoice cannot be dated in the future."]
    assert books.get(f"{INVOICES}{draft['id']}/").json()["status"] == "draft"
    assert counts(sales_org)[2] == 0


def test_an_issued_invoice_is_cancelled_with_a_reason_and_reversed(sales_org):
    books = sales_org.api("finance_manager")
    invoice = issued(sales_org)
    path = f"{INVOICES}{invoice.pk}/cancel/"

    without = books.post(path)
    assert without.status_code == 400
    assert without.json()["errors"]["reason"] == ["Say why the invoice is cancelled."]

    cancelled = books.post(path, {"reason": "Billed twice"})

    assert cancelled.status_code == 200, cancelled.json()
    body = cancelled.json()
    assert (body["status"], body["cancel_reason"], body["allowed_actions"]) == (
        "cancelled",
        "Billed twice",
        [],
    )
    assert body["payment_state"] is None
    again = books.post(path, {"reason": "Again"})
    assert again.status_code == 400 and "status" in again.json()["errors"]


# --- Changing a draft ---------------------------------------------------------------------
def _draft(org, quantity: str = "3", invoiced: str = "1"):
    """A confirmed order of `quantity` kettles and a draft invoicing `invoiced` of them."""
    order = confirmed_order(org, lines=kettles(org, quantity))
    with schema_context(org.schema):
        line = order.lines.get().pk
        draft = invoices.invoice_from_order(
            actor=finance(org), order=order, quantities={line: D(invoiced)}
        )
    return order, line, draft


def test_a_draft_changes_its_notes_and_quantities_never_past_the_order(sales_org):
    org = sales_org
    order, line, draft = _draft(org)
    books = org.api("finance_manager")
    path = f"{INVOICES}{draft.pk}/"

    changed = books.patch(
        path,
        {"notes": "PO 4711 采购单", "lines": [{"order_line": line, "quantity": "3"}]},
    )

    assert changed.status_code == 200, changed.json()
    body = changed.json()
    assert (body["status"], body["notes"]) == ("draft", "PO 4711 采购单")
    assert [(row["order_line"], row["quantity"]) for row in body["lines"]] == [(line, "3.000")]
    assert (body["net_total"], body["tax_total"], body["gross_total"]) == (
        "597.00",
        "77.61",
        "674.61",
    )
    assert body == books.get(path).json()
    # All three kettles are on this draft now: nothing is left for another invoice …
    rest = books.post(INVOICES, {"order": order.pk})
    assert rest.status_code == 400
    # … and the draft cannot take more than were ordered.
    over = books.patch(path, {"lines": [{"order_line": line, "quantity": "4"}]})
    assert over.status_code == 400
    assert over.json()["errors"]["lines"] == [
        f"{org.products['kettle'].sku}: at most 3 can still be invoiced."
    ]
    # Back to one kettle: two are left to invoice again.
    assert books.patch(path, {"lines": [{"order_line": line, "quantity": "1"}]}).status_code == 200
    assert books.post(INVOICES, {"order": order.pk}).json()["lines"][0]["quantity"] == "2.000"
    with schema_context(org.schema):
        entry = AuditEntry.objects.filter(action="invoice.updated").order_by("pk").first()
        assert entry is not None and entry.data["fields"] == ["lines", "notes"]


def test_changing_a_draft_counts_the_orders_other_invoices(sales_org):
    org = sales_org
    order, line, draft = _draft(org, quantity="3", invoiced="1")
    with schema_context(org.schema):
        invoices.invoice_from_order(actor=finance(org), order=order, quantities={line: D("2")})
    books = org.api("finance_manager")

    response = books.patch(
        f"{INVOICES}{draft.pk}/", {"lines": [{"order_line": line, "quantity": "2"}]}
    )

    assert response.status_code == 400
    assert "at most 1 can still be invoiced" in response.json()["errors"]["lines"][0]
    with schema_context(org.schema):
        assert InvoiceLine.objects.get(invoice=draft).quantity == D("1")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": [{"order_line": "LINE", "quantity": "-1"}]}, "lines[0].quantity"),
        ({"lines": [{"order_line": "LINE", "quantity": "0"}]}, "lines"),
        ({"lines": [{"order_line": 999999, "quantity": "1"}]}, "lines"),
        ({"lines": []}, "lines"),
        (
            {
                "lines": [
                    {"order_line": "LINE", "quantity": "1"},
                    {"order_line": "LINE", "quantity": "1"},
                ]
            },
            "lines",
        ),
        ({"due_date": "2030-01-01"}, "due_date"),
        ({"notes": 5}, "notes"),
    ],
)
def test_bad_changes_to_a_draft_are_400_and_change_nothing(sales_org, body, field):
    org = sales_org
    _order, line, draft = _draft(org)

    def fill(value):
        if value == "LINE":
            return line
        if isinstance(value, list):
            return [fill(item) for item in value]
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        return value

    response = org.api("finance_manager").patch(f"{INVOICES}{draft.pk}/", fill(body))

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    with schema_context(org.schema):
        kept = Invoice.objects.get(pk=draft.pk)
        assert (kept.gross_total, kept.notes) == (D("224.87"), "")
        assert [row.quantity for row in kept.lines.all()] == [D("1")]
        assert not AuditEntry.objects.filter(action="invoice.updated").exists()


def test_only_a_draft_is_changed(sales_org):
    invoice = issued(sales_org)
    books = sales_org.api("finance_manager")
    with schema_context(sales_org.schema):
        draft = invoices.invoice_from_order(
            actor=finance(sales_org), order=confirmed_order(sales_org, lines=kettles(sales_org))
        )
        cancelled = invoices.invoice_cancel(actor=finance(sales_org), invoice=draft)

    for document in (invoice, cancelled):
        response = books.patch(f"{INVOICES}{document.pk}/", {"notes": "Too late"})
        assert response.status_code == 400
        assert "status" in response.json()["errors"], response.json()
    with schema_context(sales_org.schema):
        assert not Invoice.objects.filter(notes="Too late").exists()


def test_a_deliverys_invoice_and_a_credit_note_keep_their_lines(sales_org):
    books = sales_org.api("finance_manager")
    delivery = shipped_delivery(sales_org)
    from_delivery = books.post(INVOICES, {"delivery": delivery.pk}).json()
    note = books.post(
        CREDIT_NOTES,
        {"customer": sales_org.customers["rep_own"].pk, "amount": "10.00", "reason": "Goodwill"},
    ).json()
    with schema_context(sales_org.schema):
        line = InvoiceLine.objects.filter(invoice_id=from_delivery["id"]).first().order_line_id
    change = {"lines": [{"order_line": line, "quantity": "1"}]}

    for path in (f"{INVOICES}{from_delivery['id']}/", f"{CREDIT_NOTES}{note['id']}/"):
        response = books.patch(path, change)
        assert response.status_code == 400, path
        assert "lines" in response.json()["errors"]
    # Their notes change like any draft's.
    noted = books.patch(f"{CREDIT_NOTES}{note['id']}/", {"notes": "Agreed on the phone"})
    assert noted.status_code == 200 and noted.json()["notes"] == "Agreed on the phone"
    assert books.get(f"{INVOICES}{from_delivery['id']}/").json()["gross_total"] == "449.74"


def test_only_finance_changes_a_draft_and_only_in_its_workspace(sales_org, beta_sales_org):
    org = sales_org
    _order, _line, draft = _draft(org)
    path = f"{INVOICES}{draft.pk}/"

    assert org.api("salesperson").patch(path, {"notes": "Mine"}).status_code == 403
    assert org.api("north_rep").patch(path, {"notes": "Mine"}).status_code == 403
    assert org.api("dealer").patch(path, {"notes": "Mine"}).status_code == 403
    assert org.api("warehouse_manager").patch(path, {"notes": "Mine"}).status_code == 403
    assert beta_sales_org.api("finance_manager").patch(path, {"notes": "Ours"}).status_code == 404
    with schema_context(org.schema):
        assert Invoice.objects.get(pk=draft.pk).notes == ""


# --- Credit notes ------------------------------------------------------------------------
def test_a_credit_note_against_an_invoice_settles_it_when_issued(sales_org):
    books = sales_org.api("finance_manager")
    invoice = issued(sales_org)
    body = {
        "customer": sales_org.customers["rep_own"].pk,
        "amount": "100.00",
        "reason": "Dented boxes",
        "tax_rate": "13",
        "credited_invoice": invoice.pk,
    }

    made = books.post(CREDIT_NOTES, body)

    assert made.status_code == 201, made.json()
    note = made.json()
    assert (note["kind"], note["status"], note["credited_invoice"]) == (
        "credit_note",
        "draft",
        invoice.pk,
    )
    assert (note["net_total"], note["tax_total"], note["gross_total"]) == (
        "88.50",
        "11.50",
        "100.00",
    )
    issued_note = books.post(f"{CREDIT_NOTES}{note['id']}/issue/")
    assert issued_note.status_code == 200, issued_note.json()
    assert issued_note.json()["number"] == f"CN-{YEAR}-00001"
    assert issued_note.json()["payment_state"] == "paid"  # used up on the invoice
    settled = books.get(f"{INVOICES}{invoice.pk}/").json()
    assert (settled["open_amount"], settled["payment_state"]) == ("349.74", "partially_paid")
    # Credit notes list only credit notes; invoices both (`?kind=` tells them apart).
    assert [row["id"] for row in books.rows(CREDIT_NOTES)] == [note["id"]]
    assert books.count(INVOICES) == 2
    assert [row["id"] for row in books.rows(INVOICES, kind="invoice")] == [invoice.pk]
    assert books.get(f"{CREDIT_NOTES}{invoice.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "500.00"}, "amount"),  # more than the invoice's 449.74
        ({"reason": ""}, "reason"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"tax_rate": "101"}, "tax_rate"),
        ({"currency": "XXX"}, "currency"),
        ({"credited_invoice": 999999}, "credited_invoice"),
        ({"customer": 999999}, "customer"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_credit_notes_are_400_and_nothing_is_written(sales_org, change, field):
    books = sales_org.api("finance_manager")
    invoice = issued(sales_org)
    before = counts(sales_org)
    body = {
        "customer": sales_org.customers["rep_own"].pk,
        "amount": "100.00",
        "reason": "Dented boxes",
        "credited_invoice": invoice.pk,
        **change,
    }

    response = books.post(CREDIT_NOTES, body)

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert counts(sales_org) == before


# --- Bad input ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({}, "non_field_errors", "Give an order or a delivery"),
        ({"order": "ORDER", "delivery": 999999}, "delivery", ""),
        (
            {"order": "ORDER", "lines": [{"order_line": "LINE", "quantity": "4"}]},
            "lines",
            "at most 3",
        ),
        (
            {"order": "ORDER", "lines": [{"order_line": 999999, "quantity": "1"}]},
            "lines",
            "not a line",
        ),
        (
            {
                "order": "ORDER",
                "lines": [
                    {"order_line": "LINE", "quantity": "1"},
                    {"order_line": "LINE", "quantity": "1"},
                ],
            },
            "lines",
            "given twice",
        ),
        ({"order": "ORDER", "lines": []}, "lines", ""),
        (
            {"order": "ORDER", "lines": [{"order_line": "LINE", "quantity": "-1"}]},
            "lines[0].quantity",
            "",
        ),
        ({"order": 999999}, "order", ""),
        ({"order": "ORDER", "number": "INV-1"}, "number", "Unknown field."),
    ],
)
def test_bad_invoices_are_400_and_nothing_is_written(sales_org, body, field, words):
    books = sales_org.api("finance_manager")
    order = confirmed_order(sales_org, lines=kettles(sales_org, "3"))
    with schema_context(sales_org.schema):
        line = order.lines.get().pk

    def fill(value):
        if value == "ORDER":
            return order.pk
        if value == "LINE":
            return line
        if isinstance(value, list):
            return [fill(item) for item in value]
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        return value

    response = books.post(INVOICES, fill(body))

    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert field in errors, errors
    assert words in " ".join(errors[field])
    assert counts(sales_org) == (0, 0, 0)


def test_an_order_not_confirmed_cannot_be_invoiced(sales_org):
    from tests.settlement.conftest import approved_order

    books = sales_org.api("finance_manager")
    order = approved_order(sales_org)

    response = books.post(INVOICES, {"order": order.pk})

    assert response.status_code == 400
    assert response.json()["errors"]["order"] == ["Only confirmed orders can be invoiced."]
    assert counts(sales_org)[0] == 0


# --- Filters -----------------------------------------------------------------------------
def test_invoices_filter_by_customer_status_date_and_overdue(sales_org, admin):
    old = issued(sales_org, days_ago=45)  # due 15 days ago: overdue
    recent = issued(sales_org, "north")
    order = confirmed_order(sales_org, lines=kettles(sales_org))
    with schema_context(sales_org.schema):
        draft = invoices.invoice_from_order(actor=finance(sales_org), order=order)

    def ids(**params):
        return {row["id"] for row in admin.rows(INVOICES, **params)}

    assert ids() == {old.pk, recent.pk, draft.pk}
    assert ids(overdue="true") == {old.pk}
    assert ids(overdue="false") == {recent.pk, draft.pk}
    assert ids(status="draft") == {draft.pk}
    assert ids(customer=sales_org.customers["north"].pk) == {recent.pk}
    assert ids(order=order.pk) == {draft.pk}
    since = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    assert ids(issued_from=since) == {recent.pk}
    assert ids(issued_to=since) == {old.pk}
    assert ids(number=recent.number) == {recent.pk}
    assert ids(search="Jinghua") == {recent.pk}
    for bad in (
        {"overdue": "maybe"},
        {"customer": "x"},
        {"status": "paid"},
        {"issued_from": "soon"},
    ):
        assert admin.get(INVOICES, bad).status_code == 400, bad


# --- Who may do what -----------------------------------------------------------------------
def test_a_salesperson_reads_their_customers_invoices_and_creates_none(sales_org):
    own = issued(sales_org)
    other = issued(sales_org, "north")
    rep = sales_org.api("salesperson")
    order = confirmed_order(sales_org, lines=kettles(sales_org))
    before = counts(sales_org)

    assert [row["id"] for row in rep.rows(INVOICES)] == [own.pk]
    assert rep.get(f"{INVOICES}{other.pk}/").status_code == 404
    assert rep.get(f"{INVOICES}{own.pk}/").json()["allowed_actions"] == []
    assert rep.post(INVOICES, {"order": order.pk}).status_code == 403
    assert rep.post(f"{INVOICES}{own.pk}/cancel/", {"reason": "No"}).status_code == 403
    body = {"customer": sales_org.customers["rep_own"].pk, "amount": "1.00", "reason": "x"}
    assert rep.post(CREDIT_NOTES, body).status_code == 403
    assert counts(sales_org) == before


def test_a_dealer_sees_only_its_own_invoices(sales_org):
    own = issued(sales_org, "dealer")
    issued(sales_org)
    dealer = sales_org.api("dealer")

    assert [row["id"] for row in dealer.rows(INVOICES)] == [own.pk]
    assert dealer.get(f"{INVOICES}{own.pk}/").json()["customer"]["id"] == (
        sales_org.customers["dealer"].pk
    )
    assert dealer.post(f"{INVOICES}{own.pk}/cancel/", {"reason": "x"}).status_code == 403


def test_a_warehouse_manager_reads_no_invoices(sales_org):
    invoice = issued(sales_org)
    warehouse = sales_org.api("warehouse_manager")

    assert warehouse.get(INVOICES).status_code == 403
    assert warehouse.get(f"{INVOICES}{invoice.pk}/").status_code == 403
    assert warehouse.post(f"{INVOICES}{invoice.pk}/cancel/", {"reason": "x"}).status_code == 403


def test_another_workspace_sees_none_of_the_invoices(sales_org, beta, api_key, api_client):
    invoice = issued(sales_org)
    order = confirmed_order(sales_org, lines=kettles(sales_org))
    beta_admin = api_client(beta, api_key(beta))

    assert beta_admin.count(INVOICES) == 0
    assert beta_admin.count(CREDIT_NOTES) == 0
    for path in ("", "pdf/"):
        assert beta_admin.get(f"{INVOICES}{invoice.pk}/{path}").status_code == 404
    cancel = beta_admin.post(f"{INVOICES}{invoice.pk}/cancel/", {"reason": "Mine now"})
    assert cancel.status_code == 404
    made = beta_admin.post(INVOICES, {"order": order.pk})
    assert made.status_code == 400 and "order" in made.json()["errors"]
    with schema_context(sales_org.schema):
        assert Invoice.objects.get(pk=invoice.pk).status == "issued"
        assert Invoice.objects.count() == 1


def test_an_invoice_and_a_credit_note_download_as_pdfs(sales_org):
    invoice = issued(sales_org)
    with schema_context(sales_org.schema):
        note = invoices.credit_note_create(
            actor=finance(sales_org),
            customer=sales_org.customers["rep_own"],
            amount=D("10.00"),
            reason="Goodwill",
        )
    books = sales_org.api("finance_manager")

    for path, filename in (
        (f"{INVOICES}{invoice.pk}/pdf/", f"{invoice.number}.pdf"),
        (f"{CREDIT_NOTES}{note.pk}/pdf/", f"invoice-draft-{note.pk}.pdf"),
    ):
        response = books.get(path, HTTP_ACCEPT="application/json")
        assert response.status_code == 200, path
        assert response["Content-Type"] == "application/pdf"
        assert filename in response["Content-Disposition"]
        assert response.content.startswith(b"%PDF")
    # Out of scope is missing: a salesperson of other customers, a warehouse with no
    # invoice permission.
    other = issued(sales_org, "north")
    assert sales_org.api("salesperson").get(f"{INVOICES}{other.pk}/pdf/").status_code == 404
    assert sales_org.api("warehouse_manager").get(f"{INVOICES}{other.pk}/pdf/").status_code == 403


# --- Lists and declarations -------------------------------------------------------------
@pytest.mark.parametrize(("path", "queries"), [(INVOICES, 4), (CREDIT_NOTES, 4)])
def test_invoice_lists_take_the_same_queries_for_one_row_and_many(sales_org, admin, path, queries):
    def note(index: int) -> None:
        with schema_context(sales_org.schema):
            draft = invoices.credit_note_create(
                actor=finance(sales_org),
                customer=sales_org.customers["rep_own"],
                amount=D("10.00") + index,
                reason=f"Goodwill {index}",
                tax_rate=D("13"),
            )
            if index % 2:
                invoices.invoice_issue(actor=finance(sales_org), invoice=draft)

    def grow() -> None:
        for index in range(1, 4):
            issued(sales_org, "north" if index % 2 else "rep_own")
            note(index)

    issued(sales_org)
    note(0)
    assert_list_queries(lambda: admin.get(path), grow, queries=queries, size=list_count)


@pytest.mark.parametrize("viewset", [InvoiceViewSet, CreditNoteViewSet])
def test_every_declared_step_has_its_api_endpoint(viewset):
    routes = {action.url_path for action in viewset.get_extra_actions()}
    for transition in invoices.LIFECYCLE:
        if transition.api_path is None:
            assert transition.name == "edit"  # PATCH on the draft
            assert "patch" in viewset.http_method_names
        else:
            assert transition.api_path in routes, transition.name
