"""`GET /api/v1/feed/` and `POST /api/v1/notes/`: the same entries and rules as the
pages, 404 for a record the caller cannot see (or another workspace's), 400 with
nothing written for a refused note, and a constant number of queries per page."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test.client import MULTIPART_CONTENT
from django.utils import translation

from tests.feed.conftest import HTML, PDF, upload
from tests.support import factories
from tests.support.api import list_count
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.workspace.models import Note, NoteAttachment

FEED = "/api/v1/feed/"
NOTES = "/api/v1/notes/"


def test_the_feed_lists_notes_and_translated_events_newest_first(sales_org):
    order = factories.order(sales_org, actor=sales_org.users["salesperson"])
    api = sales_org.api("salesperson")

    created = api.post(NOTES, {"target_type": "order", "target_id": order.pk, "body": "Rush 加急"})
    rows = api.rows(FEED, target_type="order", target_id=order.pk)
    zh = api.get(
        FEED, {"target_type": "order", "target_id": order.pk}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert created.status_code == 201 and created.json()["body"] == "Rush 加急"
    assert rows[0]["kind"] == "note" and rows[0]["body"] == "Rush 加急"
    events = [row for row in rows if row["kind"] == "event"]
    assert events and events[-1]["action"] == "order.created"
    assert events[-1]["label"] == "Order entered" and events[-1]["who"]
    with translation.override("zh-hans"):
        from django.utils.translation import gettext

        expected = gettext("Order entered")
    assert expected != "Order entered"
    assert zh.json()["results"][-1]["label"] == expected


def test_a_multipart_note_with_files_and_a_mention(sales_org, django_capture_on_commit_callbacks):
    customer = sales_org.customers["rep_own"]
    manager = sales_org.users["sales_manager"]
    api = sales_org.api("salesperson")

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            NOTES,
            {
                "target_type": "customer",
                "target_id": customer.pk,
                "body": f"Contract for @{manager.email}",
                "files": [upload("contract.pdf", PDF)],
            },
            content_type=MULTIPART_CONTENT,
        )

    assert response.status_code == 201, response.content
    note = response.json()
    assert note["mentions"] == [{"id": manager.pk, "name": str(manager)}]
    (attachment,) = note["attachments"]
    assert attachment["content_type"] == "application/pdf"
    assert [message.to for message in mail.outbox] == [[manager.email]]
    download = sales_org.client("sales_manager").get(attachment["url"])
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "x" * 4001}, "body"),
        ({"body": "ok", "files": [upload("x.html", HTML, "text/html")]}, "files"),
        ({"body": "ok", "files": [upload(f"{i}.pdf", PDF) for i in range(6)]}, "files"),
        ({"body": "ok", "target_id": "abc"}, "target_id"),
    ],
)
def test_a_refused_note_is_a_400_with_nothing_written(sales_org, data, field):
    customer = sales_org.customers["rep_own"]
    body = {"target_type": "customer", "target_id": customer.pk, **data}

    response = sales_org.api("salesperson").post(NOTES, body, content_type=MULTIPART_CONTENT)

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert count_rows(sales_org, Note) == 0 and count_rows(sales_org, NoteAttachment) == 0


def test_an_upload_over_the_request_cap_is_refused_before_it_is_read(sales_org, settings):
    settings.MAX_UPLOAD_BYTES = 4096
    customer = sales_org.customers["rep_own"]
    big = upload("big.pdf", PDF + b"x" * 8192)

    response = sales_org.api("salesperson").post(
        NOTES,
        {"target_type": "customer", "target_id": customer.pk, "body": "big", "files": [big]},
        content_type=MULTIPART_CONTENT,
    )

    assert response.status_code == 413
    assert count_rows(sales_org, Note) == 0


def test_a_record_the_caller_cannot_see_is_a_404(sales_org):
    hidden = sales_org.customers["north"]
    api = sales_org.api("salesperson")

    listed = api.get(FEED, {"target_type": "customer", "target_id": hidden.pk})
    posted = api.post(NOTES, {"target_type": "customer", "target_id": hidden.pk, "body": "hi"})
    unknown = api.get(FEED, {"target_type": "payment", "target_id": hidden.pk})
    missing = api.get(FEED, {"target_type": "customer"})

    assert listed.status_code == posted.status_code == unknown.status_code == 404
    assert missing.status_code == 404
    assert count_rows(sales_org, Note) == 0


def test_another_workspace_gets_a_404(sales_org, beta_sales_org):
    from django_tenants.utils import schema_context

    from tradepost.customers.models import Customer

    with schema_context(beta_sales_org.schema):
        beta_max = max(Customer.objects.values_list("pk", flat=True))
    customer = factories.customer(sales_org, name="Alpha only")
    while customer.pk <= beta_max:
        customer = factories.customer(sales_org, name="Alpha only")
    beta = beta_sales_org.api("executive")

    listed = beta.get(FEED, {"target_type": "customer", "target_id": customer.pk})
    posted = beta.post(NOTES, {"target_type": "customer", "target_id": customer.pk, "body": "x"})

    assert listed.status_code == posted.status_code == 404
    assert count_rows(sales_org, Note) == 0 and count_rows(beta_sales_org, Note) == 0


def test_the_feed_is_paginated_in_a_constant_number_of_queries(sales_org):
    customer = sales_org.customers["rep_own"]
    api = sales_org.api("salesperson")
    manager = sales_org.users["sales_manager"]
    params = {"target_type": "customer", "target_id": customer.pk}
    api.post(NOTES, {**params, "body": "first"})

    def grow():
        for index in range(4):
            api.post(
                NOTES,
                {**params, "body": f"@{manager.email} {index}", "files": [upload("a.pdf", PDF)]},
                content_type=MULTIPART_CONTENT,
            )

    assert_list_queries(lambda: api.get(FEED, params), grow, queries=13, size=list_count)
    second = api.get(FEED, {**params, "page_size": 2, "page": 2}).json()
    assert second["count"] == 6 and len(second["results"]) == 2


def test_a_dealer_neither_reads_nor_writes_its_own_records_feed(
    sales_org, django_capture_on_commit_callbacks
):
    own = sales_org.customers["dealer"]  # the dealer's own record, which it may open
    dealer = sales_org.users["dealer"]
    staff = sales_org.api("executive")
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            NOTES,
            {"target_type": "customer", "target_id": own.pk, "body": f"Slow payer @{dealer.email}"},
        )
    api = sales_org.api("dealer")

    listed = api.get(FEED, {"target_type": "customer", "target_id": own.pk})
    posted = api.post(NOTES, {"target_type": "customer", "target_id": own.pk, "body": "hi"})
    page = sales_org.client("dealer").get(f"/customers/{own.pk}/")

    assert listed.status_code == posted.status_code == 404
    assert "Slow payer" not in page.content.decode()
    assert mail.outbox == []  # internal notes do not mention (or mail) a dealer
    assert count_rows(sales_org, Note) == 1


def test_an_api_key_leaves_a_note_under_its_own_name(sales_org):
    key = factories.api_key(sales_org.workspace, role="executive", name="crm-sync")
    api = sales_org.workspace.api(key)
    customer = sales_org.customers["north"]

    response = api.post(
        NOTES, {"target_type": "customer", "target_id": customer.pk, "body": "Synced"}
    )
    rows = api.rows(FEED, target_type="customer", target_id=customer.pk)

    assert response.status_code == 201
    assert rows[0]["body"] == "Synced" and rows[0]["who"]
