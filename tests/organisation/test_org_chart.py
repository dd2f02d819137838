"""The org chart: people nested under their managers (plain nested lists), the rest
listed apart; every staff role reads it, a dealer does not."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from tests.organisation.helpers import report_to
from tests.support.queries import count_queries


def _chart(org, who="owner") -> str:
    response = org.client(who).get("/organisation/chart/")
    assert response.status_code == 200
    return response.content.decode()


def test_people_hang_under_their_managers(org):
    manager, rep, north = (org.users[k] for k in ("sales_manager", "salesperson", "north_rep"))
    report_to(org, rep, manager)
    report_to(org, north, rep)

    body = _chart(org)

    # manager › salesperson › north_rep, each one list deeper
    chain = re.search(
        r"<strong>sales_manager</strong>.*?<ul class=\"org-level\">.*?<strong>salesperson</strong>"
        r".*?<ul class=\"org-level\">.*?<strong>salesperson</strong>",
        body,
        re.S,
    )
    assert chain, body
    assert "2 direct reports" not in body and "1 direct report" in body
    apart = body.split("Not in a reporting line", 1)[1]
    assert "<strong>executive</strong>" in apart
    assert "<strong>sales_manager</strong>" not in apart


def test_an_empty_chart_says_so(org):
    body = _chart(org)

    assert "Nobody has anyone reporting to them yet." in body


@pytest.mark.parametrize(
    "who", ["executive", "sales_manager", "salesperson", "warehouse_manager", "finance_manager"]
)
def test_every_staff_role_reads_the_chart(org, who):
    report_to(org, org.users["salesperson"], org.users["sales_manager"])

    body = _chart(org, who)

    assert "<strong>sales_manager</strong>" in body
    assert ("/organisation/staff/" in body) is False  # the staff pages are the admins'


def test_a_dealer_cannot_read_the_chart(org):
    response = org.client("dealer").get("/organisation/chart/")

    assert response.status_code == 403
    assert "sales_manager" not in response.content.decode()


def test_another_workspaces_people_are_not_on_the_chart(org, beta_org, make_user):
    only_alpha = make_user(org.workspace, "salesperson", email="chart-alpha@alpha.test")
    only_alpha.full_name = "Alpha Only 甲"
    with schema_context(org.schema):
        only_alpha.save(update_fields=["full_name"])

    body = _chart(beta_org)

    assert "Alpha Only 甲" not in body


def test_the_chart_costs_the_same_queries_for_a_bigger_organisation(org, make_user):
    client = org.client("owner")
    client.get("/organisation/chart/")
    with count_queries() as small:
        client.get("/organisation/chart/")
    for index in range(6):
        person = make_user(org.workspace, "salesperson", email=f"c{index}@alpha.test")
        report_to(org, person, org.users["sales_manager"], branch=org.branches["beijing"])
    with count_queries() as big:
        response = client.get("/organisation/chart/")

    assert response.content.decode().count("<strong>salesperson</strong>") >= 7
    assert len(small) == len(big) == 6, big
