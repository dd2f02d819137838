"""The promotion pages: create each kind through the form (tiers as rows), bad input
answered 400 on the form with nothing written, the list by period with its empty
states and the precedence rule, a promotion's page in words with the order lines that
got it, switching off and on, "check a price", permissions, isolation, and list
queries that do not grow with rows."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.pricing import promotions
from tradepost.pricing.models import Promotion
from tradepost.sales import orders

LIST = "/sales/promotions/"
NEW = "/sales/promotions/new/"
CHECK = "/sales/promotions/check/"


def _today() -> datetime.date:
    return timezone.localdate()


def _form(**extra) -> dict:
    today = _today().isoformat()
    data = {
        "name": "Spring 10 %",
        "kind": "percent_off",
        "percent": "10",
        "amount": "",
        "buy_quantity": "",
        "free_quantity": "",
        "currency": "",
        "starts_on": today,
        "ends_on": today,
        "priority": "0",
        "is_active": "on",
        "tiers-TOTAL_FORMS": "2",
        "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "20",
    }
    data.update(extra)
    return data


def _make(org, **extra) -> Promotion:
    values = {
        "name": "Made",
        "kind": "percent_off",
        "percent": Decimal("10"),
        "starts_on": _today(),
        "ends_on": _today() + datetime.timedelta(days=30),
    }
    values.update(extra)
    with schema_context(org.workspace.schema):
        return promotions.promotion_create(actor=org.owner, **values)


def test_a_manager_creates_a_tiered_promotion_and_reads_it_in_words(sales_org):
    org = sales_org
    manager = org.client("sales_manager")
    page = manager.get(NEW).content.decode()
    assert 'data-kinds="tiered_price"' in page and "data-add-tier" in page
    assert "Percent off only: more than 0, at most 100." in page  # readable without JS

    response = manager.post(
        NEW,
        _form(
            name="Kettle volume",
            kind="tiered_price",
            percent="10",  # another kind's field: ignored
            currency="CNY",
            products=[org.products["kettle"].pk],
            customer_groups=[org.groups["tier1"].pk],
            **{
                "tiers-0-min_quantity": "50",
                "tiers-0-unit_price": "170",
                "tiers-1-min_quantity": "10",
                "tiers-1-unit_price": "185.50",
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with schema_context(org.workspace.schema):
        promotion = Promotion.objects.get()
        assert promotion.percent is None
        assert promotion.tiers == [
            {"min_quantity": "10", "unit_price": "185.50"},
            {"min_quantity": "50", "unit_price": "170.00"},
        ]
    assert response["Location"] == f"/sales/promotions/{promotion.pk}/"
    detail = manager.get(response["Location"]).content.decode()
    day = _today().isoformat()
    assert (
        "Tiered price: from 10 units 185.50 CNY each; from 50 units 170.00 CNY each "
        f"on Kettle 电水壶 for group Tier 1, {day} → {day}"
    ) in detail
    assert "Switch off" in detail and "Edit" in detail

    listing = manager.get(LIST).content.decode()
    assert "Kettle volume" in listing
    assert "Promotions never add up." in listing  # the precedence rule is explained


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"percent": ""}, "Enter the percent off (more than 0, at most 100)."),
        ({"percent": "150"}, "Must be between 0 and 100."),
        ({"kind": "amount_off", "amount": "5"}, "Choose the currency of the amounts."),
        ({"kind": "buy_x_get_y", "buy_quantity": "3"}, "Enter a whole number of units"),
        ({"kind": "tiered_price", "currency": "CNY"}, "Add at least one tier"),
        (
            {"kind": "tiered_price", "currency": "CNY", "tiers-0-min_quantity": "5"},
            "Give both a quantity and a unit price, or neither.",
        ),
        (
            {
                "kind": "tiered_price",
                "currency": "CNY",
                "tiers-0-min_quantity": "5",
                "tiers-0-unit_price": "1",
                "tiers-1-min_quantity": "5",
                "tiers-1-unit_price": "2",
            },
            "Two tiers start at 5 units",
        ),
        ({"ends_on": "2000-01-01"}, "The promotion cannot end before it starts."),
        ({"name": ""}, "This field is required."),
        ({"channels": ["online"]}, "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_on_the_form_with_400_and_nothing_is_written(sales_org, data, message):
    org = sales_org
    response = org.client("sales_manager").post(NEW, _form(**data))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert count_rows(org, Promotion) == 0


def test_editing_changes_the_kind_and_a_bad_edit_changes_nothing(sales_org):
    org = sales_org
    promotion = _make(org, products=[org.products["kettle"]])
    manager = org.client("sales_manager")
    page = manager.get(f"/sales/promotions/{promotion.pk}/edit/").content.decode()
    assert 'value="Made"' in page and "selected" in page

    edit = f"/sales/promotions/{promotion.pk}/edit/"
    bad = manager.post(edit, _form(name="Made", kind="amount_off", amount="", currency="CNY"))
    assert bad.status_code == 400 and "Enter the amount off each unit." in bad.content.decode()
    assert count_rows(org, Promotion, kind="percent_off") == 1

    good = manager.post(
        edit,
        _form(
            name="Made",
            kind="buy_x_get_y",
            buy_quantity="2",
            free_quantity="1",
            products=[org.products["kettle"].pk],
        ),
    )
    assert good.status_code == 302
    with schema_context(org.workspace.schema):
        promotion.refresh_from_db()
        assert (promotion.kind, promotion.percent, promotion.buy_quantity) == (
            "buy_x_get_y",
            None,
            2,
        )


def test_switching_off_and_on(sales_org):
    org = sales_org
    promotion = _make(org)
    manager = org.client("sales_manager")
    base = f"/sales/promotions/{promotion.pk}/"
    assert manager.get(f"{base}deactivate/").status_code == 405
    assert manager.post(f"{base}deactivate/").status_code == 302
    assert count_rows(org, Promotion, is_active=False) == 1
    page = manager.get(base).content.decode()
    assert "Switch on" in page
    assert "Off" in manager.get(f"{LIST}?period=all").content.decode()
    assert manager.post(f"{base}activate/").status_code == 302
    assert count_rows(org, Promotion, is_active=True) == 1


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("sales_manager", 200, 200),
        ("salesperson", 200, 403),
        ("executive", 200, 403),
        ("finance_manager", 200, 403),
        ("dealer", 200, 403),
        ("warehouse_manager", 403, 403),
        ("customer_information_manager", 403, 403),
    ],
)
def test_who_sees_and_who_changes_promotions(sales_org, role, read, write):
    org = sales_org
    promotion = _make(org)
    client = org.client(role)
    listing = client.get(LIST)
    assert listing.status_code == read
    assert client.get(f"/sales/promotions/{promotion.pk}/").status_code == read
    assert client.get(CHECK).status_code == read
    assert client.get(NEW).status_code == write
    assert client.get(f"/sales/promotions/{promotion.pk}/edit/").status_code == write
    if write != 200:
        assert client.post(NEW, _form(name="Sneaky")).status_code == 403
        assert client.post(f"/sales/promotions/{promotion.pk}/deactivate/").status_code == 403
        assert count_rows(org, Promotion) == 1 and count_rows(org, Promotion, is_active=True) == 1
        if read == 200:
            body = listing.content.decode()
            assert "Made" in body and "New promotion" not in body


def test_beta_users_never_see_or_change_alphas_promotions(sales_org, beta_sales_org):
    promotion = _make(sales_org, name="Alpha only")
    manager = beta_sales_org.client("sales_manager")
    base = f"/sales/promotions/{promotion.pk}/"
    assert "Alpha only" not in manager.get(f"{LIST}?period=all").content.decode()
    assert manager.get(base).status_code == 404
    assert manager.get(f"{base}edit/").status_code == 404
    assert manager.post(f"{base}edit/", _form(name="Taken")).status_code == 404
    assert manager.post(f"{base}deactivate/").status_code == 404
    assert count_rows(sales_org, Promotion, name="Alpha only", is_active=True) == 1


def test_the_list_by_period_and_its_empty_states(sales_org):
    org = sales_org
    manager, rep = org.client("sales_manager"), org.client("salesperson")
    empty = manager.get(LIST).content.decode()
    assert "No promotion is running today." in empty and "Create a promotion" in empty
    assert "See every promotion" in rep.get(LIST).content.decode()

    today = _today()
    _make(org, name="Running")
    _make(
        org,
        name="Later",
        starts_on=today + datetime.timedelta(days=5),
        ends_on=today + datetime.timedelta(days=9),
    )
    _make(
        org,
        name="Gone",
        starts_on=today - datetime.timedelta(days=9),
        ends_on=today - datetime.timedelta(days=1),
    )
    _make(org, name="Bundle", kind="buy_x_get_y", buy_quantity=3, free_quantity=1)

    def names(query: str) -> set[str]:
        body = manager.get(f"{LIST}?{query}").content.decode()
        return {name for name in ("Running", "Later", "Gone", "Bundle") if f">{name}</a>" in body}

    assert names("") == {"Running", "Bundle"}
    assert names("period=upcoming") == {"Later"}
    assert names("period=past") == {"Gone"}
    assert names("period=all") == {"Running", "Later", "Gone", "Bundle"}
    assert names("period=all&kind=buy_x_get_y") == {"Bundle"}
    assert names("period=all&q=run") == {"Running"}
    assert names("period=nonsense&kind=nonsense") == {"Running", "Bundle"}
    no_match = manager.get(f"{LIST}?q=zzz").content.decode()
    assert "No promotion matches this filter." in no_match


def test_a_promotions_page_lists_the_order_lines_it_gave_in_the_readers_scope(sales_org):
    org = sales_org
    promotion = _make(org, name="Ten")
    with schema_context(org.workspace.schema):
        for customer in ("rep_own", "north"):
            orders.order_create(
                actor=org.owner,
                customer=org.customers[customer],
                lines=[{"product": org.products["kettle"], "quantity": Decimal("2")}],
            )
    page = f"/sales/promotions/{promotion.pk}/"
    everything = org.client("sales_manager").get(page).content.decode()
    rep = org.client("salesperson").get(page).content.decode()
    assert "−39.80" in rep and org.customers["rep_own"].name in rep
    assert org.customers["north"].name not in rep
    assert org.customers["north"].name in org.client("executive").get(page).content.decode()
    assert "History" in everything and "Promotion added" in everything
    assert "History" not in rep


def test_check_a_price_shows_the_chosen_promotion_and_the_others(sales_org):
    org = sales_org
    _make(org, name="Ten")
    _make(org, name="Two plus one", kind="buy_x_get_y", buy_quantity=2, free_quantity=1)
    rep = org.client("salesperson")
    query = {"customer": org.customers["rep_own"].pk, "product": org.products["kettle"].pk}
    response = rep.get(CHECK, {**query, "quantity": "3"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "The line gets “Two plus one”" in body
    assert "199.00" in body and "59.70" in body and "398.00" in body

    nothing = rep.get(CHECK, {**query, "quantity": "1", "date": "2001-01-01"}).content.decode()
    assert "No promotion applies to this line" in nothing

    outsider = rep.get(CHECK, {**query, "quantity": "1", "customer": org.customers["north"].pk})
    assert outsider.status_code == 400 and "Select a valid choice." in outsider.content.decode()
    usd = rep.get(CHECK, {**query, "quantity": "1", "currency": "USD"})
    assert usd.status_code == 400
    assert "has no price in USD for this customer" in usd.content.decode()
    assert rep.get(CHECK, {**query, "quantity": "0"}).status_code == 400


def test_list_queries_do_not_grow_with_rows(sales_org):
    org = sales_org
    manager = org.client("sales_manager")

    def add(count: int, start: int) -> None:
        for index in range(start, start + count):
            _make(
                org,
                name=f"P{index}",
                products=[org.products["kettle"], org.products["toaster"]],
                categories=[org.categories["kitchen"]],
                customer_groups=[org.groups["tier1"]],
                channels=["dealer"],
            )

    add(1, 0)

    def grow():
        add(8, 1)

    response = assert_list_queries(lambda: manager.get(LIST), grow, queries=12)
    assert response.content.decode().count("/sales/promotions/") >= 9
