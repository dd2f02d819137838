"""`/api/v1/promotions/` and `/api/v1/promotions/preview/`: create and change each kind,
bad input refused whole with the field named, permissions per role, isolation between
workspaces, filters, and list queries that do not grow with rows."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.audit.models import AuditEntry
from tradepost.pricing import promotions
from tradepost.pricing.models import Promotion

DAY = datetime.date(2026, 12, 1)
PATH = "/api/v1/promotions/"


@pytest.fixture
def admin(sales_org, api_key, api_client):
    return api_client(sales_org.workspace, api_key(sales_org.workspace))


def _body(**extra):
    body = {
        "name": "December 10 %",
        "kind": "percent_off",
        "percent": "10",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
    }
    body.update(extra)
    return body


def _make(org, **extra) -> Promotion:
    values = {
        "name": "Made",
        "kind": "percent_off",
        "percent": Decimal("10"),
        "starts_on": DAY,
        "ends_on": DAY + datetime.timedelta(days=30),
    }
    values.update(extra)
    with schema_context(org.workspace.schema):
        return promotions.promotion_create(actor=org.owner, **values)


def test_an_integrator_creates_each_kind_and_changes_one(sales_org, admin):
    org = sales_org
    kettle = org.products["kettle"].pk
    bundle = admin.post(
        PATH,
        _body(
            name="Kettle 10 + 1",
            kind="buy_x_get_y",
            percent=None,
            buy_quantity=10,
            free_quantity=1,
            products=[kettle],
            customer_groups=[org.groups["tier1"].pk],
            channels=["dealer"],
        ),
    )
    assert bundle.status_code == 201, bundle.json()
    body = bundle.json()
    assert (body["kind"], body["buy_quantity"], body["free_quantity"]) == ("buy_x_get_y", 10, 1)
    assert body["percent"] is None and body["products"] == [kettle]
    assert body["summary"] == (
        "Buy 10 get 1 free on Kettle 电水壶 for group Tier 1 through channel Dealer, "
        "2026-12-01 → 2026-12-31"
    )
    tiered = admin.post(
        PATH,
        _body(
            name="Volume",
            kind="tiered_price",
            currency="CNY",
            tiers=[
                {"min_quantity": "50", "unit_price": "80"},
                {"min_quantity": "10", "unit_price": "90.00"},
            ],
            categories=[org.categories["appliances"].pk],
        ),
    )
    assert tiered.status_code == 201, tiered.json()
    assert tiered.json()["tiers"] == [
        {"min_quantity": "10.000", "unit_price": "90.00"},
        {"min_quantity": "50.000", "unit_price": "80.00"},
    ]
    assert tiered.json()["percent"] is None  # the other kind's field is cleared
    amount = admin.post(PATH, _body(kind="amount_off", amount="15.50", currency="CNY"))
    assert amount.status_code == 201 and amount.json()["amount"] == "15.50"

    changed = admin.patch(f"{PATH}{body['id']}/", {"free_quantity": 2, "is_active": False})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["free_quantity"], changed.json()["is_active"]) == (2, False)
    assert admin.get(f"{PATH}{body['id']}/").json()["free_quantity"] == 2
    with schema_context(org.workspace.schema):
        assert AuditEntry.objects.filter(action="promotion.created").count() == 3
        assert AuditEntry.objects.get(action="promotion.updated").data["changed"] == [
            "free_quantity",
            "is_active",
        ]


TIERS_21 = [{"min_quantity": str(n), "unit_price": "1"} for n in range(1, 22)]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": 12}, "name"),
        ({"kind": "free_lunch"}, "kind"),
        ({"percent": "0"}, "percent"),
        ({"percent": "101"}, "percent"),
        ({"percent": None}, "percent"),
        ({"kind": "amount_off", "amount": "5"}, "currency"),
        ({"kind": "amount_off", "currency": "CNY"}, "amount"),
        ({"kind": "amount_off", "amount": "-5", "currency": "CNY"}, "amount"),
        ({"kind": "buy_x_get_y", "buy_quantity": 3}, "free_quantity"),
        ({"kind": "buy_x_get_y", "buy_quantity": 0, "free_quantity": 1}, "buy_quantity"),
        ({"kind": "tiered_price", "currency": "CNY"}, "tiers"),
        ({"kind": "tiered_price", "currency": "CNY", "tiers": TIERS_21}, "tiers"),
        (
            {
                "kind": "tiered_price",
                "currency": "CNY",
                "tiers": [
                    {"min_quantity": "5", "unit_price": "1"},
                    {"min_quantity": "5", "unit_price": "2"},
                ],
            },
            "tiers",
        ),
        (
            {
                "kind": "tiered_price",
                "currency": "CNY",
                "tiers": [{"min_quantity": "0", "unit_price": "1"}],
            },
            "tiers",
        ),
        ({"kind": "tiered_price", "currency": "CNY", "tiers": ["x"]}, "tiers[0]"),
        ({"ends_on": "2026-11-30"}, "ends_on"),
        ({"starts_on": "soon"}, "starts_on"),
        ({"channels": ["online"]}, "channels[0]"),
        ({"products": [999999]}, "products"),
        ({"categories": [0]}, "categories[0]"),
        ({"customer_groups": ["a"]}, "customer_groups[0]"),
        ({"priority": 40000}, "priority"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_promotions_are_400_with_the_field_and_nothing_is_written(
    sales_org, admin, change, field
):
    response = admin.post(PATH, _body(**change))
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert count_rows(sales_org, Promotion) == 0


def test_a_bad_change_is_400_and_leaves_the_promotion_as_it_was(sales_org, admin):
    promotion = _make(sales_org)
    for change, field in [
        ({"kind": "amount_off"}, "amount"),
        ({"ends_on": "2026-01-01"}, "ends_on"),
        ({"products": [999999]}, "products"),
        ({"id": 5}, "id"),
    ]:
        response = admin.patch(f"{PATH}{promotion.pk}/", change)
        assert response.status_code == 400, response.json()
        assert field in response.json()["errors"]
    body = admin.get(f"{PATH}{promotion.pk}/").json()
    assert (body["kind"], body["ends_on"], body["products"]) == ("percent_off", "2026-12-31", [])


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("sales_manager", 200, True),
        ("salesperson", 200, False),
        ("executive", 200, False),
        ("finance_manager", 200, False),
        ("dealer", 200, False),
        ("customer_information_manager", 403, False),
        ("warehouse_manager", 403, False),
    ],
)
def test_staff_read_every_promotion_and_managers_write(sales_org, role, read, write):
    org = sales_org
    promotion = _make(org, channels=["store"], customer_groups=[org.groups["tier1"]])
    client = org.api(role)
    listed = client.get(PATH)
    assert listed.status_code == read
    if read == 200 and role == "dealer":
        # A store promotion for another group does not reach the dealer's own record.
        assert listed.json()["results"] == []
        assert client.get(f"{PATH}{promotion.pk}/").status_code == 404
    elif read == 200:
        assert [row["id"] for row in listed.json()["results"]] == [promotion.pk]
        assert client.get(f"{PATH}{promotion.pk}/").status_code == 200
    created = client.post(PATH, _body(name="By role"))
    patched = client.patch(f"{PATH}{promotion.pk}/", {"percent": "12"})
    if write:
        assert (created.status_code, patched.status_code) == (201, 200)
        assert count_rows(org, Promotion) == 2
    else:
        assert (created.status_code, patched.status_code) == (403, 403)
        assert count_rows(org, Promotion) == 1 and count_rows(org, Promotion, percent="10") == 1


def test_betas_key_never_reads_or_changes_alphas_promotions(
    sales_org, beta_sales_org, api_key, api_client
):
    alpha_promotion = _make(sales_org)
    beta = api_client(beta_sales_org.workspace, api_key(beta_sales_org.workspace))
    assert beta.get(PATH).json()["count"] == 0
    assert beta.get(f"{PATH}{alpha_promotion.pk}/").status_code == 404
    patched = beta.patch(f"{PATH}{alpha_promotion.pk}/", {"percent": "50"})
    assert patched.status_code == 404
    # Beta's preview for its own customer sees none of alpha's promotions.
    preview = beta.get(
        f"{PATH}preview/",
        {
            "customer": beta_sales_org.customers["rep_own"].pk,
            "product": beta_sales_org.products["kettle"].pk,
            "quantity": "3",
            "date": "2026-12-05",
        },
    )
    assert preview.status_code == 200, preview.json()
    assert preview.json()["promotion"] is None and preview.json()["options"] == []
    assert count_rows(sales_org, Promotion, percent="10") == 1
    assert count_rows(beta_sales_org, Promotion) == 0


def test_the_preview_names_the_promotion_a_line_would_get(sales_org, admin):
    org = sales_org
    ten = _make(org, name="10 %")
    bundle = _make(org, name="2 + 1", kind="buy_x_get_y", buy_quantity=2, free_quantity=1)
    query = {
        "customer": org.customers["rep_own"].pk,
        "product": org.products["kettle"].pk,
        "quantity": "3",
        "date": "2026-12-05",
    }
    response = admin.get(f"{PATH}preview/", query)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["promotion"], body["promotion_name"], body["discount"]) == (
        bundle.pk,
        "2 + 1",
        "199.00",
    )
    assert (body["unit_price"], body["subtotal"], body["price_source"]) == (
        "199.00",
        "597.00",
        "list price",
    )
    assert [(o["promotion"], o["discount"], o["chosen"]) for o in body["options"]] == [
        (bundle.pk, "199.00", True),
        (ten.pk, "59.70", False),
    ]
    before = admin.get(f"{PATH}preview/", {**query, "date": "2026-11-30"}).json()
    assert before["promotion"] is None and before["discount"] == "0.00"


@pytest.mark.parametrize(
    ("who", "change", "field"),
    [
        ("dealer", {"customer": "north"}, "customer"),  # not the dealer's own record
        ("salesperson", {"customer": "north"}, "customer"),  # not the rep's customer
        ("salesperson", {"quantity": "0"}, "quantity"),
        ("salesperson", {"quantity": None}, "quantity"),
        ("salesperson", {"product": 999999}, "product"),
        ("salesperson", {"currency": "USD"}, "product"),  # no USD price for the kettle
        ("salesperson", {"date": "tomorrow"}, "date"),
    ],
)
def test_a_preview_it_cannot_answer_is_400_with_the_field(sales_org, who, change, field):
    org = sales_org
    query = {
        "customer": org.customers["dealer" if who == "dealer" else "rep_own"].pk,
        "product": org.products["kettle"].pk,
        "quantity": "1",
    }
    for key, value in change.items():
        if value is None:
            query.pop(key)
        else:
            query[key] = org.customers[value].pk if key == "customer" else value
    response = org.api(who).get(f"{PATH}preview/", query)
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()


def test_a_dealer_previews_its_own_orders(sales_org):
    org = sales_org
    _make(org, channels=["dealer"])
    response = org.api("dealer").get(
        f"{PATH}preview/",
        {
            "customer": org.customers["dealer"].pk,
            "product": org.products["kettle"].pk,
            "quantity": "2",
            "date": "2026-12-02",
        },
    )
    assert response.status_code == 200 and response.json()["discount"] == "39.80"
    refused = org.api("warehouse_manager").get(
        f"{PATH}preview/",
        {"customer": org.customers["dealer"].pk, "product": org.products["kettle"].pk},
    )
    assert refused.status_code == 403


def test_filters_and_bad_filters(sales_org, admin):
    org = sales_org
    now = _make(org, name="Now", categories=[org.categories["appliances"]])
    later = _make(
        org,
        name="Later",
        kind="amount_off",
        amount=Decimal("5"),
        currency="CNY",
        starts_on=DAY + datetime.timedelta(days=60),
        ends_on=DAY + datetime.timedelta(days=90),
        products=[org.products["toaster"]],
    )
    off = _make(org, name="Off", is_active=False)

    def ids(query: str) -> list[int]:
        response = admin.get(f"{PATH}?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("active=false") == [off.pk]
    assert ids("kind=amount_off") == [later.pk]
    assert set(ids("valid_on=2026-12-15")) == {now.pk, off.pk}
    assert ids("valid_on=2027-02-01") == [later.pk]
    assert set(ids(f"product={org.products['kettle'].pk}")) == {now.pk, off.pk}
    assert set(ids(f"product={org.products['toaster'].pk}")) == {later.pk, off.pk}
    for bad in ("kind=nonsense", "valid_on=yesterday", "product=999999", "active=maybe"):
        assert admin.get(f"{PATH}?{bad}").status_code == 400, bad


def test_list_queries_do_not_grow_with_rows(sales_org, admin):
    org = sales_org

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

    response = assert_list_queries(lambda: admin.get(PATH), grow, queries=6)
    assert response.json()["count"] == 9


def test_a_dealer_reads_only_the_promotions_that_can_reach_it(sales_org):
    org = sales_org
    today = timezone.localdate()
    common = {
        "kind": "percent_off",
        "percent": Decimal("5"),
        "starts_on": today,
        "ends_on": today + datetime.timedelta(days=9),
    }
    with schema_context(org.workspace.schema):
        everyone = promotions.promotion_create(actor=org.owner, name="For all", **common)
        dealers = promotions.promotion_create(
            actor=org.owner, name="Dealers", channels=["dealer"], **common
        )
        tier1 = promotions.promotion_create(
            actor=org.owner, name="Tier 1 only", customer_groups=[org.groups["tier1"]], **common
        )
        stores = promotions.promotion_create(
            actor=org.owner, name="Stores", channels=["store"], **common
        )
    dealer = org.api("dealer")
    seen = {row["id"] for row in dealer.get("/api/v1/promotions/").json()["results"]}
    assert seen == {everyone.pk, dealers.pk}
    assert dealer.get(f"/api/v1/promotions/{tier1.pk}/").status_code == 404
    assert dealer.get(f"/sales/promotions/{stores.pk}/").status_code == 404
    staff = org.api("salesperson").get("/api/v1/promotions/").json()["count"]
    assert staff == 4
