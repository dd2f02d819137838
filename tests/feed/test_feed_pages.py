"""The activity feed on the customer, order, quote and opportunity pages: events
(translated) and notes merged newest first, the note form that goes back to the page,
@mentions that e-mail who may see the record (and only them), attachments kept by kind
and served only to who sees the record, and what is refused with nothing written."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation
from django_tenants.utils import schema_context

from tests.feed.conftest import HTML, PDF, PNG, SVG, upload
from tests.support import factories
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.sales import orders
from tradepost.workspace import selectors, services
from tradepost.workspace.models import Note, NoteAttachment


def _notes_url(kind: str, pk: int) -> str:
    return f"/activity/{kind}/{pk}/notes/"


def test_the_customer_page_shows_events_and_notes_newest_first(sales_org, customer_page):
    customer = sales_org.customers["rep_own"]
    client = sales_org.client("salesperson")

    response = client.post(_notes_url("customer", customer.pk), {"body": "Called the buyer 已致电"})

    assert response.status_code == 302
    assert response["Location"] == f"{customer_page}#activity"
    page = client.get(customer_page).content.decode()
    feed = page[page.index('id="activity"') :]
    assert "Called the buyer 已致电" in feed and "Customer added" in feed
    assert feed.index("Called the buyer") < feed.index("Customer added")  # newest first
    with schema_context(sales_org.schema):
        entries = selectors.feed(customer)
    assert [entry.kind for entry in entries][:1] == ["note"]
    assert entries[-1].label == "Customer added" and entries[-1].who


@pytest.mark.parametrize("kind", ["order", "quote", "opportunity"])
def test_order_quote_and_opportunity_pages_carry_the_feed(sales_org, kind):
    record = getattr(factories, kind)(sales_org, actor=sales_org.users["salesperson"])
    page = {
        "order": f"/sales/orders/{record.pk}/",
        "quote": f"/sales/quotes/{record.pk}/",
        "opportunity": f"/sales/pipeline/{record.pk}/",
    }[kind]
    client = sales_org.client("salesperson")

    posted = client.post(_notes_url(kind, record.pk), {"body": f"Note on the {kind}"})
    again = client.get(_notes_url(kind, record.pk))  # a reload of the form's address

    assert posted.status_code == 302 and posted["Location"] == f"{page}#activity"
    assert (again.status_code, again["Location"]) == (302, page)
    html = client.get(page).content.decode()
    assert f"Note on the {kind}" in html and 'enctype="multipart/form-data"' in html


def test_an_order_s_feed_carries_what_was_said_with_each_step(sales_org):
    order = factories.order(sales_org, "rep_own")
    with schema_context(sales_org.schema):
        order = orders.order_submit(actor=sales_org.owner, order=order)
        orders.order_approve(actor=sales_org.owner, order=order, comment="Price agreed 价格已确认")

    html = sales_org.client("owner").get(f"/sales/orders/{order.pk}/").content.decode()
    api = sales_org.api("owner").get(
        "/api/v1/feed/", {"target_type": "order", "target_id": order.pk}
    )

    assert "Order approved" in html and "Price agreed 价格已确认" in html
    assert 'id="history-title"' not in html  # the feed is the page's one history
    approved = [e for e in api.json()["results"] if e["action"] == "order.approved"]
    assert [e["comment"] for e in approved] == ["Price agreed 价格已确认"]


def test_event_labels_are_translated(sales_org):
    customer = sales_org.customers["rep_own"]
    with schema_context(sales_org.schema), translation.override("zh-hans"):
        (event,) = [entry for entry in selectors.feed(customer) if entry.kind == "event"]
    assert event.label == "已添加客户"

    client = sales_org.client("salesperson")
    page = client.get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "已添加客户" in page.content.decode()


def test_a_mention_of_someone_who_sees_the_customer_e_mails_them_after_commit(
    sales_org, django_capture_on_commit_callbacks
):
    customer = sales_org.customers["rep_own"]
    manager = sales_org.users["sales_manager"]  # sees Shanghai's customers
    outsider = sales_org.users["north_rep"]  # sees only Beijing's
    client = sales_org.client("salesperson")
    body = f"@{manager.email} please approve; cc @{outsider.email}."

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_notes_url("customer", customer.pk), {"body": body})

    assert response.status_code == 302
    with schema_context(sales_org.schema):
        note = Note.objects.get()
        assert list(note.mentions.values_list("pk", flat=True)) == [manager.pk]
    (sent,) = mail.outbox
    assert sent.to == [manager.email]
    assert "please approve" in sent.body
    assert f"/customers/{customer.pk}/" in sent.body
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f'<mark class="mention">@{manager.email}</mark>' in page
    assert f'<mark class="mention">@{outsider.email}' not in page


def test_a_mention_by_full_name_without_spaces(sales_org, django_capture_on_commit_callbacks):
    executive = sales_org.users["executive"]
    with schema_context(sales_org.schema):
        executive.full_name = "Li Na"
        executive.save(update_fields=["full_name"])
    customer = sales_org.customers["rep_own"]

    with django_capture_on_commit_callbacks(execute=True):
        sales_org.client("salesperson").post(
            _notes_url("customer", customer.pk), {"body": "@LiNa 请看一下"}
        )

    assert [message.to for message in mail.outbox] == [[executive.email]]


def test_no_mail_leaves_before_the_note_is_committed(sales_org, django_capture_on_commit_callbacks):
    customer = sales_org.customers["rep_own"]
    manager = sales_org.users["sales_manager"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sales_org.client("salesperson").post(
            _notes_url("customer", customer.pk), {"body": f"@{manager.email} hi"}
        )
    assert mail.outbox == [] and len(callbacks) == 1


def test_a_pdf_is_kept_and_downloaded_only_by_who_sees_the_customer(sales_org):
    customer = sales_org.customers["rep_own"]
    client = sales_org.client("salesperson")

    response = client.post(
        _notes_url("customer", customer.pk),
        {"body": "Signed contract", "files": [upload("合同.pdf", PDF), upload("site.png", PNG)]},
    )

    assert response.status_code == 302
    with schema_context(sales_org.schema):
        pdf, png = NoteAttachment.objects.order_by("pk")
        assert (pdf.content_type, pdf.size, pdf.original_name) == (
            "application/pdf",
            len(PDF),
            "合同.pdf",
        )
        assert png.content_type == "image/png"
        assert pdf.file.name.startswith("notes/") and pdf.file.name.endswith(".pdf")
        assert "合同" not in pdf.file.name
        assert f"/{sales_org.schema}/notes/" in pdf.file.path  # the workspace's own folder
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/activity/attachments/{pdf.pk}/" in page

    download = sales_org.client("executive").get(f"/activity/attachments/{pdf.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert sales_org.client("north_rep").get(f"/activity/attachments/{pdf.pk}/").status_code == 404
    assert (
        sales_org.client("warehouse_manager").get(f"/activity/attachments/{pdf.pk}/").status_code
        == 404
    )


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([upload("page.html", HTML, "text/html")], "cannot be attached"),
        ([upload("logo.svg", SVG, "image/svg+xml")], "cannot be attached"),
        ([upload("tool.exe", b"MZ\x90\x00" + b"\x00" * 60)], "cannot be attached"),
        ([upload(f"{index}.pdf", PDF) for index in range(6)], "at most 5 files"),
    ],
)
def test_files_not_kept_refuse_the_whole_note(sales_org, files, message):
    customer = sales_org.customers["rep_own"]

    response = sales_org.client("salesperson").post(
        _notes_url("customer", customer.pk), {"body": "See attached", "files": files}
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert count_rows(sales_org, Note) == 0 and count_rows(sales_org, NoteAttachment) == 0


def test_a_file_over_the_size_limit_is_refused(sales_org, monkeypatch):
    monkeypatch.setattr(services, "MAX_ATTACHMENT_BYTES", 1024)
    customer = sales_org.customers["rep_own"]

    response = sales_org.client("salesperson").post(
        _notes_url("customer", customer.pk),
        {"body": "Big", "files": [upload("big.pdf", PDF + b"x" * 2048)]},
    )

    assert response.status_code == 400 and "larger than" in response.content.decode()
    assert count_rows(sales_org, Note) == 0


def test_plain_text_and_csv_are_kept(sales_org):
    customer = sales_org.customers["rep_own"]
    files = [upload("prices.csv", "sku,价格\nKT-1,199\n".encode()), upload("memo.txt", b"hello")]

    response = sales_org.client("salesperson").post(
        _notes_url("customer", customer.pk), {"body": "Lists", "files": files}
    )

    assert response.status_code == 302
    with schema_context(sales_org.schema):
        kinds = list(NoteAttachment.objects.order_by("pk").values_list("content_type", flat=True))
    assert kinds == ["text/csv", "text/plain"]


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001])
def test_an_empty_or_too_long_note_is_shown_again_with_nothing_written(sales_org, body):
    customer = sales_org.customers["rep_own"]

    response = sales_org.client("salesperson").post(
        _notes_url("customer", customer.pk), {"body": body}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="field invalid"' in html and f'href="/customers/{customer.pk}/"' in html
    assert count_rows(sales_org, Note) == 0


def test_a_salesperson_cannot_post_on_a_customer_they_do_not_see(sales_org):
    hidden = sales_org.customers["north"]

    response = sales_org.client("salesperson").post(
        _notes_url("customer", hidden.pk), {"body": "Hello"}
    )
    refused_type = sales_org.client("salesperson").post(
        _notes_url("invoice", hidden.pk), {"body": "Hello"}
    )
    no_permission = sales_org.client("warehouse_manager").post(
        _notes_url("customer", hidden.pk), {"body": "Hello"}
    )

    assert response.status_code == refused_type.status_code == no_permission.status_code == 404
    assert count_rows(sales_org, Note) == 0


def test_the_service_checks_visibility_again(sales_org):
    from django.http import Http404

    with schema_context(sales_org.schema), pytest.raises(Http404):
        services.note_add(
            actor=sales_org.users["salesperson"],
            target=sales_org.customers["north"],
            body="Sneaky",
        )


def test_another_workspace_cannot_see_or_write_a_feed(sales_org, beta_sales_org):
    # A customer of alpha's whose id beta has no customer with.
    with schema_context(beta_sales_org.schema):
        from tradepost.customers.models import Customer

        beta_max = max(Customer.objects.values_list("pk", flat=True))
    customer = factories.customer(sales_org, name="Alpha only")
    while customer.pk <= beta_max:
        customer = factories.customer(sales_org, name="Alpha only")
    alpha = sales_org.client("executive")
    alpha.post(
        _notes_url("customer", customer.pk),
        {"body": "alpha secret", "files": [upload("a.pdf", PDF)]},
    )
    with schema_context(sales_org.schema):
        attachment = NoteAttachment.objects.get()
    beta = beta_sales_org.client("executive")

    assert beta.post(_notes_url("customer", customer.pk), {"body": "x"}).status_code == 404
    assert beta.get(f"/activity/attachments/{attachment.pk}/").status_code == 404
    assert count_rows(beta_sales_org, Note) == 0


def test_the_customer_page_reads_its_feed_in_a_constant_number_of_queries(sales_org):
    customer = sales_org.customers["rep_own"]
    client = sales_org.client("salesperson")
    manager = sales_org.users["sales_manager"]

    def grow():
        for index in range(4):
            client.post(
                _notes_url("customer", customer.pk),
                {"body": f"@{manager.email} note {index}", "files": [upload("a.pdf", PDF)]},
            )

    client.post(_notes_url("customer", customer.pk), {"body": "first"})
    page = f"/customers/{customer.pk}/"
    baseline = _page_queries(client, page)
    long = assert_list_queries(lambda: client.get(page), grow, queries=baseline)
    assert long.content.decode().count("feed-entry feed-note") == 5


def _page_queries(client, page) -> int:
    from tests.support.queries import count_queries

    client.get(page)
    with count_queries() as statements:
        client.get(page)
    return len(statements)


def test_the_feed_reads_in_four_queries_however_long(sales_org, django_assert_num_queries):
    customer = sales_org.customers["rep_own"]
    manager = sales_org.users["sales_manager"]
    client = sales_org.client("salesperson")
    client.post(_notes_url("customer", customer.pk), {"body": "one"})
    with schema_context(sales_org.schema):
        selectors.feed(customer)  # the search path is set on the first query
        with django_assert_num_queries(4):
            short = selectors.feed(customer)
    for index in range(6):
        client.post(
            _notes_url("customer", customer.pk),
            {"body": f"@{manager.email} {index}", "files": [upload("a.pdf", PDF)]},
        )
    with schema_context(sales_org.schema):
        selectors.feed(customer)
        with django_assert_num_queries(4):
            long = selectors.feed(customer)
    assert len(long) == len(short) + 6
    assert all(len(entry.attachments) == 1 for entry in long[:6])
    assert all(entry.mentions == [manager] for entry in long[:6])
