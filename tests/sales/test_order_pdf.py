"""The order confirmation PDF: the order's number, dates, lines and totals on the
quote's layout; from the order page and the API; only for who may see the order."""

from __future__ import annotations

from decimal import Decimal

from django_tenants.utils import schema_context

from tests.support import factories
from tradepost.sales import orders
from tradepost.sales.models import Order
from tradepost.sales.pdf import order_pdf, order_pdf_content


def _confirmed(org) -> Order:
    order = factories.order(
        org, lines=[{"product": org.products["kettle"], "quantity": Decimal("3")}]
    )
    with schema_context(org.schema):
        order = orders.order_submit(actor=org.owner, order=order)
        order = orders.order_approve(actor=org.owner, order=order, comment="")
        order = orders.order_confirm(actor=org.owner, order=order)
        return Order.objects.get(pk=order.pk)


def test_the_confirmation_carries_the_number_lines_and_totals(sales_org):
    order = _confirmed(sales_org)
    with schema_context(sales_org.schema):
        order = Order.objects.select_related("customer", "owner").get(pk=order.pk)
        content = order_pdf_content(order)
        raw = order_pdf(order, compress=False)

    assert content.title == f"Order confirmation {order.number}"
    assert ("Order no.", order.number) in content.details
    assert ("Order date", order.order_date.isoformat()) in content.details
    (kettle,) = content.rows
    assert kettle[2] == "3 pcs"
    assert content.totals[-1] == ("Total incl. tax", f"{order.gross_total:,.2f} CNY")
    assert raw.startswith(b"%PDF") and f"({order.number})".encode() in raw


def test_the_order_page_and_the_api_give_the_pdf_to_who_may_see_the_order(
    sales_org, beta_sales_org
):
    order = _confirmed(sales_org)

    page = sales_org.client("owner").get(f"/sales/orders/{order.pk}/").content.decode()
    assert f'href="/sales/orders/{order.pk}/pdf/"' in page
    download = sales_org.client("warehouse_manager").get(f"/sales/orders/{order.pk}/pdf/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'inline; filename="{order.number}.pdf"'
    api = sales_org.api("owner").get(f"/api/v1/orders/{order.pk}/pdf/")
    assert api.status_code == 200 and api.content.startswith(b"%PDF")
    assert api["Content-Disposition"] == f'attachment; filename="{order.number}.pdf"'

    # Out of scope, another workspace, a role without orders: no PDF.
    assert sales_org.client("north_rep").get(f"/sales/orders/{order.pk}/pdf/").status_code == 404
    assert beta_sales_org.client("owner").get(f"/sales/orders/{order.pk}/pdf/").status_code == 404
    assert sales_org.client("dealer").get(f"/sales/orders/{order.pk}/pdf/").status_code == 404
    no_orders = sales_org.client("customer_information_manager")  # no sales permissions
    assert no_orders.get(f"/sales/orders/{order.pk}/pdf/").status_code == 403


def test_an_order_without_its_number_prints_its_id(sales_org):
    order = factories.order(sales_org)
    response = sales_org.client("owner").get(f"/sales/orders/{order.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'inline; filename="order-{order.pk}.pdf"'


def test_a_confirmed_order_is_e_mailed_to_the_customer(
    sales_org, django_capture_on_commit_callbacks
):
    from django.core import mail

    from tests.support.factories import count_rows
    from tradepost.audit.models import AuditEntry

    order = _confirmed(sales_org)
    client = sales_org.client("owner")

    assert (
        "E-mail the confirmation to the customer"
        in client.get(f"/sales/orders/{order.pk}/").content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/sales/orders/{order.pk}/email/", {"to": "buyer@mingda.example", "message": "谢谢"}
        )
    assert response.status_code == 302
    (sent,) = mail.outbox
    assert sent.to == ["buyer@mingda.example"] and order.number in sent.subject
    ((name, content, mimetype),) = sent.attachments
    assert (name, mimetype) == (f"{order.number}.pdf", "application/pdf")
    assert content.startswith(b"%PDF") and "谢谢" in sent.body
    assert count_rows(sales_org, AuditEntry, action="order.emailed") == 1

    # Bad input, a draft, a role that may not change orders, another workspace: refused.
    assert client.post(f"/sales/orders/{order.pk}/email/", {"to": "x"}).status_code == 400
    draft = factories.order(sales_org)
    api = sales_org.api("owner")
    refused = api.post(f"/api/v1/orders/{draft.pk}/email/", {"to": "a@b.example"})
    assert refused.status_code == 400 and "status" in refused.json()["errors"]
    warehouse = sales_org.client("warehouse_manager")
    assert (
        warehouse.post(f"/sales/orders/{order.pk}/email/", {"to": "a@b.example"}).status_code == 403
    )
    assert len(mail.outbox) == 1
    assert count_rows(sales_org, AuditEntry, action="order.emailed") == 1
    reload = client.get(f"/sales/orders/{order.pk}/email/")
    assert (reload.status_code, reload["Location"]) == (302, f"/sales/orders/{order.pk}/")
