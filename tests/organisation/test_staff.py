"""The staff page and `/api/v1/staff/`: administrators place people (branch, region,
manager, title, phone); everyone else is refused; bad input is a 400 with nothing
written; another workspace's people are out of reach; the list's query count is fixed."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from tests.organisation.helpers import manager_of, report_to
from tests.support.api import list_count
from tests.support.queries import assert_list_queries
from tradepost.masterdata.models import StaffProfile

STAFF_ROLES_REFUSED = [
    "executive",
    "sales_manager",
    "salesperson",
    "finance_manager",
    "customer_information_manager",
    "warehouse_manager",
    "dealer",
]


def _options(html: str, name: str) -> set[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return {value for value in re.findall(r'<option value="(\d+)"', select.group(1))}


# --- The page ------------------------------------------------------------------------
def test_the_administrator_sees_everyone_but_dealers_with_their_places(org):
    report_to(org, org.users["salesperson"], org.users["sales_manager"])

    body = org.client("owner").get("/organisation/staff/").content.decode()

    assert "salesperson@alpha.test" in body
    assert "Shanghai" in body and "East 华东分公司" in body
    assert "dealer@alpha.test" not in body
    assert "Not placed yet" in body  # the executive has no profile yet


def test_the_staff_list_filters_by_branch_subtree_region_manager_and_search(org):
    report_to(org, org.users["salesperson"], org.users["sales_manager"])
    client = org.client("owner")

    def emails(**params) -> set[str]:
        body = client.get("/organisation/staff/", params).content.decode()
        return set(re.findall(r'<small class="muted">([\w.-]+@alpha\.test)</small>', body))

    east = emails(branch=org.branches["east"].pk)
    region = emails(region=org.regions["east_china"].pk)
    reports = emails(manager=org.users["sales_manager"].pk)
    found = emails(q="north@")

    assert east == {"salesperson@alpha.test", "sales_manager@alpha.test"}
    assert region == {"sales_manager@alpha.test"}
    assert reports == {"salesperson@alpha.test"}
    assert found == {"north@alpha.test"}


@pytest.mark.parametrize("who", STAFF_ROLES_REFUSED)
def test_only_administrators_open_the_staff_pages(org, who):
    client = org.client(who)
    rep = org.users["salesperson"]

    assert client.get("/organisation/staff/").status_code == 403
    assert client.get(f"/organisation/staff/{rep.pk}/edit/").status_code == 403
    response = client.post(
        f"/organisation/staff/{rep.pk}/edit/",
        {"branch": org.branches["east"].pk, "manager": org.users["sales_manager"].pk},
    )
    assert response.status_code == 403
    assert manager_of(org, rep) is None


def test_the_edit_form_saves_the_place_and_offers_only_possible_managers(org, make_user):
    manager, rep, north = (org.users[k] for k in ("sales_manager", "salesperson", "north_rep"))
    report_to(org, rep, manager)
    client = org.client("owner")

    form = client.get(f"/organisation/staff/{manager.pk}/edit/").content.decode()
    response = client.post(
        f"/organisation/staff/{north.pk}/edit/",
        {
            "branch": org.branches["beijing"].pk,
            "region": org.regions["north_china"].pk,
            "manager": manager.pk,
            "title": "Key accounts 大客户",
            "phone": "010-5555",
        },
    )

    offered = _options(form, "manager")
    # not themselves, not someone below them (a loop), not a dealer
    assert str(manager.pk) not in offered
    assert str(rep.pk) not in offered
    assert str(org.users["dealer"].pk) not in offered
    assert str(org.users["executive"].pk) in offered
    assert response.status_code == 302
    with schema_context(org.schema):
        profile = StaffProfile.objects.get(user=north)
    assert (profile.manager_id, profile.title, profile.phone, profile.region_id) == (
        manager.pk,
        "Key accounts 大客户",
        "010-5555",
        org.regions["north_china"].pk,
    )


@pytest.mark.parametrize("bad", ["self", "report", "missing", "dealer"])
def test_a_bad_manager_on_the_page_is_a_400_and_nothing_is_written(org, bad):
    manager, rep = org.users["sales_manager"], org.users["salesperson"]
    report_to(org, rep, manager)
    chosen = {"self": manager.pk, "report": rep.pk, "missing": 999999, "dealer": None}[bad]
    chosen = chosen or org.users["dealer"].pk

    response = org.client("owner").post(
        f"/organisation/staff/{manager.pk}/edit/",
        {"branch": org.branches["east"].pk, "manager": chosen, "title": "Changed"},
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    with schema_context(org.schema):
        profile = StaffProfile.objects.get(user=manager)
    assert (profile.manager_id, profile.title) == (None, "")


def test_placing_someone_for_the_first_time_needs_a_branch(org, make_user):
    newcomer = make_user(org.workspace, "salesperson", email="newcomer@alpha.test")

    refused = org.client("owner").post(f"/organisation/staff/{newcomer.pk}/edit/", {"title": "x"})
    placed = org.client("owner").post(
        f"/organisation/staff/{newcomer.pk}/edit/", {"branch": org.branches["hangzhou"].pk}
    )

    assert refused.status_code == 400
    assert placed.status_code == 302
    with schema_context(org.schema):
        assert StaffProfile.objects.get(user=newcomer).branch_id == org.branches["hangzhou"].pk


def test_a_dealer_has_no_staff_page_of_their_own(org):
    dealer = org.users["dealer"]

    response = org.client("owner").get(f"/organisation/staff/{dealer.pk}/edit/")

    assert response.status_code == 404


def test_another_workspaces_administrator_cannot_reach_these_people(org, beta_org, make_user):
    only_alpha = make_user(org.workspace, "salesperson", email="only-alpha@alpha.test")
    beta_admin = beta_org.client("owner")

    listing = beta_admin.get("/organisation/staff/").content.decode()
    edit = beta_admin.get(f"/organisation/staff/{only_alpha.pk}/edit/")
    api = beta_org.api("owner").get(f"/api/v1/staff/{only_alpha.pk}/")

    assert "only-alpha@alpha.test" not in listing
    assert "@alpha.test" not in listing
    assert edit.status_code == 404
    assert api.status_code == 404


def test_the_staff_page_runs_a_fixed_number_of_queries(org, make_user):
    client = org.client("owner")
    counter = iter(range(100))

    def grow():
        for _ in range(5):
            person = make_user(
                org.workspace, "salesperson", email=f"grow{next(counter)}@alpha.test"
            )
            report_to(org, person, org.users["sales_manager"], branch=org.branches["beijing"])

    def size(response) -> int:
        return response.content.decode().count("/edit/")

    # schema, session, user, permissions (2), count, the filters' branches, regions and
    # managers, the page of people with their profiles, and their roles
    assert_list_queries(lambda: client.get("/organisation/staff/"), grow, queries=11, size=size)


# --- The API -------------------------------------------------------------------------
def test_the_api_lists_reads_and_patches_a_place(org):
    api = org.api("owner")
    rep, manager = org.users["salesperson"], org.users["sales_manager"]

    listed = api.rows("/api/v1/staff/", page_size=100)
    patched = api.patch(
        f"/api/v1/staff/{rep.pk}/",
        {"manager": manager.pk, "title": "Rep 销售代表", "region": org.regions["shanghai"].pk},
    )
    read = api.get(f"/api/v1/staff/{rep.pk}/").json()

    emails = {row["email"] for row in listed}
    assert "dealer@alpha.test" not in emails and "north@alpha.test" in emails
    assert patched.status_code == 200, patched.content
    assert read == patched.json()
    assert (read["manager"], read["title"], read["region"], read["branch"]) == (
        manager.pk,
        "Rep 销售代表",
        org.regions["shanghai"].pk,
        org.branches["shanghai"].pk,
    )


def test_the_api_filters_by_branch_region_and_manager(org):
    report_to(org, org.users["salesperson"], org.users["sales_manager"])
    api = org.api("owner")

    def emails(**params):
        return {row["email"] for row in api.rows("/api/v1/staff/", **params)}

    assert emails(branch=org.branches["east"].pk) == {
        "salesperson@alpha.test",
        "sales_manager@alpha.test",
    }
    assert emails(manager=org.users["sales_manager"].pk) == {"salesperson@alpha.test"}
    assert emails(search="north@") == {"north@alpha.test"}
    assert api.get("/api/v1/staff/", {"branch": "nope"}).status_code == 400


@pytest.mark.parametrize("who", STAFF_ROLES_REFUSED)
def test_only_administrators_use_the_staff_api(org, who):
    api = org.api(who)
    rep = org.users["salesperson"]

    assert api.get("/api/v1/staff/").status_code == 403
    assert api.get(f"/api/v1/staff/{rep.pk}/").status_code == 403
    assert api.patch(f"/api/v1/staff/{rep.pk}/", {"title": "x"}).status_code == 403


def test_an_executives_api_key_is_refused_and_an_administrators_works(org, api_key, api_client):
    executive = api_client(org.workspace, api_key(org.workspace, role="executive"))
    admin = api_client(org.workspace, api_key(org.workspace, role="system_administrator"))

    assert executive.get("/api/v1/staff/").status_code == 403
    assert admin.get("/api/v1/staff/").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"manager": "self"}, "manager"),
        ({"manager": "report"}, "manager"),
        ({"manager": 999999}, "manager"),
        ({"manager": "beta_only"}, "manager"),
        ({"manager": "dealer"}, "manager"),
        ({"branch": 999999}, "branch"),
        ({"title": "x" * 101}, "title"),
        ({"title": 5}, "title"),
        ({"nickname": "Boss"}, "nickname"),
    ],
)
def test_bad_input_is_a_400_and_nothing_is_written(org, beta_org, make_user, body, field):
    manager, rep = org.users["sales_manager"], org.users["salesperson"]
    report_to(org, rep, manager)
    beta_only = make_user(beta_org.workspace, "sales_manager", email="beta-only@beta.test")
    stand_ins = {
        "self": manager.pk,
        "report": rep.pk,
        "beta_only": beta_only.pk,
        "dealer": org.users["dealer"].pk,
    }
    body = {key: stand_ins.get(value, value) for key, value in body.items()}
    with schema_context(org.schema):
        before = StaffProfile.objects.filter(user=manager).values().get()

    response = org.api("owner").patch(f"/api/v1/staff/{manager.pk}/", body)

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    with schema_context(org.schema):
        assert StaffProfile.objects.filter(user=manager).values().get() == before


def test_a_loop_through_the_api_says_why(org):
    manager, rep = org.users["sales_manager"], org.users["salesperson"]
    report_to(org, rep, manager)

    response = org.api("owner").patch(f"/api/v1/staff/{manager.pk}/", {"manager": rep.pk})

    assert response.status_code == 400
    assert "go round in a circle" in response.json()["errors"]["manager"][0]
    assert manager_of(org, manager) is None


def test_the_staff_api_list_runs_a_fixed_number_of_queries(org, make_user):
    api = org.api("owner")
    counter = iter(range(100))

    def grow():
        for _ in range(5):
            person = make_user(org.workspace, "salesperson", email=f"api{next(counter)}@alpha.test")
            report_to(org, person, org.users["sales_manager"], branch=org.branches["beijing"])

    assert_list_queries(lambda: api.get("/api/v1/staff/"), grow, queries=8, size=list_count)
