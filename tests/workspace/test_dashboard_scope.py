"""Every figure of the home page within the reader's scope: two people of each role
see their own numbers, never each other's, and one workspace's figures never reach
another's (documents of `dashboard_support.month_of_documents`)."""

from __future__ import annotations

from tests.settlement.conftest import confirmed_order, kettles
from tests.workspace.dashboard_support import (
    home,
    month_of_documents,
    overdue_invoice,
    submitted_order,
    target,
)


def test_a_salesperson_sees_their_own_targets_and_overdue_never_a_colleagues(sales_org):
    org = month_of_documents(sales_org)

    mine, theirs = home(org, "salesperson"), home(org, "north_rep")

    assert "1,000.00" in mine.text("my_targets")  # their target
    # Their two confirmed orders of a kettle (one of them invoiced).
    assert "398.00 of 1,000.00" in mine.text("my_targets")
    assert "2,000.00" not in mine.text("my_targets")
    assert "224.87" in mine.text("my_overdue")
    assert "674.61" not in mine.text("my_overdue")

    assert "1,194.00 of 2,000.00" in theirs.text("my_targets")
    assert "1,000.00" not in theirs.text("my_targets")
    assert "674.61" in theirs.text("my_overdue")
    assert "224.87" not in theirs.text("my_overdue")


def test_my_day_counts_only_the_salespersons_own_waiting_orders(sales_org):
    org = sales_org
    rejected = submitted_order(org, "north")
    from django_tenants.utils import schema_context

    from tradepost.sales import orders

    with schema_context(org.schema):
        orders.order_reject(actor=org.owner, order=rejected, comment="Price too low")

    assert "1 order waiting for me" in home(org, "north_rep").text("my_day")
    assert "0 orders waiting for me" in home(org, "salesperson").text("my_day")


def test_a_manager_sees_the_team_below_them_not_another_branch(sales_org):
    org = month_of_documents(sales_org)
    # A second manager, of the North branch, with the north rep reporting to them.
    from django_tenants.utils import schema_context

    from tests.support.factories import user_with_role
    from tradepost.masterdata import services as md

    north_manager = user_with_role(org.workspace, "sales_manager", email="nm@alpha.test")
    with schema_context(org.schema):
        md.staff_profile_set(actor=org.owner, user=north_manager, branch=org.branches["north"])
        md.staff_profile_update(actor=org.owner, user=org.users["north_rep"], manager=north_manager)
    org.users["north_manager"] = north_manager

    east, north = home(org, "sales_manager"), home(org, "north_manager")

    east_team = east.text("team_targets")
    assert "East" in east_team and "5,000.00" in east_team
    assert "1,000.00" in east_team  # the Shanghai salesperson's target
    assert "2,000.00" not in east_team  # the north rep's
    assert "1 order submitted for review" in east.text("orders_to_review")

    north_team = north.text("team_targets")
    assert "2,000.00" in north_team  # their report's target
    assert "1,000.00" not in north_team and "5,000.00" not in north_team
    assert "1 order submitted for review" in north.text("orders_to_review")


def test_finance_and_executives_see_the_whole_company(sales_org):
    org = month_of_documents(sales_org)

    finance, executive = home(org, "finance_manager"), home(org, "executive")

    assert "899.48" in finance.text("aging")  # 224.87 + 674.61 overdue
    assert "899.48" in finance.text("collections")
    assert "2 customers to chase" in finance.text("collections")
    kpis = executive.text("company_kpis")
    assert "1,592.00" in kpis  # 398.00 + 1,194.00 confirmed this month
    assert "10,000.00" in kpis  # the company target


def test_the_warehouse_sees_orders_to_ship_and_low_stock(sales_org):
    org = month_of_documents(sales_org)

    page = home(org, "warehouse_manager")

    # Four confirmed orders to ship (two of them invoiced), none with a date.
    assert "4 later or without a date" in page.text("deliveries_due")
    assert "1 product below its reorder point" in page.text("low_stock")


def test_another_workspaces_documents_never_reach_the_figures(sales_org, beta_sales_org):
    # Given documents in beta only (both schemas have the same ids) …
    beta = beta_sales_org
    confirmed_order(beta, "rep_own", lines=kettles(beta, "5"))
    overdue_invoice(beta, "rep_own", "2")
    target(beta, "salesperson", "3000.00", salesperson=beta.users["salesperson"])

    # … alpha's people see nothing of them.
    executive = home(sales_org, "executive").text("company_kpis")
    assert "995.00" not in executive and "0.00" in executive
    assert "No customer owes anything." in home(sales_org, "finance_manager").text("aging")
    salesperson = home(sales_org, "salesperson")
    assert "3,000.00" not in salesperson.text("my_targets")
    assert "None of your customers is overdue." in salesperson.text("my_overdue")
    # … while beta's own salesperson sees them.
    assert "3,000.00" in home(beta, "salesperson").text("my_targets")
