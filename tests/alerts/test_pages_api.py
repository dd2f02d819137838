"""The alert pages and `/api/v1/alert-rules/`, `/api/v1/alerts/`,
`/api/v1/notifications/`: what each role sees and may do, another workspace seeing
nothing, bad input a 4xx with nothing written, lists in a fixed number of queries, and
the bell's unread count in the header."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from tests.alerts.conftest import raise_for_order, rule
from tests.support.api import list_count
from tests.support.queries import assert_list_queries
from tradepost.alerts.models import Alert, AlertRule, AlertStep, Notification

ALERTS = "/api/v1/alerts/"
RULES = "/api/v1/alert-rules/"
NOTIFICATIONS = "/api/v1/notifications/"


def _return_alert(org, order_id: int = 11, owner: str = "salesperson"):
    return raise_for_order(org, kind="return_recorded", order_id=order_id, owner=owner)


# --- Pages ------------------------------------------------------------------------------
def test_the_bell_shows_the_unread_count_and_opening_the_alert_reads_it(alert_org):
    alert = _return_alert(alert_org)
    client = alert_org.client("salesperson")

    page = client.get("/alerts/").content.decode()
    assert 'class="bell-count">1<' in page
    assert "Goods were returned against order SO-11" in page

    detail = client.get(f"/alerts/{alert.pk}/")
    assert detail.status_code == 200
    assert 'class="bell-count"' not in detail.content.decode()


def test_acknowledge_then_resolve_from_the_page(alert_org):
    alert = _return_alert(alert_org)
    client = alert_org.client("salesperson")

    response = client.post(f"/alerts/{alert.pk}/acknowledge/", {"note": "Calling them"})
    assert response.status_code == 302
    response = client.post(f"/alerts/{alert.pk}/resolve/", {"note": "Credit note sent"})
    assert response.status_code == 302
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert "Credit note sent" in page and "Calling them" in page
    with schema_context(alert_org.schema):
        assert Alert.objects.get(pk=alert.pk).state == "resolved"


def test_a_failing_resolve_renders_the_page_again_on_its_own_url(alert_org):
    alert = _return_alert(alert_org)
    client = alert_org.client("salesperson")

    response = client.post(f"/alerts/{alert.pk}/resolve/", {"note": ""})
    assert response.status_code == 400
    assert response.templates[0].name == "alerts/detail.html"
    assert "This field is required." in response.content.decode()
    with schema_context(alert_org.schema):
        assert Alert.objects.get(pk=alert.pk).state == "open"
        assert AlertStep.objects.filter(alert=alert).count() == 1


def test_the_pages_of_someone_elses_alert_are_404(alert_org):
    alert = _return_alert(alert_org)
    north = alert_org.client("north_rep")
    assert north.get(f"/alerts/{alert.pk}/").status_code == 404
    assert north.post(f"/alerts/{alert.pk}/resolve/", {"note": "x"}).status_code == 404
    assert alert_org.client("dealer").get("/alerts/").status_code == 403


def test_the_list_tabs_mine_and_my_team(alert_org):
    _return_alert(alert_org)
    manager = alert_org.client("sales_manager")
    assert "SO-11" not in manager.get("/alerts/?scope=mine").content.decode()
    assert "SO-11" in manager.get("/alerts/?scope=team").content.decode()
    # A bad filter value is a form error, not a 500.
    response = manager.get("/alerts/?scope=team&state=nonsense")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_the_rules_page_is_for_administrators_and_executives(alert_org):
    assert alert_org.client("executive").get("/alerts/rules/").status_code == 200
    assert alert_org.client("owner").get("/alerts/rules/").status_code == 200
    assert alert_org.client("salesperson").get("/alerts/rules/").status_code == 403
    with schema_context(alert_org.schema):
        large = rule("large_discount")
    assert alert_org.client("sales_manager").get(f"/alerts/rules/{large.pk}/").status_code == 403


def test_editing_a_rule_on_its_page(alert_org):
    with schema_context(alert_org.schema):
        large = rule("large_discount")
    client = alert_org.client("executive")
    url = f"/alerts/rules/{large.pk}/"
    form = {
        "enabled": "on",
        "threshold": "30",
        "deadline_hours": "12",
        "responsible": "sales_manager",
    }

    refused = client.post(url, {**form, "threshold": "150"})
    assert refused.status_code == 400
    assert "Enter a number from 1 to 100." in refused.content.decode()
    assert client.post(url, form).status_code == 302
    with schema_context(alert_org.schema):
        large.refresh_from_db()
    assert (large.threshold, large.deadline_hours, large.responsible) == (
        Decimal("30"),
        12,
        "sales_manager",
    )


def test_the_notification_centre_marks_read(alert_org):
    _return_alert(alert_org)
    client = alert_org.client("salesperson")
    unread = Notification.objects.filter(user=alert_org.users["salesperson"])
    page = client.get("/alerts/notifications/").content.decode()
    assert "New alert" in page and 'class="unread"' in page
    assert client.post("/alerts/notifications/read/", {"id": "x1"}).status_code == 302
    with schema_context(alert_org.schema):
        assert unread.filter(read_at__isnull=True).count() == 1
    assert client.post("/alerts/notifications/read/").status_code == 302
    with schema_context(alert_org.schema):
        assert unread.filter(read_at__isnull=True).count() == 0


# --- API --------------------------------------------------------------------------------
def test_the_api_lists_reads_and_resolves_an_alert(alert_org):
    alert = _return_alert(alert_org)
    api = alert_org.api("salesperson")

    body = api.get(ALERTS).json()
    assert [row["id"] for row in body["results"]] == [alert.pk]
    assert body["results"][0]["steps"] is None
    one = api.get(f"{ALERTS}{alert.pk}/").json()
    assert [step["action"] for step in one["steps"]] == ["raised"]

    acknowledged = api.post(f"{ALERTS}{alert.pk}/acknowledge/", {})
    assert acknowledged.status_code == 200 and acknowledged.json()["state"] == "acknowledged"
    resolved = api.post(f"{ALERTS}{alert.pk}/resolve/", {"note": "Fixed"})
    assert resolved.status_code == 200
    assert resolved.json()["resolution_note"] == "Fixed"
    assert [s["action"] for s in resolved.json()["steps"]] == ["raised", "acknowledged", "resolved"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("resolve/", {}, "note"),
        ("resolve/", {"note": ""}, "note"),
        ("resolve/", {"note": "x" * 501}, "note"),
        ("resolve/", {"note": "ok", "extra": 1}, "extra"),
        ("acknowledge/", {"note": 12}, "note"),
    ],
)
def test_bad_bodies_are_400_and_write_nothing(alert_org, path, body, field):
    alert = _return_alert(alert_org)
    response = alert_org.api("salesperson").post(f"{ALERTS}{alert.pk}/{path}", body)
    assert response.status_code == 400, response.json()
    assert field in str(response.json())
    with schema_context(alert_org.schema):
        assert Alert.objects.get(pk=alert.pk).state == "open"
        assert AlertStep.objects.filter(alert=alert).count() == 1


def test_bad_filters_are_400(alert_org):
    api = alert_org.api("salesperson")
    assert api.get(f"{ALERTS}?state=nonsense").status_code == 400
    assert api.get(f"{ALERTS}?scope=everyone").status_code == 400
    assert api.get(f"{NOTIFICATIONS}?unread=maybe").status_code == 400


def test_resolving_twice_is_a_400(alert_org):
    alert = _return_alert(alert_org)
    api = alert_org.api("salesperson")
    assert api.post(f"{ALERTS}{alert.pk}/resolve/", {"note": "Done"}).status_code == 200
    again = api.post(f"{ALERTS}{alert.pk}/resolve/", {"note": "Again"})
    assert again.status_code == 400


def test_roles_see_their_scope_through_the_api(alert_org):
    own = _return_alert(alert_org)
    other = _return_alert(alert_org, order_id=12, owner="north_rep")

    def ids(who, query=""):
        return {row["id"] for row in alert_org.api(who).get(f"{ALERTS}{query}").json()["results"]}

    assert ids("salesperson") == {own.pk}
    assert ids("sales_manager") == {own.pk}
    assert ids("sales_manager", "?scope=mine") == set()
    assert {own.pk, other.pk} <= ids("executive", "?kind=return_recorded")
    assert alert_org.api("dealer").get(ALERTS).status_code == 403
    assert alert_org.api("north_rep").get(f"{ALERTS}{own.pk}/").status_code == 404
    assert (
        alert_org.api("north_rep").post(f"{ALERTS}{own.pk}/resolve/", {"note": "x"}).status_code
        == 404
    )


def test_another_workspace_sees_and_touches_nothing(alert_org, beta_alert_org):
    alert = _return_alert(alert_org)
    beta = beta_alert_org.api("executive")
    assert beta.get(ALERTS).json()["results"] == []
    assert beta.get(f"{ALERTS}{alert.pk}/").status_code == 404
    assert beta.post(f"{ALERTS}{alert.pk}/resolve/", {"note": "x"}).status_code == 404
    assert beta.get(NOTIFICATIONS).json()["results"] == []
    response = beta_alert_org.api("salesperson").post(f"{NOTIFICATIONS}mark-read/", {"all": True})
    assert response.json()["marked"] == 0
    with schema_context(alert_org.schema):
        assert Alert.objects.get(pk=alert.pk).state == "open"
        assert Notification.objects.filter(alert=alert, read_at__isnull=True).count() == 1


def test_rules_api_reads_and_patches_within_bounds(alert_org):
    with schema_context(alert_org.schema):
        large = rule("large_discount")
    executive = alert_org.api("executive")
    rows = executive.get(RULES).json()
    assert len(rows) == 9 and {r["kind"] for r in rows} >= {"large_discount", "churn"}

    ok = executive.patch(f"{RULES}{large.pk}/", {"threshold": "40"})
    assert ok.status_code == 200 and ok.json()["threshold"] == "40.00"
    bad = executive.patch(f"{RULES}{large.pk}/", {"threshold": "400"})
    assert bad.status_code == 400 and "threshold" in str(bad.json())
    dealer = executive.patch(
        f"{RULES}{large.pk}/",
        {"responsible": "person", "responsible_user": alert_org.users["dealer"].pk},
    )
    assert dealer.status_code == 400
    assert alert_org.api("salesperson").get(RULES).status_code == 403
    assert (
        alert_org.api("sales_manager").patch(f"{RULES}{large.pk}/", {"enabled": False}).status_code
        == 403
    )
    with schema_context(alert_org.schema):
        assert AlertRule.objects.get(pk=large.pk).threshold == Decimal("40")


def test_notifications_api_lists_and_marks_read(alert_org):
    _return_alert(alert_org)
    _return_alert(alert_org, order_id=12)
    api = alert_org.api("salesperson")
    rows = api.get(f"{NOTIFICATIONS}?unread=true").json()["results"]
    assert len(rows) == 2 and rows[0]["message"].startswith("Goods were returned")
    assert api.post(f"{NOTIFICATIONS}mark-read/", {}).status_code == 400
    assert api.post(f"{NOTIFICATIONS}mark-read/", {"ids": ["x"]}).status_code == 400
    done = api.post(f"{NOTIFICATIONS}mark-read/", {"ids": [rows[0]["id"]]}).json()
    assert done == {"marked": 1, "unread": 1}
    assert api.post(f"{NOTIFICATIONS}mark-read/", {"all": True}).json() == {
        "marked": 1,
        "unread": 0,
    }


def test_the_alert_list_takes_the_same_queries_for_one_alert_and_many(alert_org):
    _return_alert(alert_org)
    api = alert_org.api("executive")

    def grow():
        for order_id in range(100, 110):
            _return_alert(alert_org, order_id=order_id)
            _return_alert(alert_org, order_id=order_id, owner="north_rep")

    assert_list_queries(lambda: api.get(ALERTS), grow, queries=QUERIES_API_LIST, size=list_count)


def test_the_notification_list_takes_the_same_queries_for_one_and_many(alert_org):
    _return_alert(alert_org)
    api = alert_org.api("salesperson")

    def grow():
        for order_id in range(100, 110):
            _return_alert(alert_org, order_id=order_id)

    assert_list_queries(
        lambda: api.get(NOTIFICATIONS), grow, queries=QUERIES_NOTIFICATIONS, size=list_count
    )


def test_the_alert_page_takes_the_same_queries_for_one_alert_and_many(alert_org):
    _return_alert(alert_org)
    client = alert_org.client("executive")

    def grow():
        for order_id in range(100, 110):
            _return_alert(alert_org, order_id=order_id, owner="north_rep")

    assert_list_queries(lambda: client.get("/alerts/?scope=all"), grow, queries=QUERIES_PAGE)


# Schema, session, user, the user's and the role's permissions, count, page (people joined).
QUERIES_API_LIST = 7
# Schema, session, user (no permission check: one's own), count, page (alerts joined).
QUERIES_NOTIFICATIONS = 5
# As the API list: the bell's count is cached, the menu reads the permissions already read.
QUERIES_PAGE = 7
