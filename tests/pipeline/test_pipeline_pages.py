"""The pipeline pages: the board with its columns, sums and "Move to…" forms, moving
with and without JavaScript, entering and editing an opportunity, its page with quotes
and stage history, the forecast and the probability settings — bad input answered 400
with nothing written, each role's access, isolation and board queries that do not grow
with rows."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support import factories
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.pipeline import services as pipeline
from tradepost.pipeline.models import Opportunity, StageProbability
from tradepost.sales.models import Quote

BOARD = "/sales/pipeline/"


def _stage(org, opportunity) -> str:
    with schema_context(org.workspace.schema):
        return Opportunity.objects.get(pk=opportunity.pk).stage


def _column(html: str, stage: str) -> str:
    """The HTML of one board column."""
    match = re.search(
        rf'<section class="board-column stage-{stage}".*?</section>', html, flags=re.DOTALL
    )
    assert match, stage
    return match.group(0)


# --- Board ---------------------------------------------------------------------------
def test_the_board_shows_a_column_per_stage_with_cards_and_sums(sales_org):
    org = sales_org
    factories.opportunity(
        org,
        name="Hotel kitchen",
        amount=Decimal("25000"),
        stage="vision",
        expected_close=datetime.date(2026, 6, 30),
    )
    factories.opportunity(org, name="Canteen", amount=Decimal("1000.50"), stage="vision")
    factories.opportunity(
        org, name="Dollar deal", amount=Decimal("100"), currency="USD", stage="vision"
    )
    factories.opportunity(org, "north", name="Beijing chain")
    response = org.client("salesperson").get(BOARD)
    assert response.status_code == 200
    html = response.content.decode()
    for label in (
        "Prospect",
        "Interest",
        "Diagnosis",
        "Vision",
        "Proposal",
        "Negotiation",
        "Won",
        "Lost",
    ):
        assert f">{label} <small" in html, label
    vision = _column(html, "vision")
    assert "Hotel kitchen" in vision and "Canteen" in vision
    assert "3 opportunities" in vision
    assert "26,000.50 CNY" in vision and "weighted 10,400.20 CNY" in vision
    assert "100.00 USD" in vision and "weighted 40.00 USD" in vision
    assert "Beijing chain" not in html  # another salesperson's customer
    # Each card can be moved without JavaScript.
    assert vision.count('class="opp-move"') == 3
    assert 'draggable="true"' in vision and "pipeline/pipeline.js" in html


def test_the_board_filters_and_shows_empty_states(sales_org):
    org = sales_org
    manager = org.client("sales_manager")
    empty = manager.get(BOARD).content.decode()
    assert "The pipeline is empty." in empty and "/sales/pipeline/new/" in empty
    factories.opportunity(org, name="Rep's deal")
    with schema_context(org.workspace.schema):
        pipeline.opportunity_create(
            actor=org.users["sales_manager"],
            customer=org.customers["hangzhou_unowned"],
            name="Manager's deal",
            amount=Decimal("5"),
        )
    mine = manager.get(f"{BOARD}?mine=1").content.decode()
    assert "Manager&#x27;s deal" in mine and "Rep&#x27;s deal" not in mine
    found = manager.get(f"{BOARD}?q=West+Lake").content.decode()  # the customer's name
    assert "Manager&#x27;s deal" in found and "Rep&#x27;s deal" not in found
    none = manager.get(f"{BOARD}?q=zzz").content.decode()
    assert "No opportunity matches this filter." in none


@pytest.mark.parametrize(
    ("role", "status", "can_move"),
    [
        ("salesperson", 200, True),
        ("sales_manager", 200, True),
        ("executive", 200, False),
        ("finance_manager", 200, False),
        ("customer_information_manager", 403, False),
        ("warehouse_manager", 403, False),
        ("dealer", 403, False),
    ],
)
def test_who_sees_the_board_and_who_moves_cards(sales_org, role, status, can_move):
    org = sales_org
    factories.opportunity(org)
    response = org.client(role).get(BOARD)
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert ('class="opp-move"' in html) is can_move
        assert ("data-can-move" in html) is can_move


def test_signed_out_people_are_sent_to_sign_in(sales_org):
    response = sales_org.workspace.client().get(BOARD)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_board_queries_do_not_grow_with_rows(sales_org):
    org = sales_org
    client = org.client("sales_manager")
    factories.opportunity(org)

    def grow():
        for index in range(12):
            opportunity = factories.opportunity(
                org,
                ("rep_own", "hangzhou_unowned")[index % 2],
                name=f"Deal {index}",
                stage=("prospect", "vision", "negotiation")[index % 3],
                currency=("CNY", "USD")[index % 2],
            )
            if index % 4 == 0:
                with schema_context(org.workspace.schema):
                    pipeline.opportunity_move(
                        actor=org.owner, opportunity=opportunity, stage="won", reason="Signed"
                    )

    response = assert_list_queries(lambda: client.get(BOARD), grow, queries=11)
    assert response.content.decode().count('class="opp-card"') == 13


# --- Moving --------------------------------------------------------------------------
def test_a_card_moves_with_its_form_and_comes_back_to_the_board(sales_org):
    org = sales_org
    opportunity = factories.opportunity(org)
    rep = org.client("salesperson")
    url = f"/sales/pipeline/{opportunity.pk}/move/"
    response = rep.post(url, {"stage": "proposal", "next": f"{BOARD}?mine=1"})
    assert response.status_code == 302 and response["Location"] == f"{BOARD}?mine=1"
    assert _stage(org, opportunity) == "proposal"
    # Somewhere else is not a place to go back to.
    away = rep.post(url, {"stage": "vision", "next": "https://evil.example/"})
    assert away["Location"] == BOARD


def test_won_without_a_reason_asks_for_one_on_the_move_page(sales_org):
    org = sales_org
    opportunity = factories.opportunity(org)
    rep = org.client("salesperson")
    url = f"/sales/pipeline/{opportunity.pk}/move/"
    refused = rep.post(url, {"stage": "won", "next": BOARD})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Say why it was won." in html and 'name="reason"' in html
    assert f'value="{BOARD}"' in html  # comes back to the board afterwards
    assert _stage(org, opportunity) == "prospect"
    won = rep.post(url, {"stage": "won", "reason": "Best offer", "next": BOARD})
    assert won.status_code == 302
    with schema_context(org.workspace.schema):
        opportunity.refresh_from_db()
        assert (opportunity.stage, opportunity.close_reason) == ("won", "Best offer")
        assert opportunity.follow_up_on == timezone.localdate() + datetime.timedelta(days=30)
    assert rep.get(url).status_code == 200


def test_the_board_script_gets_json_answers(sales_org):
    org = sales_org
    opportunity = factories.opportunity(org)
    rep = org.client("salesperson")
    url = f"/sales/pipeline/{opportunity.pk}/move/"
    moved = rep.post(url, {"stage": "negotiation"}, HTTP_ACCEPT="application/json")
    assert moved.status_code == 200
    assert moved.json() == {"id": opportunity.pk, "stage": "negotiation", "label": "Negotiation"}
    refused = rep.post(url, {"stage": "lost", "reason": " "}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["reason"][0]["message"] == "Say why it was lost."
    bad = rep.post(url, {"stage": "closing"}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400 and "stage" in bad.json()["errors"]
    assert _stage(org, opportunity) == "negotiation"


def test_moving_needs_the_permission_the_scope_and_the_csrf_token(sales_org):
    org = sales_org
    opportunity = factories.opportunity(org)
    url = f"/sales/pipeline/{opportunity.pk}/move/"
    assert org.client("executive").post(url, {"stage": "vision"}).status_code == 403
    assert org.client("north_rep").post(url, {"stage": "vision"}).status_code == 404
    assert org.client("north_rep").get(url).status_code == 404
    with schema_context(org.workspace.schema):
        from django.test import Client

        strict = Client(HTTP_HOST=org.workspace.domain, enforce_csrf_checks=True)
        strict.force_login(
            org.users["salesperson"], backend="django.contrib.auth.backends.ModelBackend"
        )
    assert strict.post(url, {"stage": "vision"}).status_code == 403
    assert _stage(org, opportunity) == "prospect"


def test_betas_people_never_reach_alphas_opportunities(sales_org, beta_sales_org):
    opportunity = factories.opportunity(sales_org, name="Alpha secret")
    beta = beta_sales_org.client("owner")
    base = f"/sales/pipeline/{opportunity.pk}/"
    for path in (base, f"{base}edit/", f"{base}move/"):
        assert beta.get(path).status_code == 404, path
    assert beta.post(f"{base}move/", {"stage": "vision"}).status_code == 404
    assert (
        beta.post(f"{base}edit/", {"name": "x", "amount": "1", "currency": "CNY"}).status_code
        == 404
    )
    for path in (BOARD, "/sales/pipeline/all/", "/sales/pipeline/forecast/"):
        assert "Alpha secret" not in beta.get(path).content.decode()
    assert _stage(sales_org, opportunity) == "prospect"


# --- Entering and editing ------------------------------------------------------------
def _form(org, **extra):
    data = {
        "customer": org.customers["rep_own"].pk,
        "name": "Hotel kitchen 酒店厨房",
        "amount": "25000",
        "currency": "",
        "stage": "diagnosis",
        "expected_close": "2026-06-30",
        "owner": "",
        "next_step": "Visit the site",
        "notes": "",
    }
    data.update(extra)
    return data


def test_a_salesperson_adds_an_opportunity_and_edits_it(sales_org):
    org = sales_org
    rep = org.client("salesperson")
    page = rep.get(f"/sales/pipeline/new/?customer={org.customers['rep_own'].pk}")
    assert page.status_code == 200
    assert f'<option value="{org.customers["rep_own"].pk}" selected>' in page.content.decode()
    response = rep.post("/sales/pipeline/new/", _form(org))
    assert response.status_code == 302
    with schema_context(org.workspace.schema):
        created = Opportunity.objects.get()
        assert (created.stage, created.owner, str(created.amount)) == (
            "diagnosis",
            org.users["salesperson"],
            "25000.00",
        )
    edit = f"/sales/pipeline/{created.pk}/edit/"
    assert rep.get(edit).status_code == 200
    changed = rep.post(
        edit,
        {"name": "Hotel kitchen", "amount": "30000", "currency": "USD", "owner": "", "notes": "x"},
    )
    assert changed.status_code == 302
    with schema_context(org.workspace.schema):
        created.refresh_from_db()
        assert (created.name, str(created.amount), created.currency, created.owner) == (
            "Hotel kitchen",
            "30000.00",
            "USD",
            None,
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"stage": "won"}, "stage"),
        ({"currency": "XXX"}, "currency"),
        ({"expected_close": "30/06/2026x"}, "expected_close"),
        ({"customer": "999999"}, "customer"),
    ],
)
def test_bad_opportunities_are_400_on_the_form_and_nothing_is_written(sales_org, change, field):
    org = sales_org
    response = org.client("salesperson").post("/sales/pipeline/new/", _form(org, **change))
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert count_rows(org, Opportunity) == 0


def test_a_customer_out_of_scope_cannot_be_chosen(sales_org):
    org = sales_org
    response = org.client("salesperson").post(
        "/sales/pipeline/new/", _form(org, customer=org.customers["north"].pk)
    )
    assert response.status_code == 400 and "customer" in response.context["form"].errors
    assert count_rows(org, Opportunity) == 0


def test_bad_changes_are_400(sales_org):
    org = sales_org
    opportunity = factories.opportunity(org)
    response = org.client("salesperson").post(
        f"/sales/pipeline/{opportunity.pk}/edit/",
        {"name": "Kitchen refit", "amount": "-1", "currency": "CNY"},
    )
    assert response.status_code == 400 and "amount" in response.context["form"].errors
    with schema_context(org.workspace.schema):
        assert str(Opportunity.objects.get().amount) == "1000.00"


@pytest.mark.parametrize(
    ("role", "create", "edit"),
    [
        ("salesperson", 200, 200),
        ("sales_manager", 200, 200),
        ("executive", 403, 403),
        ("finance_manager", 403, 403),
        ("dealer", 403, 403),
    ],
)
def test_who_may_add_and_edit(sales_org, role, create, edit):
    org = sales_org
    opportunity = factories.opportunity(org)
    client = org.client(role)
    assert client.get("/sales/pipeline/new/").status_code == create
    assert client.get(f"/sales/pipeline/{opportunity.pk}/edit/").status_code == edit


# --- One opportunity -----------------------------------------------------------------
def test_the_opportunity_page_shows_its_quotes_and_stage_history(sales_org):
    org = sales_org
    opportunity = factories.opportunity(org, stage="vision")
    with schema_context(org.workspace.schema):
        pipeline.opportunity_move(actor=org.owner, opportunity=opportunity, stage="proposal")
        pipeline.opportunity_move(
            actor=org.owner, opportunity=opportunity, stage="won", reason="Best after-sales"
        )
        today = timezone.localdate()
        Quote.objects.create(
            number="QT-2026-00042",
            customer=org.customers["rep_own"],
            opportunity=opportunity,
            issued_on=today,
            valid_until=today + datetime.timedelta(days=30),
        )
    response = org.client("salesperson").get(f"/sales/pipeline/{opportunity.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "QT-2026-00042" in html
    assert "Opened in Vision" in html
    assert "Moved from Vision to Proposal" in html
    assert "Moved from Proposal to Won" in html and "Best after-sales" in html
    assert "Follow up on" in html
    assert org.client("north_rep").get(f"/sales/pipeline/{opportunity.pk}/").status_code == 404
    assert org.client("dealer").get(f"/sales/pipeline/{opportunity.pk}/").status_code == 403


def test_the_list_pages_through_every_opportunity(sales_org):
    org = sales_org
    client = org.client("owner")
    factories.opportunity(org, name="First")

    def grow():
        with schema_context(org.workspace.schema):
            for index in range(55):
                pipeline.opportunity_create(
                    actor=org.owner,
                    customer=org.customers["north"],
                    name=f"Deal {index:02d}",
                    amount=Decimal("10"),
                    stage="vision",
                )

    first = assert_list_queries(lambda: client.get("/sales/pipeline/all/"), grow, queries=10)
    assert first.content.decode().count('href="/sales/pipeline/') >= 50
    assert "Page 1 of 2" in first.content.decode()
    vision = client.get("/sales/pipeline/all/?stage=vision&page=2").content.decode()
    assert vision.count("Deal ") == 5
    assert client.get("/sales/pipeline/all/?stage=bogus").status_code == 200
    assert "No opportunity matches" in client.get("/sales/pipeline/all/?q=zzz").content.decode()


# --- Forecast ------------------------------------------------------------------------
def test_the_forecast_page_tables_weighted_amounts_by_month_and_owner(sales_org):
    org = sales_org
    factories.opportunity(
        org, amount=Decimal("1000"), stage="proposal", expected_close=datetime.date(2026, 3, 20)
    )
    factories.opportunity(
        org,
        amount=Decimal("50"),
        stage="vision",
        currency="USD",
        expected_close=datetime.date(2026, 4, 2),
    )
    response = org.client("salesperson").get("/sales/pipeline/forecast/?start=2026-03&months=3")
    assert response.status_code == 200
    html = response.content.decode()
    assert "March 2026" in html and "May 2026" in html and "June 2026" not in html
    assert "600.00" in html and "20.00" in html
    assert 'id="forecast-CNY"' in html and 'id="forecast-USD"' in html
    assert "salesperson" in html  # the owner's name


@pytest.mark.parametrize(
    "query", ["months=0", "months=99", "months=x", "start=March", "start=9999-12&months=24"]
)
def test_bad_forecast_parameters_are_400(sales_org, query):
    response = sales_org.client("salesperson").get(f"/sales/pipeline/forecast/?{query}")
    assert response.status_code == 400
    assert response.context["form"].errors


def test_the_forecast_page_without_open_opportunities_says_what_to_do(sales_org):
    html = sales_org.client("salesperson").get("/sales/pipeline/forecast/").content.decode()
    assert "No open opportunities to forecast." in html and "/sales/pipeline/new/" in html
    assert sales_org.client("dealer").get("/sales/pipeline/forecast/").status_code == 403


# --- Probability settings ------------------------------------------------------------
def test_a_manager_sets_the_stage_probabilities(sales_org):
    org = sales_org
    manager = org.client("sales_manager")
    page = manager.get("/sales/pipeline/probabilities/")
    assert page.status_code == 200 and 'name="proposal"' in page.content.decode()
    values = {
        "prospect": 5,
        "interest": 10,
        "diagnosis": 25,
        "vision": 40,
        "proposal": 55,
        "negotiation": 80,
    }
    response = manager.post("/sales/pipeline/probabilities/", values)
    assert response.status_code == 302
    with schema_context(org.workspace.schema):
        assert pipeline.stage_probabilities()["proposal"] == 55
        assert pipeline.stage_probabilities()["diagnosis"] == 25
    bad = manager.post("/sales/pipeline/probabilities/", {**values, "vision": "101"})
    assert bad.status_code == 400 and "vision" in bad.context["form"].errors
    with schema_context(org.workspace.schema):
        assert pipeline.stage_probabilities()["vision"] == 40


def test_only_managers_change_probabilities(sales_org):
    org = sales_org
    path = "/sales/pipeline/probabilities/"
    executive = org.client("executive")
    read = executive.get(path)
    assert read.status_code == 200 and 'name="proposal"' not in read.content.decode()
    assert executive.post(path, {"proposal": "1"}).status_code == 403
    assert org.client("salesperson").get(path).status_code == 403
    assert org.client("dealer").get(path).status_code == 403
    with schema_context(org.workspace.schema):
        assert StageProbability.objects.count() == 0
