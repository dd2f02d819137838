"""A user's roles and customer scope are read once per request (`tradepost.request_memo`),
never kept beyond it: the same user object in a later request, or outside any request,
reads them afresh, and a change made during the request is seen at once."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.http import HttpResponse
from django.test import RequestFactory
from django_tenants.utils import schema_context

from tests.support.queries import count_queries
from tradepost.accounts.roles import Role
from tradepost.customers import selectors
from tradepost.request_memo import RequestMemoMiddleware

ROLES = 'SELECT "auth_group"."id", "auth_group"."name" FROM "auth_group"'
PROFILE = 'SELECT "masterdata_staffprofile"."id"'


def _reads(statements: list[str], start: str) -> int:
    """Statements that read the user's groups (ROLES) or a staff profile (PROFILE); the
    permission look-up joins the groups too, but is Django's own (cached per user)."""
    return sum(sql.startswith(start) for sql in statements)


def _in_a_request(work):
    """Run `work()` inside one request, as the middleware runs a view."""
    seen = []

    def view(request):
        seen.append(work())
        return HttpResponse()

    RequestMemoMiddleware(view)(RequestFactory().get("/"))
    return seen[0]


def test_a_page_reads_the_callers_roles_and_staff_profile_once(org):
    client = org.client("sales_manager")
    assert client.get("/customers/").status_code == 200  # warm per-process caches

    with count_queries() as statements:
        response = client.get("/customers/")

    assert response.status_code == 200
    assert _reads(statements, ROLES) == 1
    assert _reads(statements, PROFILE) == 1


def test_the_same_user_object_in_a_later_request_reads_its_roles_again(org):
    manager = org.users["sales_manager"]
    with schema_context(org.schema):
        first = _in_a_request(lambda: (manager.roles, selectors.customer_scope(manager)))
        # Taken away without signals (a queryset delete), between two requests.
        manager.groups.through.objects.filter(user_id=manager.pk).delete()

        later = _in_a_request(lambda: (manager.roles, selectors.customer_scope(manager)))

    assert first[0] == [Role.SALES_MANAGER.value]
    assert first[1].owner_id == manager.pk
    assert later[0] == []
    assert later[1].owner_id is None


def test_outside_a_request_nothing_is_kept(org):
    manager = org.users["sales_manager"]
    with schema_context(org.schema):
        assert manager.roles == [Role.SALES_MANAGER.value]

        with count_queries() as statements:
            assert manager.roles == [Role.SALES_MANAGER.value]

    assert _reads(statements, ROLES) == 1


def test_a_role_given_during_the_request_is_seen_at_once(org):
    person = org.users["salesperson"]

    def work():
        before = (person.roles, selectors.customer_scope(person).everything)
        person.groups.add(Group.objects.get(name=Role.EXECUTIVE.value))
        after = (sorted(person.roles), selectors.customer_scope(person).everything)
        return before, after

    with schema_context(org.schema):
        before, after = _in_a_request(work)

    assert before == ([Role.SALESPERSON.value], False)
    assert after == (sorted([Role.SALESPERSON.value, Role.EXECUTIVE.value]), True)


def test_within_a_request_the_roles_are_read_once(org):
    person = org.users["salesperson"]

    def work():
        with count_queries() as statements:
            for _ in range(4):
                assert person.roles == [Role.SALESPERSON.value]
                selectors.customer_scope(person)
        return statements

    with schema_context(org.schema):
        statements = _in_a_request(work)

    assert _reads(statements, ROLES) == 1
