"""The audit log: `/settings/audit/` and `/api/v1/audit-entries/`. Administrators and
executives read it, newest first, filtered by who, what, when and which object, with
the actions and kinds of object in the reader's language; nobody else does, and no
workspace reads another's."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support.api import list_count
from tests.support.queries import assert_list_queries
from tradepost.audit.models import AuditEntry
from tradepost.customers import services as customer_services

PAGE = "/settings/audit/"
API = "/api/v1/audit-entries/"
REFUSED = [
    "sales_manager",
    "salesperson",
    "finance_manager",
    "customer_information_manager",
    "warehouse_manager",
    "dealer",
]


@pytest.fixture
def logged(org):
    """A customer the salesperson added, one the owner added a week ago (moved back in
    time), and the owner's role change of the north rep."""
    from tradepost.accounts import services as account_services

    with schema_context(org.schema):
        mine = customer_services.customer_create(
            actor=org.users["salesperson"], name="Logged 日志客户", owner=org.users["salesperson"]
        )
        old = customer_services.customer_create(actor=org.owner, name="Old 旧客户")
        week_ago = timezone.now() - datetime.timedelta(days=7)
        AuditEntry.objects.filter(target_type="customers.customer", target_id=str(old.pk)).update(
            created_at=week_ago
        )
        account_services.user_set_role(
            actor=org.owner, user=org.users["north_rep"], role="sales_manager"
        )
    return mine, old


def _api_rows(org, who="owner", **params):
    return org.api(who).rows(API, page_size=200, **params)


@pytest.mark.parametrize("who", ["owner", "executive"])
def test_administrators_and_executives_read_the_log_newest_first(org, logged, who):
    rows = _api_rows(org, who)
    page = org.client(who).get(PAGE)

    assert page.status_code == 200
    assert rows[0]["action"] == "user.role_changed"
    assert [row["created_at"] for row in rows] == sorted(
        (row["created_at"] for row in rows), reverse=True
    )
    table = page.content.decode().split("<tbody>", 1)[1]
    assert table.index("Role changed") < table.index("Customer added")


@pytest.mark.parametrize("who", REFUSED)
def test_everyone_else_is_refused(org, who):
    assert org.client(who).get(PAGE).status_code == 403
    assert org.api(who).get(API).status_code == 403


def test_an_api_key_reads_the_log_with_an_executive_role_not_a_sales_one(org, api_key, api_client):
    executive = api_client(org.workspace, api_key(org.workspace, role="executive"))
    salesperson = api_client(org.workspace, api_key(org.workspace, role="salesperson"))

    assert executive.get(API).status_code == 200
    assert salesperson.get(API).status_code == 403


def test_the_api_is_read_only(org, logged):
    api = org.api("owner")
    entry = _api_rows(org)[0]

    assert api.post(API, {"action": "user.joined"}).status_code == 405
    assert api.patch(f"{API}{entry['id']}/", {"action": "user.joined"}).status_code == 405
    assert api.delete(f"{API}{entry['id']}/").status_code == 405


def test_filter_by_who(org, logged):
    mine, _old = logged

    rows = _api_rows(org, actor=org.users["salesperson"].pk)

    assert {(row["action"], row["target_id"]) for row in rows} == {
        ("customer.created", str(mine.pk))
    }
    assert rows[0]["actor_label"] == "salesperson@alpha.test"


def test_filter_by_what(org, logged):
    rows = _api_rows(org, action="user.role_changed")

    assert [row["target_id"] for row in rows] == [str(org.users["north_rep"].pk)]
    assert rows[0]["action_label"] == "Role changed"


def test_filter_by_when(org, logged):
    mine, old = logged
    today = timezone.localdate()
    last_week = today - datetime.timedelta(days=7)

    recent = _api_rows(org, target_type="customers.customer", date_from=today.isoformat())
    earlier = _api_rows(
        org,
        target_type="customers.customer",
        date_from=(last_week - datetime.timedelta(days=1)).isoformat(),
        date_to=(today - datetime.timedelta(days=1)).isoformat(),
    )

    assert str(mine.pk) in {row["target_id"] for row in recent}
    assert str(old.pk) not in {row["target_id"] for row in recent}
    assert [row["target_id"] for row in earlier] == [str(old.pk)]


