"""The layout around every workspace page: navigation by role, user menu, assets."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

from tests.workspace.pages import Page
from tradepost.accounts.roles import Role

STYLESHEET = "tradepost/tradepost.css"
HTMX = "tradepost/vendor/htmx-2.0.11.min.js"
DASHBOARD_STYLESHEET = "workspace/dashboard.css"


def _home(workspace, user) -> Page:
    response = workspace.client(user).get("/")
    assert response.status_code == 200
    return Page(response.content.decode())


def test_the_owner_sees_every_module_and_the_current_one_marked(alpha):
    page = _home(alpha, alpha.owner())

    assert page.links_in("nav", "mainnav") == {
        "Home": "/",
        "Products": "/products/",
        "Customers": "/customers/",
        "Sales": "/sales/",
        "Inventory": "/inventory/stock/",
        "Finance": "/finance/invoices/",
        "Targets": "/plans/targets/",
        "Monthly stock report": "/reports/stock-monthly/",
        "Customer value": "/reports/customer-value/",
        "Sales drill-down": "/reports/sales/",
        "Users": "/accounts/users/",
        "API keys": "/settings/api-keys/",
        "Webhooks": "/settings/webhooks/",
        "Company": "/settings/company/",
        "Alert rules": "/alerts/rules/",
        "Billing": "/billing/",
    }
    current = [a.text for a in page.find_all("a") if a.attrs.get("aria-current") == "page"]
    assert current == ["Home"]
    # The reports and the administration pages open from one menu item each.
    groups = [summary.text.strip() for summary in page.find_all("summary")]
    assert "Reports" in groups and "Settings" in groups


def test_a_group_with_one_page_for_the_user_is_a_plain_link(alpha, make_user):
    page = _home(alpha, make_user(alpha, Role.WAREHOUSE_MANAGER))

    nav = page.links_in("nav", "mainnav")
    assert nav.get("Monthly stock report") == "/reports/stock-monthly/"
    assert "Customer value" not in nav  # not the warehouse's
    assert "Reports" not in [summary.text.strip() for summary in page.find_all("summary")]


@pytest.mark.parametrize("role", [role for role in Role if role != Role.DEALER])
def test_staff_roles_see_the_users_page_in_the_navigation(alpha, make_user, role):
    page = _home(alpha, make_user(alpha, role))

    assert page.links_in("nav", "mainnav").get("Users") == "/accounts/users/"


def test_a_dealer_does_not_see_the_users_page(alpha, make_user):
    page = _home(alpha, make_user(alpha, Role.DEALER))

    nav = page.links_in("nav", "mainnav")
    assert "Users" not in nav
    assert "/accounts/users/" not in nav.values()
    assert not {"Users", "API keys", "Webhooks", "Company", "Billing"} & set(nav)


def test_only_those_who_may_invite_get_the_invite_step(alpha, make_user):
    owner_page = _home(alpha, alpha.owner())
    salesperson_page = _home(alpha, make_user(alpha, Role.SALESPERSON))

    assert owner_page.links_in("li", "step").get("Invite people") == "/accounts/users/"
    assert "Invite people" not in salesperson_page.links_in("li", "step")
    assert "Invite your team" not in {h.text for h in salesperson_page.find_all("h2")}


def test_the_user_menu_names_the_user_and_signs_out(alpha, make_user):
    user = make_user(alpha, Role.SALESPERSON, email="sam@alpha.test")
    client = alpha.client(user)
    page = Page(client.get("/").content.decode())

    menu = page.find_all("details", "usermenu")
    assert len(menu) == 1
    assert "sam@alpha.test" in menu[0].text
    assert page.links_in("details", "usermenu") == {"Change password": "/accounts/password/change/"}
    buttons = [b for b in page.find_all("button") if b.inside("details", "usermenu")]
    assert [b.text for b in buttons] == ["Keyboard shortcuts ?", "Sign out"]
    sign_out = buttons[1:]
    form = sign_out[0].inside("form")
    assert form.attrs["method"] == "post"

    # Following the menu's form signs the user out.
    assert client.post(form.attrs["action"]).status_code == 302
    assert client.get("/")["Location"].startswith("/accounts/login/")


SHORTCUTS = "/static/tradepost/shortcuts.js"


def test_pages_load_only_local_scripts_and_styles(alpha, public_client):
    # A signed-in workspace page adds its keyboard shortcuts (and the home page its
    # panels' stylesheet); the public site does not. The charts are inline SVG: no script.
    expected_styles = {
        "workspace": [f"/static/{STYLESHEET}", f"/static/{DASHBOARD_STYLESHEET}"],
        "public": [f"/static/{STYLESHEET}"],
    }
    expected = {
        "workspace": [
            f"/static/{HTMX}",
            "/static/tradepost/tradepost.js",
            SHORTCUTS,
            "/static/tradepost/typeahead.js",
        ],
        "public": [f"/static/{HTMX}", "/static/tradepost/tradepost.js"],
    }
    for where, client in (("workspace", alpha.client(alpha.owner())), ("public", public_client)):
        page = Page(client.get("/").content.decode())

        styles = [
            link.attrs["href"]
            for link in page.find_all("link")
            if link.attrs.get("rel") == "stylesheet"
        ]
        scripts = [s.attrs["src"] for s in page.find_all("script") if "src" in s.attrs]
        assert styles == expected_styles[where]
        assert scripts == expected[where]
        external = [
            url
            for url in [*(e.attrs.get("href", "") for e in page.find_all("link")), *scripts]
            if re.match(r"(https?:)?//", url)
        ]
        assert external == []


def test_the_linked_assets_are_shipped():
    # A stylesheet or script that the static finders cannot find is a 404 in production.
    for asset in (STYLESHEET, HTMX, DASHBOARD_STYLESHEET):
        assert finders.find(asset), f"{asset} is not in any static folder"


def test_an_anonymous_visitor_is_sent_to_sign_in(alpha):
    response = alpha.client().get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_public_landing_page_invites_to_sign_up(public_client):
    response = public_client.get("/")

    assert response.status_code == 200
    page = Page(response.content.decode())
    assert "/signup/" in {a.attrs.get("href") for a in page.find_all("a")}
    assert page.find_all("nav", "mainnav") == []
    assert page.find_all("details", "usermenu") == []
