"""E-mailing a quote: the PDF goes to the address given, in the background; a draft is
marked as sent; the quote's history records it; bad input, a user who may not send
quotes, another workspace's quote and a closed quote are refused with nothing sent."""

from __future__ import annotations

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from tests.support import factories
from tests.support.factories import count_rows
from tradepost.audit.models import AuditEntry
from tradepost.sales.models import Quote


def _emailed(org, quote) -> int:
    return count_rows(org, AuditEntry, action="quote.emailed", target_id=str(quote.pk))


def test_a_salesperson_e_mails_a_draft_quote_from_its_page(
    sales_org, django_capture_on_commit_callbacks
):
    quote = factories.quote(sales_org, actor=sales_org.users["salesperson"])
    client = sales_org.client("salesperson")

    page = client.get(f"/sales/quotes/{quote.pk}/").content.decode()
    assert "E-mail to the customer" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/sales/quotes/{quote.pk}/email/",
            {"to": "buyer@mingda.example", "message": "As discussed 如约附上"},
        )

    assert response.status_code == 302 and response["Location"] == f"/sales/quotes/{quote.pk}/"
    (sent,) = mail.outbox
    assert sent.to == ["buyer@mingda.example"]
    assert quote.number in sent.subject and "As discussed 如约附上" in sent.body
    ((name, content, mimetype),) = sent.attachments
    assert (name, mimetype) == (f"{quote.number}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    assert count_rows(sales_org, Quote, pk=quote.pk, status="sent") == 1
    assert _emailed(sales_org, quote) == 1
    history = client.get(f"/sales/quotes/{quote.pk}/").content.decode()
    assert "Quote e-mailed" in history


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"to": "not an address"}, "to"),
        ({"to": ""}, "to"),
        ({"to": "a@b.example", "message": "x" * 2001}, "message"),
    ],
)
def test_bad_input_is_shown_on_the_quote_and_nothing_is_sent(sales_org, data, field):
    quote = factories.quote(sales_org)
    client = sales_org.client("owner")

    response = client.post(f"/sales/quotes/{quote.pk}/email/", data)

    assert response.status_code == 400
    assert 'class="field invalid"' in response.content.decode()
    assert mail.outbox == [] and _emailed(sales_org, quote) == 0
    assert count_rows(sales_org, Quote, pk=quote.pk, status="draft") == 1
    reload = client.get(f"/sales/quotes/{quote.pk}/email/")
    assert (reload.status_code, reload["Location"]) == (302, f"/sales/quotes/{quote.pk}/")


def test_who_may_not_send_quotes_or_cannot_see_it_is_refused(sales_org, beta_sales_org):
    quote = factories.quote(sales_org)
    body = {"to": "buyer@mingda.example"}

    assert (
        sales_org.client("warehouse_manager")
        .post(f"/sales/quotes/{quote.pk}/email/", body)
        .status_code
        == 403
    )
    assert (
        sales_org.client("north_rep").post(f"/sales/quotes/{quote.pk}/email/", body).status_code
        == 404
    )
    assert beta_sales_org.client("owner").post(
        f"/sales/quotes/{quote.pk}/email/", body
    ).status_code in (403, 404)
    assert mail.outbox == [] and _emailed(sales_org, quote) == 0


def test_the_api_e_mails_a_sent_quote_again_and_refuses_a_cancelled_one(
    sales_org, django_capture_on_commit_callbacks
):
    quote = factories.quote(sales_org)
    api = sales_org.api("owner")
    with schema_context(sales_org.schema):
        from tradepost.sales import quotes

        quotes.quote_send(actor=sales_org.owner, quote=quote)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/quotes/{quote.pk}/email/", {"to": "buyer@mingda.example"})
    assert response.status_code == 202 and response.json()["status"] == "sent"
    assert len(mail.outbox) == 1

    assert api.post(f"/api/v1/quotes/{quote.pk}/email/", {"to": "nope"}).status_code == 400
    with schema_context(sales_org.schema):
        quotes.quote_cancel(actor=sales_org.owner, quote=Quote.objects.get(pk=quote.pk))
    refused = api.post(f"/api/v1/quotes/{quote.pk}/email/", {"to": "buyer@mingda.example"})
    assert refused.status_code == 400 and "status" in refused.json()["errors"]
    assert len(mail.outbox) == 1 and _emailed(sales_org, quote) == 1