def test_filter_by_object(org, logged):
    mine, _old = logged

    rows = _api_rows(org, target_type="customers.customer", target_id=str(mine.pk))

    assert [row["action"] for row in rows] == ["customer.created"]
    assert "Logged 日志客户" in rows[0]["target_label"]
    assert rows[0]["target_type_label"] == "customer"


def test_the_page_filters_the_same_way(org, logged):
    mine, old = logged
    client = org.client("owner")

    by_who = client.get(PAGE, {"actor": org.users["salesperson"].pk}).content.decode()
    by_object = client.get(
        PAGE, {"target_type": "customers.customer", "target_id": str(old.pk)}
    ).content.decode()

    assert "Logged 日志客户" in by_who and "Old 旧客户" not in by_who
    assert "Old 旧客户" in by_object and "Logged 日志客户" not in by_object
    assert "1 entry" in by_object


@pytest.mark.parametrize(
    "params",
    [
        {"action": "customer.stolen"},
        {"date_from": "last tuesday"},
        {"date_to": "2026-13-40"},
        {"actor": "999999"},
        {"target_type": "secrets.vault"},
        {"target_id": "x" * 65},
    ],
)
def test_a_bad_filter_is_a_400_on_the_api_and_ignored_on_the_page(org, logged, params):
    api = org.api("owner").get(API, params)
    page = org.client("owner").get(PAGE, params)

    assert api.status_code == 400
    assert set(api.json()["errors"]) == set(params)
    assert page.status_code == 200


def test_labels_follow_the_readers_language(org, logged):
    client = org.client("owner")
    client.cookies["django_language"] = "zh-hans"

    body = client.get(PAGE).content.decode()
    rows = org.api("owner").get(
        API, {"action": "user.role_changed"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert '<html lang="zh-hans">' in body
    assert "角色已变更" in body  # "Role changed"
    assert "用户" in body  # the kind of object: user
    assert "Role changed" not in body
    entry = rows.json()["results"][0]
    assert (entry["action_label"], entry["target_type_label"]) == ("角色已变更", "用户")


def test_another_workspaces_log_stays_its_own(org, beta_org):
    with schema_context(org.schema):
        customer_services.customer_create(actor=org.owner, name="Alpha Secret 甲")
        alpha_last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    with schema_context(beta_org.schema):
        beta_last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()

    labels = {row["target_label"] for row in _api_rows(beta_org)}
    page = beta_org.client("owner").get(PAGE, {"per_page": 100}).content.decode()
    by_id = beta_org.api("owner").get(f"{API}{alpha_last}/")

    assert alpha_last > beta_last  # an id only alpha has
    assert not any("Alpha Secret" in label for label in labels)
    assert "Alpha Secret" not in page
    assert by_id.status_code == 404


def test_the_api_list_runs_a_fixed_number_of_queries(org, logged):
    api = org.api("owner")

    def grow():
        with schema_context(org.schema):
            for index in range(5):
                customer_services.customer_create(
                    actor=org.users["salesperson"], name=f"Grow {index}"
                )

    assert_list_queries(lambda: api.get(API), grow, queries=7, size=list_count)


def test_the_page_runs_a_fixed_number_of_queries(org, logged):
    client = org.client("executive")

    def grow():
        with schema_context(org.schema):
            for index in range(5):
                customer_services.customer_create(
                    actor=org.users["salesperson"], name=f"Grow {index}"
                )

    # the first page holds 50 entries either way: the total grows
    def total(response) -> int:
        return int(response.content.decode().split(" entries</p>", 1)[0].rsplit(">", 1)[1])

    assert_list_queries(lambda: client.get(PAGE), grow, queries=9, size=total)
