"""Saved filters of the list pages (workspace.saved_filters): any registered list keeps
them per user; a saved query keeps only that list's filter names; nobody reaches
another user's filters, a list they may not see, or another workspace's filters."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from tradepost.workspace import saved_filters
from tradepost.workspace.models import SavedFilter


def _saved(workspace, **filters):
    with schema_context(workspace.schema):
        return list(SavedFilter.objects.filter(**filters).values_list("list", "name", "query"))


def test_the_order_list_saves_shows_and_deletes_a_filter(org):
    client = org.client("salesperson")

    response = client.post(
        "/saved-filters/orders/",
        {"name": "My confirmed", "query": "status=confirmed&mine=1&page=3&evil=1"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/sales/orders/?status=confirmed&mine=1"
    page = client.get("/sales/orders/").content.decode()
    assert 'href="/sales/orders/?status=confirmed&amp;mine=1">My confirmed</a>' in page
    # Only on its own list.
    assert "My confirmed" not in client.get("/sales/quotes/").content.decode()

    (saved,) = _saved(org.workspace)
    assert saved == ("orders", "My confirmed", "status=confirmed&mine=1")
    with schema_context(org.workspace.schema):
        pk = SavedFilter.objects.get().pk
    assert client.post(f"/saved-filters/{pk}/delete/")["Location"] == "/sales/orders/"
    assert _saved(org.workspace) == []


def test_a_name_is_replaced_on_its_list_and_free_on_another(org):
    rep = org.users["salesperson"]
    with schema_context(org.workspace.schema):
        orders = saved_filters.saved_list("orders")
        quotes = saved_filters.saved_list("quotes")
        saved_filters.saved_filter_save(user=rep, saved=orders, name="Open", query="status=draft")
        saved_filters.saved_filter_save(user=rep, saved=orders, name=" open ", query="q=杭州")
        saved_filters.saved_filter_save(user=rep, saved=quotes, name="Open", query="expiring=1")

    assert sorted(_saved(org.workspace)) == [
        ("orders", "open", "q=%E6%9D%AD%E5%B7%9E"),
        ("quotes", "Open", "expiring=1"),
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [("   ", "Name the filter."), ("x" * 81, "Use at most 80 characters.")],
)
def test_a_bad_name_is_refused_and_nothing_is_written(org, name, message):
    with schema_context(org.workspace.schema), pytest.raises(ValidationError) as refused:
        saved_filters.saved_filter_save(
            user=org.users["salesperson"],
            saved=saved_filters.saved_list("orders"),
            name=name,
            query="status=draft",
        )
    assert refused.value.message_dict == {"name": [message]}
    assert _saved(org.workspace) == []


def test_an_empty_name_from_the_page_is_a_message_and_back_to_the_list(org):
    client = org.client("salesperson")

    response = client.post(
        "/saved-filters/quotes/", {"name": "", "query": "status=sent"}, follow=True
    )

    assert response.redirect_chain == [("/sales/quotes/?status=sent", 302)]
    assert "Name the filter to save it." in response.content.decode()
    assert _saved(org.workspace) == []


def test_a_list_the_user_may_not_see_or_that_does_not_exist_is_refused(org):
    warehouse = org.client("warehouse_manager")  # sees orders, not opportunities

    assert warehouse.post("/saved-filters/opportunities/", {"name": "Mine"}).status_code == 403
    assert warehouse.post("/saved-filters/no-such-list/", {"name": "Mine"}).status_code == 404
    assert warehouse.get("/saved-filters/orders/").status_code == 405
    assert _saved(org.workspace) == []


def test_another_users_or_workspaces_filter_is_a_404(org, beta_org):
    with schema_context(org.workspace.schema):
        saved = saved_filters.saved_filter_save(
            user=org.users["salesperson"],
            saved=saved_filters.saved_list("orders"),
            name="Mine",
            query="mine=1",
        )

    assert org.client("north_rep").post(f"/saved-filters/{saved.pk}/delete/").status_code == 404
    assert "Mine</a>" not in org.client("north_rep").get("/sales/orders/").content.decode()
    other = beta_org.client("salesperson")
    assert other.post(f"/saved-filters/{saved.pk}/delete/").status_code == 404
    assert _saved(org.workspace, pk=saved.pk) == [("orders", "Mine", "mine=1")]
