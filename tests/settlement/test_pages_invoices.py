"""Invoice pages: invoicing a confirmed order in parts from its page, issuing and
cancelling with the buttons, the invoice PDF (Chinese included, bank accounts), a
credit note, invoicing a shipped delivery; bad input is 400 with nothing written;
who sees and makes which invoice; another workspace sees nothing; list query counts."""

from __future__ import annotations

from decimal import Decimal

from django_tenants.utils import schema_context

from tests.settlement.conftest import confirmed_order, kettles
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.inventory import deliveries
from tradepost.masterdata.models import BankAccount, CompanyProfile
from tradepost.settlement import invoices
from tradepost.settlement.models import Invoice, LedgerEntry
from tradepost.settlement.pdf import invoice_content, invoice_pdf

D = Decimal


def _issued(org, order, quantities=None) -> Invoice:
    with schema_context(org.schema):
        finance = org.users["finance_manager"]
        draft = invoices.invoice_from_order(actor=finance, order=order, quantities=quantities)
        return invoices.invoice_issue(actor=finance, invoice=draft)


def _id(response) -> int:
    return int(response["Location"].rstrip("/").split("/")[-1])


def test_finance_invoices_an_order_in_parts_issues_and_prints_it(sales_org):
    org = sales_org
    order = confirmed_order(org, lines=kettles(org, "3"))
    with schema_context(org.schema):
        line = order.lines.get()
    client = org.client("finance_manager")
    page = client.get(f"/sales/orders/{order.pk}/").content.decode()
    assert f'href="/finance/invoices/new/order/{order.pk}/"' in page
    assert "Credit position" in page and "Orders not invoiced" in page

    form = client.get(f"/finance/invoices/new/order/{order.pk}/").content.decode()
    assert f'name="line-{line.pk}" value="3"' in form
    response = client.post(f"/finance/invoices/new/order/{order.pk}/", {f"line-{line.pk}": "1"})
    assert response.status_code == 302, response.content.decode()[:3000]
    invoice_id = _id(response)
    detail = client.get(f"/finance/invoices/{invoice_id}/").content.decode()
    assert ">Issue</button>" in detail and "224.87" in detail
    assert f'href="/finance/invoices/{invoice_id}/pdf/"' in detail and "Print PDF" in detail
    assert "13%" in detail  # the tax line per rate

    assert client.post(f"/finance/invoices/{invoice_id}/issue/").status_code == 302
    # A GET of the step URL goes back to the page, never a dead end.
    assert client.get(f"/finance/invoices/{invoice_id}/issue/").status_code == 302
    with schema_context(org.schema):
        invoice = Invoice.objects.get(pk=invoice_id)
        assert invoice.status == "issued" and invoice.number.startswith("INV-")
    issued = client.get(f"/finance/invoices/{invoice_id}/").content.decode()
    assert invoice.number in issued and ">Issue</button>" not in issued
    assert "Open amount" in issued and "Record payment" in issued
    # The rest of the order is still there to invoice.
    rest = client.get(f"/finance/invoices/new/order/{order.pk}/").content.decode()
    assert f'name="line-{line.pk}" value="2"' in rest

    pdf = client.get(f"/finance/invoices/{invoice_id}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'inline; filename="{invoice.number}.pdf"'

    # Cancel: an issued invoice needs a reason; then a cancellation entry reverses it.
    refused = client.post(f"/finance/invoices/{invoice_id}/cancel/", {"reason": ""})
    assert refused.status_code == 400 and "Say why the invoice is cancelled." in (
        refused.content.decode()
    )
    assert count_rows(org, Invoice, pk=invoice_id, status="issued") == 1
    done = client.post(f"/finance/invoices/{invoice_id}/cancel/", {"reason": "Wrong price"})
    assert done.status_code == 302
    assert count_rows(org, Invoice, pk=invoice_id, status="cancelled") == 1
    assert count_rows(org, LedgerEntry, kind="cancellation") == 1


def test_the_invoice_pdf_has_the_company_bank_and_chinese_text(sales_org):
    org = sales_org
    invoice = _issued(org, confirmed_order(org, lines=kettles(org, "2")))
    with schema_context(org.schema):
        profile, _created = CompanyProfile.objects.get_or_create(
            defaults={"name": "Tradepost 贸易"}
        )
        BankAccount.objects.create(
            company=profile,
            bank_name="招商银行 China Merchants Bank",
            account_name="Tradepost",
            account_number="6225-8888",
            currency="CNY",
        )
        invoice = Invoice.objects.select_related("customer", "order").get(pk=invoice.pk)
        content = invoice_content(invoice)
        raw = invoice_pdf(invoice, compress=False)
    assert content.title == f"Invoice {invoice.number}"
    assert ("Due", invoice.due_date.isoformat()) in content.details
    assert content.rows[0][1].startswith("KT-1 ") and content.rows[0][5] == "398.00"
    assert content.extra == [("Tax 13% on 398.00", "51.74")]
    assert ("Total incl. tax", "449.74 CNY") in content.totals
    assert any("6225-8888" in line for line in content.notes.splitlines())
    assert raw.startswith(b"%PDF") and b"+WenQuanYiMicroHei" in raw and b"(449.74 CNY)" in raw


def test_amounts_have_thousands_separators(sales_org):
    org = sales_org
    invoice = _issued(org, confirmed_order(org, lines=kettles(org, "1000")))
    client = org.client("finance_manager")
    listing = client.get("/finance/invoices/").content.decode()
    assert "224,870.00" in listing and "224870.00" not in listing
    detail = client.get(f"/finance/invoices/{invoice.pk}/").content.decode()
    assert "224,870.00" in detail and "199,000.00" in detail


def test_a_shipped_delivery_is_invoiced_from_its_page(sales_org):
    org = sales_org
    order = confirmed_order(org, lines=kettles(org, "3"))
    with schema_context(org.schema):
        line = order.lines.get()
        delivery = deliveries.delivery_create(
            actor=org.owner, order=order, quantities={line.pk: D("2")}
        )
    client = org.client("finance_manager")
    picking = client.get(f"/inventory/deliveries/{delivery.pk}/").content.decode()
    assert f"/finance/invoices/new/delivery/{delivery.pk}/" not in picking
    refused = client.post(f"/finance/invoices/new/delivery/{delivery.pk}/", {})
    assert refused.status_code == 400 and count_rows(org, Invoice) == 0
    with schema_context(org.schema):
        deliveries.delivery_ship(actor=org.owner, delivery=delivery)
    shipped = client.get(f"/inventory/deliveries/{delivery.pk}/").content.decode()
    assert f'href="/finance/invoices/new/delivery/{delivery.pk}/"' in shipped
    response = client.post(f"/finance/invoices/new/delivery/{delivery.pk}/", {})
    assert response.status_code == 302
    with schema_context(org.schema):
        invoice = Invoice.objects.get(pk=_id(response))
        assert invoice.delivery_id == delivery.pk and invoice.lines.get().quantity == 2
    again = client.post(f"/finance/invoices/new/delivery/{delivery.pk}/", {})
    assert again.status_code == 400 and "invoiced already" in again.content.decode()
    assert count_rows(org, Invoice) == 1


def test_a_credit_note_from_the_customers_account(sales_org):
    org = sales_org
    invoice = _issued(org, confirmed_order(org, lines=kettles(org, "2")))
    customer = org.customers["rep_own"]
    client = org.client("finance_manager")
    url = f"/finance/invoices/new/credit-note/{customer.pk}/"
    assert client.get(f"{url}?invoice={invoice.pk}").status_code == 200
    response = client.post(
        url,
        {
            "amount": "100",
            "tax_rate": "13",
            "reason": "Damaged 破损",
            "credited_invoice": invoice.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    note_id = _id(response)
    assert client.post(f"/finance/invoices/{note_id}/issue/").status_code == 302
    page = client.get(f"/finance/invoices/{invoice.pk}/").content.decode()
    assert "349.74" in page  # 449.74 less the credit note's 100.00
    with schema_context(org.schema):
        note = Invoice.objects.get(pk=note_id)
        assert (note.status, note.credited_invoice_id, note.gross_total) == (
            "issued",
            invoice.pk,
            D("100.00"),
        )


def test_bad_invoice_input_is_400_and_writes_nothing(sales_org):
    org = sales_org
    order = confirmed_order(org, lines=kettles(org, "3"))
    with schema_context(org.schema):
        line = order.lines.get()
    client = org.client("finance_manager")
    url = f"/finance/invoices/new/order/{order.pk}/"
    for data in (
        {f"line-{line.pk}": "5"},  # more than ordered
        {f"line-{line.pk}": "-1"},
        {f"line-{line.pk}": "two"},
        {f"line-{line.pk}": "0"},  # nothing
        {f"line-{line.pk}": "1", "notes": "x" * 2001},
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert 'role="alert"' in response.content.decode(), data
    assert (
        "KT-1: at most 3 can still be invoiced."
        in client.post(url, {f"line-{line.pk}": "5"}).content.decode()
    )
    customer = org.customers["rep_own"]
    note_url = f"/finance/invoices/new/credit-note/{customer.pk}/"
    for data in (
        {"amount": "10", "tax_rate": "0", "reason": ""},
        {"amount": "-10", "tax_rate": "0", "reason": "x"},
        {"amount": "ten", "tax_rate": "0", "reason": "x"},
        {"amount": "10", "tax_rate": "101", "reason": "x"},
    ):
        assert client.post(note_url, data).status_code == 400, data
    assert count_rows(org, Invoice) == 0


def test_who_sees_and_makes_which_invoice(sales_org, beta_sales_org):
    org = sales_org
    own = _issued(org, confirmed_order(org, lines=kettles(org, "1")))
    north = _issued(org, confirmed_order(org, "north", lines=kettles(org, "1")))
    dealers = _issued(org, confirmed_order(org, "dealer", lines=kettles(org, "1")))
    rep = org.client("salesperson")
    listing = rep.get("/finance/invoices/").content.decode()
    assert own.number in listing and north.number not in listing
    assert rep.get(f"/finance/invoices/{north.pk}/").status_code == 404
    assert rep.get(f"/finance/invoices/{own.pk}/pdf/").status_code == 200
    # A salesperson reads, never makes or changes.
    order = confirmed_order(org, lines=kettles(org, "1"))
    assert rep.get(f"/finance/invoices/new/order/{order.pk}/").status_code == 403
    assert rep.post(f"/finance/invoices/new/order/{order.pk}/", {}).status_code == 403
    assert rep.post(f"/finance/invoices/{own.pk}/cancel/", {"reason": "x"}).status_code == 403
    assert count_rows(org, Invoice, pk=own.pk, status="issued") == 1
    assert ">Issue</button>" not in rep.get(f"/finance/invoices/{own.pk}/").content.decode()
    assert "Invoice</a>" not in rep.get(f"/sales/orders/{order.pk}/").content.decode()

    dealer = org.client("dealer")
    mine = dealer.get("/finance/invoices/").content.decode()
    assert dealers.number in mine and own.number not in mine
    assert dealer.get(f"/finance/invoices/{dealers.pk}/pdf/").status_code == 200
    assert dealer.get(f"/finance/invoices/{own.pk}/").status_code == 404

    assert org.client("warehouse_manager").get("/finance/invoices/").status_code == 403

    beta = beta_sales_org.client("finance_manager")
    assert beta.get(f"/finance/invoices/{own.pk}/").status_code == 404
    assert beta.get(f"/finance/invoices/{own.pk}/pdf/").status_code == 404
    assert beta.post(f"/finance/invoices/{own.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert beta.get(f"/finance/invoices/new/order/{order.pk}/").status_code == 404
    assert own.number not in beta.get("/finance/invoices/").content.decode()
    assert count_rows(org, Invoice, pk=own.pk, status="issued") == 1


def test_the_invoice_list_runs_the_same_queries_for_many_rows(sales_org):
    org = sales_org
    _issued(org, confirmed_order(org, lines=kettles(org, "1")))
    client = org.client("finance_manager")

    def grow():
        for customer in ("north", "dealer", "rep_own"):
            _issued(org, confirmed_order(org, customer, lines=kettles(org, "1")))

    response = assert_list_queries(
        lambda: client.get("/finance/invoices/?overdue=&status=issued"),
        grow,
        queries=QUERIES_INVOICE_LIST,
        size=lambda response: response.content.decode().count("<tr"),
    )
    assert response.content.decode().count("INV-") >= 4


QUERIES_INVOICE_LIST = 8


def test_the_finance_pages_and_pdf_in_chinese(sales_org):
    org = sales_org
    invoice = _issued(org, confirmed_order(org, lines=kettles(org, "2")))
    customer = org.customers["rep_own"]
    client = org.client("finance_manager")
    client.cookies["django_language"] = "zh-hans"
    for url in (
        "/finance/invoices/",
        f"/finance/invoices/{invoice.pk}/",
        "/finance/payments/",
        f"/finance/payments/new/?customer={customer.pk}",
        "/finance/receivables/",
        "/finance/receivables/overdue/",
        f"/finance/receivables/{customer.pk}/",
        f"/finance/receivables/{customer.pk}/statement/",
        "/finance/exchange-rates/",
        "/finance/settings/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="zh-hans">' in response.content.decode(), url
    pdf = client.get(f"/finance/invoices/{invoice.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    statement = client.get(f"/finance/receivables/{customer.pk}/statement/pdf/")
    assert statement.status_code == 200 and statement.content.startswith(b"%PDF")


# --- Changing a draft ----------------------------------------------------------------------
def _draft(org, quantity="3", invoiced="1"):
    order = confirmed_order(org, lines=kettles(org, quantity))
    with schema_context(org.schema):
        line = order.lines.get()
        draft = invoices.invoice_from_order(
            actor=org.users["finance_manager"], order=order, quantities={line.pk: D(invoiced)}
        )
    return order, line, draft


def test_finance_changes_a_drafts_notes_and_quantities_from_its_page(sales_org):
    org = sales_org
    _order, line, draft = _draft(org)
    client = org.client("finance_manager")
    detail = client.get(f"/finance/invoices/{draft.pk}/").content.decode()
    assert f'href="/finance/invoices/{draft.pk}/edit/"' in detail
    form = client.get(f"/finance/invoices/{draft.pk}/edit/").content.decode()
    assert f'name="line-{line.pk}" value="1"' in form  # what is on the draft now
    assert 'name="notes"' in form

    done = client.post(
        f"/finance/invoices/{draft.pk}/edit/", {f"line-{line.pk}": "3", "notes": "PO 4711"}
    )

    assert done.status_code == 302 and done["Location"] == f"/finance/invoices/{draft.pk}/"
    with schema_context(org.schema):
        changed = Invoice.objects.get(pk=draft.pk)
        assert (changed.notes, changed.gross_total, changed.status) == (
            "PO 4711",
            D("674.61"),
            "draft",
        )
        assert [row.quantity for row in changed.lines.all()] == [D("3")]


def test_a_draft_never_takes_more_than_ordered_and_bad_input_writes_nothing(sales_org):
    org = sales_org
    _order, line, draft = _draft(org)
    client = org.client("finance_manager")
    for value, message in (
        ("4", "at most 3 can still be invoiced"),
        ("0", "Keep at least one line on the draft, or cancel it."),
        ("abc", "enter a quantity of zero or more"),
    ):
        response = client.post(
            f"/finance/invoices/{draft.pk}/edit/", {f"line-{line.pk}": value, "notes": "x"}
        )
        assert response.status_code == 400, value
        assert message in response.content.decode(), value
    with schema_context(org.schema):
        kept = Invoice.objects.get(pk=draft.pk)
        assert (kept.notes, kept.gross_total) == ("", D("224.87"))


def test_only_finance_changes_a_draft_and_only_while_it_is_one(sales_org, beta_sales_org):
    org = sales_org
    _order, line, draft = _draft(org)
    url = f"/finance/invoices/{draft.pk}/edit/"
    for who in ("salesperson", "dealer", "warehouse_manager"):
        assert org.client(who).get(url).status_code == 403, who
        assert org.client(who).post(url, {f"line-{line.pk}": "3"}).status_code == 403, who
    assert beta_sales_org.client("finance_manager").get(url).status_code == 404
    assert beta_sales_org.client("finance_manager").post(url, {"notes": "x"}).status_code == 404
    with schema_context(org.schema):
        invoices.invoice_issue(actor=org.users["finance_manager"], invoice=draft)
    client = org.client("finance_manager")
    refused = client.post(url, {f"line-{line.pk}": "3", "notes": "Late"})
    assert refused.status_code == 302 and refused["Location"] == f"/finance/invoices/{draft.pk}/"
    page = client.get(refused["Location"]).content.decode()
    assert "Only a draft can be changed." in page and f'href="{url}"' not in page
    assert count_rows(org, Invoice, pk=draft.pk, notes="", gross_total=D("224.87")) == 1
