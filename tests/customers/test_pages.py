"""The customers pages in the browser: the list with search, filters, sorting, paging
and saved filters; the 360° page and its forms; the CRM pages around them."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support.org import grow
from tests.support.queries import assert_list_queries
from tradepost.customers import credit, services
from tradepost.customers.models import (
    Activity,
    Contact,
    CreditRating,
    Customer,
    DealerReport,
    PriceList,
    Ticket,
)
from tradepost.workspace.models import SavedFilter


def _names(body: str) -> list[str]:
    """Customer names in list order."""
    return re.findall(r'class="wide"[^>]*><a href="/customers/\d+/">([^<]+)</a>', body)


def test_the_list_searches_names_codes_and_contacts(org):
    with schema_context(org.workspace.schema):
        services.contact_create(
            actor=org.owner, customer=org.customers["north"], name="赵磊", mobile="13901010006"
        )
    client = org.client("owner")

    assert _names(client.get("/customers/", {"q": "京华"}).content.decode()) == [
        org.customers["north"].name
    ]
    assert _names(client.get("/customers/", {"q": "hz-1"}).content.decode()) == [
        org.customers["hangzhou_unowned"].name
    ]
    assert _names(client.get("/customers/", {"q": "1390101"}).content.decode()) == [
        org.customers["north"].name
    ]


def test_the_list_filters_and_sorts(org):
    client = org.client("owner")
    by_channel = client.get("/customers/", {"channel": "dealer"}).content.decode()
    by_branch = client.get("/customers/", {"branch": org.branches["beijing"].pk}).content.decode()
    newest = client.get("/customers/", {"sort": "-created"}).content.decode()
    oldest = client.get("/customers/", {"sort": "created"}).content.decode()

    assert _names(by_channel) == [org.customers["dealer"].name]
    assert set(_names(by_branch)) == {org.customers["north"].name, org.customers["dealer"].name}
    assert _names(newest)[0] == org.customers["dealer"].name
    assert _names(oldest)[0] == org.customers["rep_own"].name
    assert _names(newest) == list(reversed(_names(oldest)))


def test_inactive_customers_are_hidden_unless_asked_for(org):
    with schema_context(org.workspace.schema):
        services.customer_update(actor=org.owner, customer=org.customers["north"], is_active=False)
    client = org.client("owner")

    assert org.customers["north"].name not in client.get("/customers/").content.decode()
    assert org.customers["north"].name in client.get("/customers/?active=no").content.decode()


def test_a_bad_filter_value_is_shown_and_ignored(org):
    response = org.client("owner").get("/customers/", {"channel": "pigeon"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "Select a valid choice" in body
    assert len(_names(body)) == 5


def test_the_list_pages_and_keeps_its_filter(org):
    with schema_context(org.workspace.schema):
        for index in range(30):
            services.customer_create(actor=org.owner, name=f"Store {index:02d}", channel="store")
    client = org.client("owner")

    first = client.get("/customers/", {"channel": "store"}).content.decode()
    second = client.get("/customers/", {"channel": "store", "page": 2}).content.decode()

    assert len(_names(first)) == 25
    assert 'href="?channel=store&amp;page=2"' in first
    assert len(_names(second)) == 6  # 30 stores and West Lake Stores


def test_the_list_takes_the_same_queries_for_one_customer_and_many(org):
    client = org.client("salesperson")  # a scoped reader: one customer of their own

    def grow():
        with schema_context(org.workspace.schema):
            for index in range(20):
                customer = services.customer_create(
                    actor=org.owner,
                    name=f"Many {index}",
                    tags=["VIP", f"t{index}"],
                    owner=org.users["salesperson"],
                    branch=org.branches["shanghai"],
                )
                services.contact_create(
                    actor=org.owner, customer=customer, name=f"C{index}", is_primary=True
                )

    body = assert_list_queries(
        lambda: client.get("/customers/"),
        grow,
        queries=17,
        size=lambda response: len(_names(response.content.decode())),
    ).content.decode()
    assert len(_names(body)) == 21


def test_a_filter_is_saved_applied_and_deleted(org):
    client = org.client("salesperson")

    saved = client.post(
        "/saved-filters/customers/", {"name": "My stores", "query": "channel=store&page=2"}
    )
    assert saved.status_code == 302
    assert saved["Location"] == "/customers/?channel=store"
    page = client.get("/customers/").content.decode()
    assert 'href="/customers/?channel=store">My stores</a>' in page

    with schema_context(org.workspace.schema):
        mine = SavedFilter.objects.get(user=org.users["salesperson"])
    # Another user's filters are neither shown nor deletable.
    other = org.client("north_rep")
    assert "My stores" not in other.get("/customers/").content.decode()
    assert other.post(f"/saved-filters/{mine.pk}/delete/").status_code == 404

    assert client.post(f"/saved-filters/{mine.pk}/delete/").status_code == 302
    with schema_context(org.workspace.schema):
        assert not SavedFilter.objects.exists()


def test_an_empty_workspace_invites_to_add_the_first_customer(alpha, make_user):
    body = alpha.client(make_user(alpha, "salesperson")).get("/customers/").content.decode()

    assert "No customers yet." in body
    assert 'href="/customers/new/"' in body


def test_no_match_offers_the_way_back(org):
    body = org.client("owner").get("/customers/", {"q": "nothing like this"}).content.decode()

    assert "No customer matches this filter." in body
    assert 'href="/customers/">Show all customers' in body


def test_list_cells_are_labelled_for_phones(org):
    body = org.client("owner").get("/customers/").content.decode()

    assert body.count('data-label="Customer"') == 5
    assert 'name="viewport"' in body


# --- Creating and editing ------------------------------------------------------------
def test_a_salesperson_adds_a_customer_and_lands_on_its_page(org):
    client = org.client("salesperson")
    form = client.get("/customers/new/").content.decode()
    assert 'name="credit_limit"' not in form  # finance only

    response = client.post(
        "/customers/new/",
        {
            "name": "杭州明达贸易有限公司 Hangzhou Mingda Trading",
            "channel": "dealer",
            "currency": "CNY",
            "tags": "VIP, vip ，华东重点, ",
        },
    )

    assert response.status_code == 302
    with schema_context(org.workspace.schema):
        customer = Customer.objects.get(name__startswith="杭州明达")
        assert customer.owner == org.users["salesperson"]
        assert sorted(t.name for t in customer.tags.all()) == ["VIP", "华东重点"]
    assert response["Location"] == f"/customers/{customer.pk}/"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "channel": "direct", "currency": "CNY"}, "This field is required"),
        ({"name": "X", "channel": "direct", "currency": "CNY", "code": "sh-1"}, "already has"),
        ({"name": "X", "channel": "direct", "currency": "CNY", "email": "no"}, "valid email"),
    ],
)
def test_a_bad_new_customer_shows_the_error_and_writes_nothing(org, data, message):
    with schema_context(org.workspace.schema):
        before = Customer.objects.count()

    response = org.client("owner").post("/customers/new/", data)

    assert response.status_code == 400
    assert message in response.content.decode()
    with schema_context(org.workspace.schema):
        assert Customer.objects.count() == before


@pytest.mark.parametrize("who", ["dealer", "finance_manager", "executive"])
def test_roles_without_add_permission_cannot_add_customers(org, who):
    assert org.client(who).get("/customers/new/").status_code == 403


# --- The 360° page -------------------------------------------------------------------
@pytest.fixture
def rich(org):
    """rep_own with contacts, a price list, ratings, activities, tickets, a referral."""
    customer = org.customers["rep_own"]
    with schema_context(org.workspace.schema):
        services.contact_create(
            actor=org.owner,
            customer=customer,
            name="王建国 Wang Jianguo",
            is_primary=True,
            mobile="13805710001",
        )
        services.price_list_create(
            actor=org.owner,
            name="Mingda 2026",
            customer=customer,
            valid_from=timezone.localdate() - datetime.timedelta(days=1),
            lines=[(org.products["kettle"], Decimal("170.00"))],
        )
        services.credit_rating_create(
            actor=org.owner, customer=customer, **dict.fromkeys(credit.FACTORS, 4)
        )
        services.activity_create(
            actor=org.owner,
            customer=customer,
            subject="Overdue visit",
            kind="visit",
            due_at=timezone.now() - datetime.timedelta(days=1),
        )
        ticket = services.ticket_create(
            actor=org.owner, customer=customer, subject="Broken lid", kind="complaint"
        )
        Ticket.objects.filter(pk=ticket.pk).update(
            sla_due_at=timezone.now() - datetime.timedelta(hours=1)
        )
        services.customer_create(
            actor=org.owner,
            name="Referred friend",
            referred_by=customer,
            owner=org.users["salesperson"],
        )
    return customer


def test_the_360_page_shows_everything_about_the_customer(org, rich):
    body = org.client("salesperson").get(f"/customers/{rich.pk}/").content.decode()

    for text in (
        "王建国 Wang Jianguo",
        "Mingda 2026",
        "current",
        "Grade B",
        "Overdue visit",
        "Broken lid",
        "Overdue",
        "Referred friend",
        'data-label="Name"',
    ):
        assert text in body, text


def test_the_360_page_checks_a_price_by_the_one_rule(org, rich):
    client = org.client("salesperson")

    own = client.get(f"/customers/{rich.pk}/", {"product": org.products["kettle"].pk})
    listed = client.get(f"/customers/{rich.pk}/", {"product": org.products["toaster"].pk})
    bad = client.get(f"/customers/{rich.pk}/", {"product": "999999"})

    assert "<strong>170.00 CNY</strong>" in own.content.decode()
    assert "the customer&#x27;s price list" in own.content.decode()
    assert "<strong>259.50 CNY</strong>" in listed.content.decode()
    assert "the product&#x27;s list price" in listed.content.decode()
    assert bad.status_code == 400


def test_the_360_query_count_does_not_grow_with_history(org, rich, django_assert_max_num_queries):
    client = org.client("owner")
    client.get(f"/customers/{rich.pk}/")
    with django_assert_max_num_queries(60) as few:
        client.get(f"/customers/{rich.pk}/")
    with schema_context(org.workspace.schema):
        for index in range(8):
            services.contact_create(actor=org.owner, customer=rich, name=f"Extra {index}")
            services.activity_create(actor=org.owner, customer=rich, subject=f"Call {index}")
            services.ticket_create(actor=org.owner, customer=rich, subject=f"Ask {index}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/customers/{rich.pk}/")


def test_contacts_are_added_edited_and_removed_from_the_360_page(org):
    customer = org.customers["rep_own"]
    client = org.client("salesperson")

    bad = client.post(f"/customers/{customer.pk}/contacts/", {"name": "", "email": "x"})
    assert bad.status_code == 400
    assert "This field is required" in bad.content.decode()

    added = client.post(
        f"/customers/{customer.pk}/contacts/",
        {"name": "李晓梅", "mobile": "139", "is_primary": "on"},
    )
    assert added.status_code == 302
    with schema_context(org.workspace.schema):
        contact = Contact.objects.get(name="李晓梅")
    edit_url = f"/customers/{customer.pk}/contacts/{contact.pk}/edit/"
    assert client.get(edit_url).status_code == 200
    assert (
        client.post(
            edit_url, {"name": "李晓梅", "code": contact.code, "title": "Buyer"}
        ).status_code
        == 302
    )
    assert client.post(f"/customers/{customer.pk}/contacts/{contact.pk}/delete/").status_code == 302
    with schema_context(org.workspace.schema):
        assert not Contact.objects.filter(pk=contact.pk).exists()


def test_a_contact_is_only_reached_through_its_own_customer(org):
    with schema_context(org.workspace.schema):
        hidden = services.contact_create(
            actor=org.owner, customer=org.customers["north"], name="Hidden"
        )
    client = org.client("salesperson")
    mine = org.customers["rep_own"].pk

    assert client.get(f"/customers/{mine}/contacts/{hidden.pk}/edit/").status_code == 404
    assert client.post(f"/customers/{mine}/contacts/{hidden.pk}/delete/").status_code == 404


def test_activities_and_tickets_are_added_from_the_360_page(org):
    customer = org.customers["rep_own"]
    client = org.client("salesperson")

    activity = client.post(
        f"/customers/{customer.pk}/activities/",
        {"kind": "call", "subject": "Follow up", "due_at": "2026-12-01T10:00"},
    )
    ticket = client.post(
        f"/customers/{customer.pk}/tickets/",
        {"kind": "inquiry", "priority": "high", "subject": "Price of kettles"},
    )
    bad = client.post(f"/customers/{customer.pk}/tickets/", {"kind": "rant", "subject": ""})

    assert activity.status_code == ticket.status_code == 302
    assert bad.status_code == 400
    with schema_context(org.workspace.schema):
        assert Activity.objects.get(subject="Follow up").owner == org.users["salesperson"]
        opened = Ticket.objects.get(subject="Price of kettles")
        assert opened.sla_due_at - opened.created_at == datetime.timedelta(hours=24)


def test_finance_rates_and_sets_credit_terms_and_salespeople_cannot(org):
    customer = org.customers["dealer"]
    finance, rep = org.client("finance_manager"), org.client("north_rep")
    scores = dict.fromkeys(credit.FACTORS, "5")

    assert rep.post(f"/customers/{customer.pk}/ratings/", scores).status_code == 403
    assert rep.post(f"/customers/{customer.pk}/credit/", {"credit_limit": "1"}).status_code == 403
    rated = finance.post(f"/customers/{customer.pk}/ratings/", scores)
    terms = finance.post(
        f"/customers/{customer.pk}/credit/", {"credit_limit": "80000", "payment_terms_days": "60"}
    )
    bad = finance.post(
        f"/customers/{customer.pk}/credit/", {"credit_limit": "-5", "payment_terms_days": "60"}
    )

    assert rated.status_code == terms.status_code == 302
    assert bad.status_code == 400
    with schema_context(org.workspace.schema):
        customer.refresh_from_db()
        assert (customer.credit_grade, customer.credit_limit) == ("A", Decimal("80000.00"))
        assert CreditRating.objects.filter(customer=customer).count() == 1


# --- Activities, tickets, reports, price lists, groups -------------------------------
def test_the_activities_page_lists_open_ones_and_marks_them_done(org):
    with schema_context(org.workspace.schema):
        activity = services.activity_create(
            actor=org.users["salesperson"], customer=org.customers["rep_own"], subject="Plant tour"
        )
        services.activity_create(
            actor=org.owner, customer=org.customers["north"], subject="Hidden call"
        )
    client = org.client("salesperson")

    body = client.get("/customers/activities/").content.decode()
    assert "Plant tour" in body and "Hidden call" not in body
    done = client.post(
        f"/customers/activities/{activity.pk}/done/", {"next": "https://evil.example/"}
    )
    assert done["Location"] == "/customers/activities/"
    assert "Plant tour" not in client.get("/customers/activities/").content.decode()
    assert "Plant tour" in client.get("/customers/activities/?show=all").content.decode()


def test_the_tickets_page_flags_and_filters_overdue_tickets(org):
    with schema_context(org.workspace.schema):
        late = services.ticket_create(
            actor=org.owner, customer=org.customers["rep_own"], subject="Late one"
        )
        services.ticket_create(actor=org.owner, customer=org.customers["rep_own"], subject="Fresh")
        Ticket.objects.filter(pk=late.pk).update(sla_due_at=timezone.now() - datetime.timedelta(1))
    client = org.client("salesperson")

    overdue = client.get("/customers/tickets/?overdue=1").content.decode()

    assert "Late one" in overdue and "Fresh" not in overdue
    assert 'class="badge danger">Overdue' in overdue
    moved = client.post(
        f"/customers/tickets/{late.pk}/", {"status": "resolved", "priority": "normal"}
    )
    assert moved.status_code == 302
    assert "Late one" not in client.get("/customers/tickets/?overdue=1").content.decode()


def _ticket_ids(body: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/customers/tickets/(\d+)/"', body)}


def test_the_ticket_list_filters_as_the_api_does_and_shows_a_bad_value(org):
    with schema_context(org.workspace.schema):
        urgent = services.ticket_create(
            actor=org.owner, customer=org.customers["rep_own"], subject="Leak", priority="urgent"
        )
        services.ticket_create(actor=org.owner, customer=org.customers["rep_own"], subject="Ask")
        services.ticket_create(
            actor=org.owner, customer=org.customers["north"], subject="Far", priority="urgent"
        )
    client = org.client("salesperson")

    page = client.get("/customers/tickets/", {"priority": "urgent"}).content.decode()
    api = org.api("salesperson").rows("/api/v1/tickets/", priority="urgent")
    bad = client.get("/customers/tickets/", {"status": "nonsense"})

    assert _ticket_ids(page) == {urgent.pk} == {row["id"] for row in api}
    assert bad.status_code == 200
    assert 'role="alert"' in bad.content.decode()
    assert len(_ticket_ids(bad.content.decode())) == 2  # the rep's tickets, unfiltered
    assert org.api("salesperson").get("/api/v1/tickets/", {"status": "nonsense"}).status_code == 400


def test_the_activity_list_shows_open_ones_or_all_and_only_mine(org):
    with schema_context(org.workspace.schema):
        services.activity_create(
            actor=org.users["sales_manager"], customer=org.customers["rep_own"], subject="Own call"
        )
        services.activity_create(
            actor=org.users["salesperson"], customer=org.customers["rep_own"], subject="Rep call"
        )
        done = services.activity_create(
            actor=org.users["sales_manager"], customer=org.customers["rep_own"], subject="Old call"
        )
        services.activity_update(actor=org.users["sales_manager"], activity=done, done=True)
    client = org.client("sales_manager")

    def subjects(**query) -> set[str]:
        body = client.get("/customers/activities/", query).content.decode()
        return {name for name in ("Own call", "Rep call", "Old call") if name in body}

    assert subjects() == {"Own call", "Rep call"}
    assert subjects(show="all") == {"Own call", "Rep call", "Old call"}
    assert subjects(mine="1") == {"Own call"}
    assert subjects(show="all", mine="1") == {"Own call", "Old call"}
    assert subjects(show="nonsense") == {"Own call", "Rep call"}  # shown as an error, open kept


def test_the_dealer_report_list_shows_one_kind_as_the_api_does(org):
    with schema_context(org.workspace.schema):
        dealer = org.customers["dealer"]
        services.dealer_report_create(
            actor=org.owner,
            dealer=dealer,
            kind="competitor",
            subject="Rival kettle",
            competitor_name="Rival",
        )
        services.dealer_report_create(
            actor=org.owner,
            dealer=dealer,
            kind="end_customer",
            subject="New hotel",
            end_customer_name="西湖酒店",
        )
    client = org.client("owner")

    page = client.get("/customers/dealer-reports/", {"kind": "competitor"}).content.decode()
    api = org.api("owner").rows("/api/v1/dealer-reports/", kind="competitor")
    bad = client.get("/customers/dealer-reports/", {"kind": "nonsense"}).content.decode()

    assert [row["subject"] for row in api] == ["Rival kettle"]
    assert "Rival kettle" in page and "New hotel" not in page
    assert "Rival kettle" in bad and "New hotel" in bad  # a bad kind is left out


def test_a_dealer_sends_a_report_about_their_own_business(org):
    client = org.client("dealer")
    form = client.get("/customers/dealer-reports/").content.decode()
    assert org.customers["dealer"].name in form
    assert org.customers["north"].name not in form

    sent = client.post(
        "/customers/dealer-reports/",
        {
            "dealer": org.customers["dealer"].pk,
            "kind": "end_customer",
            "subject": "New hotel",
            "end_customer_name": "西湖酒店",
            "currency": "CNY",
        },
    )
    refused = client.post(
        "/customers/dealer-reports/",
        {
            "dealer": org.customers["north"].pk,
            "kind": "competitor",
            "subject": "X",
            "competitor_name": "Y",
            "currency": "CNY",
        },
    )

    assert sent.status_code == 302
    assert refused.status_code == 400
    with schema_context(org.workspace.schema):
        assert list(DealerReport.objects.values_list("subject", flat=True)) == ["New hotel"]


def test_a_manager_keeps_a_customers_price_list_in_the_browser(org):
    client = org.client("sales_manager")
    customer = org.customers["rep_own"]

    created = client.post(
        "/customers/price-lists/",
        {
            "name": "Mingda 2026",
            "customer": customer.pk,
            "currency": "CNY",
            "valid_from": "2026-01-01",
        },
    )
    assert created.status_code == 302
    url = created["Location"]
    assert (
        client.post(
            url, {"form": "line", "product": org.products["kettle"].pk, "unit_price": "170.00"}
        ).status_code
        == 302
    )
    overlap = client.post(
        "/customers/price-lists/",
        {"name": "Again", "customer": customer.pk, "currency": "CNY", "valid_from": "2026-03-01"},
    )
    assert overlap.status_code == 400
    assert "overlap" in overlap.content.decode()
    with schema_context(org.workspace.schema):
        price_list = PriceList.objects.get(name="Mingda 2026")
        assert [str(line.unit_price) for line in price_list.lines.all()] == ["170.00"]
    kettle = org.products["kettle"].pk
    assert client.post(f"{url}products/{kettle}/remove/").status_code == 302
    assert client.post(f"{url}delete/").status_code == 302
    with schema_context(org.workspace.schema):
        assert not PriceList.objects.exists()


def test_a_salesperson_reads_price_lists_but_cannot_change_them(org):
    with schema_context(org.workspace.schema):
        price_list = services.price_list_create(
            actor=org.owner,
            name="Mingda",
            customer=org.customers["rep_own"],
            valid_from=datetime.date(2026, 1, 1),
        )
    client = org.client("salesperson")

    assert client.get(f"/customers/price-lists/{price_list.pk}/").status_code == 200
    assert client.post(f"/customers/price-lists/{price_list.pk}/delete/").status_code == 403
    assert (
        client.post(
            "/customers/price-lists/",
            {
                "name": "X",
                "customer": org.customers["rep_own"].pk,
                "currency": "CNY",
                "valid_from": "2027-01-01",
            },
        ).status_code
        == 403
    )


def test_groups_are_listed_and_added(org):
    client = org.client("customer_information_manager")

    assert client.post("/customers/groups/", {"name": "Tier 1 一级"}).status_code == 302
    assert client.post("/customers/groups/", {"name": "tier 1 一级"}).status_code == 400
    assert "Tier 1 一级" in client.get("/customers/groups/").content.decode()
    assert org.client("salesperson").post("/customers/groups/", {"name": "X"}).status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/customers/",
        "/customers/activities/",
        "/customers/tickets/",
        "/customers/price-lists/",
        "/customers/dealer-reports/",
        "/customers/groups/",
    ],
)
def test_pages_render_in_simplified_chinese(org, path):
    client = org.client("owner")
    client.cookies["django_language"] = "zh-hans"

    response = client.get(path)

    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_a_manager_narrows_the_list_to_their_own_customers(org):
    with schema_context(org.workspace.schema):
        services.customer_create(actor=org.users["sales_manager"], name="Managers own 自己的")
    client = org.client("sales_manager")

    everything = _names(client.get("/customers/").content.decode())
    mine = _names(client.get("/customers/", {"mine": "on"}).content.decode())

    assert len(everything) == 4
    assert mine == ["Managers own 自己的"]


@pytest.mark.parametrize(
    ("path", "queries", "last_row"),
    [
        ("/customers/activities/?show=all", 9, "A7"),
        ("/customers/tickets/", 9, "T7"),
        ("/customers/price-lists/", 11, "L7"),
        ("/customers/dealer-reports/", 10, "Grow 7"),
        ("/customers/groups/", 7, "G7"),
    ],
)
def test_crm_list_pages_take_the_same_queries_for_one_row_and_many(org, path, queries, last_row):
    client = org.client("owner")
    grow(org, 0)

    body = assert_list_queries(
        lambda: client.get(path),
        lambda: [grow(org, index) for index in range(1, 8)],
        queries=queries,
    ).content.decode()

    assert last_row in body
