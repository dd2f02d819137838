"""The home page per role (`workspace.dashboard`): which panels each role gets, what a
person with several roles gets, the first steps of a new workspace, a role without
panels, panels registered by another app, and no dead ends (every link opens)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import translation
from django_tenants.utils import schema_context

from tests.workspace.dashboard_support import Home, home, month_of_documents
from tradepost.workspace import dashboard
from tradepost.workspace.dashboard import HomePanel
from tradepost.workspace.templatetags.charts import ChartPoint, bar_chart

PANELS_OF = {
    "salesperson": ["my_targets", "my_day", "my_overdue"],
    "sales_manager": ["team_targets", "orders_to_review"],
    "warehouse_manager": ["deliveries_due", "low_stock"],
    "finance_manager": ["aging", "collections"],
    "executive": ["company_kpis"],
    "owner": ["company_kpis"],
}


@pytest.mark.parametrize("who", sorted(PANELS_OF))
def test_each_role_gets_the_panels_it_acts_on(sales_org, who):
    page = home(sales_org, who)

    assert page.panels == PANELS_OF[who]


@pytest.mark.parametrize("who", ["dealer", "customer_information_manager"])
def test_a_role_without_panels_keeps_the_first_steps_not_a_blank_page(sales_org, who):
    page = home(sales_org, who)

    assert page.panels == []
    assert page.shows_steps
    assert "Choose your language" in page.html


def test_someone_with_two_roles_sees_the_panels_of_each_once(sales_org):
    person = sales_org.users["salesperson"]
    with schema_context(sales_org.schema):
        person.groups.add(Group.objects.get(name="finance_manager"))

    page = home(sales_org, "salesperson")

    assert page.panels == ["my_targets", "my_day", "my_overdue", "aging", "collections"]


def test_a_new_workspace_shows_the_owner_the_first_steps_and_empty_figures(alpha):
    response = alpha.client(alpha.owner()).get("/")
    page = Home(response)

    # Given only the owner: the steps (inviting not done yet) above the figures.
    assert page.shows_steps
    assert "Invite your team" in page.html
    assert page.panels == ["company_kpis"]
    assert "No company target for this month." in page.text("company_kpis")
    assert "0.00" in page.text("company_kpis")


def test_once_the_team_is_in_the_owner_sees_only_the_figures(sales_org):
    page = home(sales_org, "owner")

    assert not page.shows_steps
    assert page.panels == ["company_kpis"]


def test_empty_panels_say_so_rather_than_show_nothing(sales_org):
    texts = {
        "salesperson": ("my_targets", "No target is set for you this month, quarter or year."),
        "sales_manager": ("orders_to_review", "No order is waiting for your review."),
        "warehouse_manager": ("low_stock", "Nothing is below its reorder point."),
        "finance_manager": ("aging", "No customer owes anything."),
    }
    for who, (key, text) in texts.items():
        assert text in home(sales_org, who).text(key), who


def test_a_panel_registered_by_another_app_joins_its_roles_pages(sales_org, monkeypatch):
    # Given an app (the alerts app, say) registering a panel for sales managers …
    def context(request, today):
        return {"rows": [], "overdue_url": "/finance/receivables/overdue/"}

    monkeypatch.setattr(dashboard, "PANELS", dict(dashboard.PANELS))
    dashboard.register_home_panel(
        HomePanel(
            key="alerts",
            title="Alerts",
            template="settlement/home/my_overdue.html",
            context=context,
            roles=frozenset({"sales_manager"}),
            order=15,
        )
    )

    # … the managers' page shows it in its place, the salespeople's does not.
    assert home(sales_org, "sales_manager").panels == [
        "team_targets",
        "alerts",
        "orders_to_review",
    ]
    assert "alerts" not in home(sales_org, "salesperson").panels


def test_a_panel_needing_a_permission_is_left_out_for_a_role_without_it(sales_org, monkeypatch):
    monkeypatch.setattr(dashboard, "PANELS", dict(dashboard.PANELS))
    dashboard.register_home_panel(
        HomePanel(
            key="costs",
            title="Costs",
            template="settlement/home/my_overdue.html",
            context=lambda request, today: {"rows": [], "overdue_url": "/"},
            roles=frozenset({"salesperson"}),
            permission="settlement.adjust_receivable",
        )
    )

    assert "costs" not in home(sales_org, "salesperson").panels


@pytest.mark.parametrize("who", sorted(PANELS_OF))
def test_every_figure_links_to_a_page_that_opens(sales_org, who):
    org = month_of_documents(sales_org)
    page = home(org, who)
    client = org.client(who)

    links = {href for key in page.panels for href in page.links(key)}
    assert links, who
    for href in sorted(links):
        assert client.get(href).status_code == 200, href


def test_amounts_are_grouped_by_thousands_in_both_languages(sales_org):
    org = month_of_documents(sales_org)

    for language in ("en", "zh-hans"):
        page = home(org, "executive", language=language)
        assert "10,000.00" in page.text("company_kpis"), language  # the company target
        assert "899.48" in page.text("company_kpis"), language  # overdue, both customers


def test_the_bar_chart_draws_one_bar_per_point_with_grouped_tooltips():
    points = [
        ChartPoint("11", Decimal("1234567.5")),
        {"label": "12", "value": Decimal("0"), "current": True},
    ]

    with translation.override("en"):
        svg = str(bar_chart(points, label="Sales"))

    assert svg.count("<rect") == 2
    assert 'class="chart-bar current"' in svg
    assert "11: 1,234,567.50" in svg
    assert 'aria-label="Sales"' in svg
    assert bar_chart([]) == ""
