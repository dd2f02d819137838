"""Promotion services: what each kind needs (bad input names its field and writes
nothing), which orders a promotion reaches (groups, channels, category subtrees, dates,
currencies, active flag), which promotion an order line gets when several apply, the
preview, the lists, the rule in words, and who may write promotions."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from billing.access import WorkspaceReadOnly
from billing.models import Subscription
from tradepost.audit.models import AuditEntry
from tradepost.customers import services as customer_services
from tradepost.pricing import promotions
from tradepost.pricing.models import Promotion
from tradepost.sales import orders

DAY = datetime.date(2026, 12, 1)
LAST = datetime.date(2026, 12, 31)


def _create(org, actor=None, **fields) -> Promotion:
    values = {
        "name": "December 10 %",
        "kind": "percent_off",
        "percent": Decimal("10"),
        "starts_on": DAY,
        "ends_on": LAST,
    }
    values.update(fields)
    return promotions.promotion_create(actor=actor or org.owner, **values)


def _order_line(org, customer="rep_own", product="kettle", quantity=Decimal("3"), **extra):
    order = orders.order_create(
        actor=org.owner,
        customer=org.customers[customer],
        lines=[{"product": org.products[product], "quantity": quantity}],
        order_date=extra.pop("order_date", DAY),
        **extra,
    )
    return order.lines.get()


def _tiers(*pairs: tuple[str, str]) -> list[dict[str, Decimal]]:
    return [{"min_quantity": Decimal(q), "unit_price": Decimal(p)} for q, p in pairs]


def _audit(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


# --- Kinds and their fields ------------------------------------------------------------
def test_each_kind_keeps_only_its_own_fields(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        percent = _create(
            org, amount=Decimal("5"), currency="USD", buy_quantity=3, tiers=_tiers(("1", "2"))
        )
        assert (percent.percent, percent.amount, percent.currency) == (Decimal("10"), None, "")
        assert (percent.buy_quantity, percent.tiers) == (None, [])

        tiered = _create(
            org,
            name="Volume",
            kind="tiered_price",
            percent=Decimal("10"),
            currency="cny",
            tiers=[
                {"min_quantity": Decimal("50"), "unit_price": Decimal("85")},
                {"min_quantity": Decimal("10.500"), "unit_price": Decimal("90.5")},
            ],
        )
        tiered.refresh_from_db()
        assert tiered.percent is None and tiered.currency == "CNY"
        assert tiered.tiers == [
            {"min_quantity": "10.5", "unit_price": "90.50"},
            {"min_quantity": "50", "unit_price": "85.00"},
        ]

        bundle = _create(
            org,
            name="Bundle",
            kind="buy_x_get_y",
            buy_quantity=10,
            free_quantity=1,
            products=[org.products["kettle"].pk],
            customer_groups=[org.groups["tier1"]],
            channels=["dealer", "direct", "dealer"],
        )
        assert (bundle.buy_quantity, bundle.free_quantity) == (10, 1)
        assert list(bundle.products.all()) == [org.products["kettle"]]
        assert list(bundle.customer_groups.all()) == [org.groups["tier1"]]
        assert bundle.channels == ["direct", "dealer"]
        entry = AuditEntry.objects.get(action="promotion.created", target_id=str(bundle.pk))
        assert entry.data["kind"] == "buy_x_get_y" and entry.data["products"] == [
            org.products["kettle"].pk
        ]


TIERS_21 = [{"min_quantity": Decimal(n), "unit_price": Decimal(1)} for n in range(1, 22)]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"kind": "free_lunch"}, "kind"),
        ({"percent": Decimal("0")}, "percent"),
        ({"percent": Decimal("100.01")}, "percent"),
        ({"percent": None}, "percent"),
        ({"percent": Decimal("10.005")}, "percent"),
        ({"kind": "amount_off", "amount": Decimal("0"), "currency": "CNY"}, "amount"),
        ({"kind": "amount_off", "amount": Decimal("5")}, "currency"),
        ({"kind": "amount_off", "amount": Decimal("5"), "currency": "XXX"}, "currency"),
        ({"kind": "buy_x_get_y", "buy_quantity": 0, "free_quantity": 1}, "buy_quantity"),
        ({"kind": "buy_x_get_y", "buy_quantity": 2}, "free_quantity"),
        ({"kind": "tiered_price", "currency": "CNY", "tiers": []}, "tiers"),
        ({"kind": "tiered_price", "currency": "CNY", "tiers": TIERS_21}, "tiers"),
        (
            {"kind": "tiered_price", "currency": "CNY", "tiers": _tiers(("10", "1"), ("10", "2"))},
            "tiers",
        ),
        ({"kind": "tiered_price", "currency": "CNY", "tiers": _tiers(("0", "1"))}, "tiers"),
        ({"kind": "tiered_price", "currency": "CNY", "tiers": _tiers(("1", "-1"))}, "tiers"),
        ({"kind": "tiered_price", "tiers": _tiers(("1", "1"))}, "currency"),
        ({"ends_on": DAY - datetime.timedelta(days=1)}, "ends_on"),
        ({"ends_on": None}, "ends_on"),
        ({"channels": ["online"]}, "channels"),
        ({"products": [999999]}, "products"),
        ({"categories": [999999]}, "categories"),
        ({"priority": -1}, "priority"),
        ({"priority": 40000}, "priority"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(sales_org, fields, field):
    org = sales_org
    with schema_context(org.workspace.schema):
        with pytest.raises(ValidationError) as refused:
            _create(org, **fields)
        assert field in refused.value.message_dict, refused.value.message_dict
        assert Promotion.objects.count() == 0
        assert _audit("promotion.created") == 0


def test_every_wrong_field_is_named_at_once_and_tiers_name_the_row(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        with pytest.raises(ValidationError) as refused:
            _create(
                org,
                name="",
                kind="tiered_price",
                tiers=_tiers(("5", "10"), ("0", "9")),
                ends_on=DAY - datetime.timedelta(days=1),
            )
        errors = refused.value.message_dict
        assert set(errors) == {"name", "currency", "tiers", "ends_on"}
        assert errors["tiers"] == ["Tier 2, minimum quantity: Must be more than zero."]


def test_a_change_is_checked_whole_and_a_new_kind_drops_the_old_fields(sales_org):
    org = sales_org
    manager = org.users["sales_manager"]
    with schema_context(org.workspace.schema):
        promotion = _create(org, products=[org.products["kettle"]])
        with pytest.raises(ValidationError) as refused:
            promotions.promotion_update(actor=manager, promotion=promotion, kind="amount_off")
        assert set(refused.value.message_dict) == {"amount", "currency"}
        promotion.refresh_from_db()
        assert promotion.kind == "percent_off" and promotion.percent == Decimal("10")

        changed = promotions.promotion_update(
            actor=manager,
            promotion=promotion,
            kind="amount_off",
            amount=Decimal("20"),
            currency="CNY",
            products=[],
        )
        changed.refresh_from_db()
        assert (changed.kind, changed.percent, changed.amount) == (
            "amount_off",
            None,
            Decimal("20.00"),
        )
        assert changed.products.count() == 0
        entry = AuditEntry.objects.get(action="promotion.updated")
        assert entry.data["changed"] == ["amount", "currency", "kind", "percent", "products"]

        # The same values again change nothing and record nothing.
        promotions.promotion_update(actor=manager, promotion=changed, amount=Decimal("20.00"))
        assert _audit("promotion.updated") == 1


def test_deactivating_stops_the_promotion_for_new_orders_only(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        promotion = _create(org)
        before = _order_line(org)
        assert before.promotion_id == promotion.pk
        promotions.promotion_deactivate(actor=org.users["sales_manager"], promotion=promotion)
        after = _order_line(org)
        assert after.promotion_id is None and after.promotion_discount == 0
        before.refresh_from_db()
        assert before.promotion_discount == Decimal("59.70")  # saved lines keep theirs
        assert _audit("promotion.deactivated") == 1

        promotions.promotion_update(
            actor=org.users["sales_manager"], promotion=promotion, is_active=True
        )
        assert _order_line(org).promotion_id == promotion.pk


# --- Which orders a promotion reaches --------------------------------------------------
def test_a_group_promotion_reaches_only_customers_in_the_group(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        _create(org, customer_groups=[org.groups["tier1"]])
        assert _order_line(org).promotion_id is None
        customer_services.customer_update(
            actor=org.owner, customer=org.customers["rep_own"], group=org.groups["tier1"]
        )
        org.customers["rep_own"].refresh_from_db()
        assert _order_line(org).promotion_discount == Decimal("59.70")


def test_a_channel_promotion_reaches_only_that_channels_customers(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        _create(org, channels=["dealer"])
        assert _order_line(org, customer="rep_own").promotion_id is None  # direct
        assert _order_line(org, customer="dealer").promotion_discount == Decimal("59.70")


def test_a_category_promotion_reaches_products_anywhere_below_it(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        promotion = _create(org, categories=[org.categories["appliances"]])
        kettle = _order_line(org, product="kettle")  # in Appliances › Kitchen
        toaster = _order_line(org, product="toaster")  # no category
        assert kettle.promotion_id == promotion.pk and kettle.promotion_label == "December 10 %"
        assert toaster.promotion_id is None


@pytest.mark.parametrize(
    ("order_date", "applies"),
    [
        (DAY - datetime.timedelta(days=1), False),
        (DAY, True),
        (LAST, True),
        (LAST + datetime.timedelta(days=1), False),
    ],
)
def test_the_dates_are_inclusive_at_both_ends(sales_org, order_date, applies):
    org = sales_org
    with schema_context(org.workspace.schema):
        promotion = _create(org)
        line = _order_line(org, order_date=order_date)
        assert (line.promotion_id == promotion.pk) is applies


def test_amounts_in_one_currency_skip_orders_in_another(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        dollars = _create(
            org, name="5 USD off", kind="amount_off", amount=Decimal("5"), currency="USD"
        )
        tiers = _create(
            org,
            name="USD tiers",
            kind="tiered_price",
            currency="USD",
            tiers=_tiers(("1", "1.00")),
        )
        cny = _order_line(org, product="kettle")
        assert cny.promotion_id is None
        usd = _order_line(org, product="usd_lamp", quantity=Decimal("2"), currency="USD")
        assert usd.promotion_id == tiers.pk  # 2 × (30 − 1) = 58 beats 2 × 5 = 10
        assert usd.promotion_discount == Decimal("58.00")
        promotions.promotion_deactivate(actor=org.owner, promotion=tiers)
        usd = _order_line(org, product="usd_lamp", quantity=Decimal("2"), currency="USD")
        assert (usd.promotion_id, usd.promotion_discount) == (dollars.pk, Decimal("10.00"))
        # A percentage knows no currency: it reaches both.
        _create(org, name="Everything 1 %", percent=Decimal("1"))
        assert _order_line(org, product="kettle").promotion_discount == Decimal("5.97")


def test_overlapping_promotions_do_not_stack_and_the_line_shows_which_one_won(sales_org):
    org = sales_org
    kettle = org.products["kettle"]  # 199.00
    with schema_context(org.workspace.schema):
        everything = _create(org, name="10 % on everything")
        _create(
            org,
            name="25 off kettles",
            kind="amount_off",
            amount=Decimal("25"),
            currency="CNY",
            products=[kettle],
        )
        bundle = _create(
            org,
            name="Kitchen 2 + 1",
            kind="buy_x_get_y",
            buy_quantity=2,
            free_quantity=1,
            categories=[org.categories["kitchen"]],
        )
        order = orders.order_create(
            actor=org.owner,
            customer=org.customers["rep_own"],
            lines=[
                {"product": kettle, "quantity": Decimal("3")},
                {"product": org.products["toaster"], "quantity": Decimal("1")},
            ],
            order_date=DAY,
        )
        kettle_line, toaster_line = order.lines.order_by("position")
        # 3 kettles: 10 % = 59.70, 25 off each = 75.00, one free = 199.00 → the bundle.
        assert (kettle_line.promotion_id, kettle_line.promotion_label) == (
            bundle.pk,
            "Kitchen 2 + 1",
        )
        assert kettle_line.promotion_discount == Decimal("199.00")
        assert kettle_line.net_amount == Decimal("398.00")
        # Only the 10 % reaches the toaster.
        assert toaster_line.promotion_id == everything.pk
        assert toaster_line.promotion_discount == Decimal("25.95")
        assert order.discount_total == Decimal("224.95")

        # 2 kettles: no free one yet; 25 × 2 = 50 beats 39.80.
        two = _order_line(org, quantity=Decimal("2"))
        assert (two.promotion_label, two.promotion_discount) == ("25 off kettles", Decimal("50.00"))


def test_on_equal_discounts_the_higher_priority_then_the_older_promotion_wins(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        older = _create(org, name="Older")
        _create(org, name="Newer")
        assert _order_line(org).promotion_id == older.pk
        urgent = _create(org, name="Urgent", priority=5)
        assert _order_line(org).promotion_id == urgent.pk


# --- Preview ---------------------------------------------------------------------------
def test_the_preview_says_what_an_order_would_get_and_lists_the_others(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        ten = _create(org, name="10 %")
        bundle = _create(org, name="2 + 1", kind="buy_x_get_y", buy_quantity=2, free_quantity=1)
        preview = promotions.promotion_preview(
            actor=org.users["salesperson"],
            customer=org.customers["rep_own"],
            product=org.products["kettle"],
            quantity=Decimal("3"),
            on_date=DAY,
        )
        line = _order_line(org, quantity=Decimal("3"))
        assert (preview.promotion.id, preview.discount) == (bundle.pk, line.promotion_discount)
        assert (preview.unit_price, preview.subtotal, preview.currency) == (
            Decimal("199.00"),
            Decimal("597.00"),
            "CNY",
        )
        assert [(o.rule.id, o.discount, o.chosen) for o in preview.options] == [
            (bundle.pk, Decimal("199.00"), True),
            (ten.pk, Decimal("59.70"), False),
        ]
        one = promotions.promotion_preview(
            customer=org.customers["rep_own"],
            product=org.products["kettle"],
            quantity=Decimal("1"),
            on_date=DAY,
            unit_price=Decimal("100"),
        )
        assert (one.promotion.id, one.discount, one.price_source) == (
            ten.pk,
            Decimal("10.00"),
            "manual",
        )
        assert [(o.rule.id, o.discount) for o in one.options][1] == (bundle.pk, Decimal("0.00"))


@pytest.mark.parametrize(
    ("customer", "extra", "field"),
    [
        ("north", {}, "customer"),  # not the salesperson's customer
        ("rep_own", {"quantity": Decimal("0")}, "quantity"),
        ("rep_own", {"currency": "USD"}, "product"),  # the kettle has no USD price
        ("rep_own", {"currency": "XXX"}, "currency"),
        ("rep_own", {"unit_price": Decimal("-1")}, "unit_price"),
    ],
)
def test_a_preview_refuses_what_it_cannot_answer(sales_org, customer, extra, field):
    org = sales_org
    values = {"quantity": Decimal("1"), **extra}
    with schema_context(org.workspace.schema):
        with pytest.raises(ValidationError) as refused:
            promotions.promotion_preview(
                actor=org.users["salesperson"],
                customer=org.customers[customer],
                product=org.products["kettle"],
                on_date=DAY,
                **values,
            )
        assert field in refused.value.message_dict


# --- Lists and words -------------------------------------------------------------------
def test_lists_by_period_product_and_kind(sales_org):
    org = sales_org
    today = DAY + datetime.timedelta(days=10)
    with schema_context(org.workspace.schema):
        current = _create(org, name="Now", categories=[org.categories["appliances"]])
        past = _create(
            org,
            name="Gone",
            starts_on=DAY - datetime.timedelta(days=40),
            ends_on=DAY - datetime.timedelta(days=1),
        )
        upcoming = _create(
            org,
            name="Soon",
            kind="buy_x_get_y",
            buy_quantity=5,
            free_quantity=1,
            starts_on=LAST,
            products=[org.products["toaster"]],
        )

        def names(**filters):
            return [p.name for p in promotions.promotions_filtered(today=today, **filters)]

        assert names(period="current") == [current.name]
        assert names(period="upcoming") == [upcoming.name]
        assert names(period="past") == [past.name]
        assert names(product=org.products["kettle"]) == [current.name, past.name]
        assert names(product=org.products["toaster"]) == [upcoming.name, past.name]
        assert names(kind="buy_x_get_y") == [upcoming.name]
        assert names(valid_on=DAY - datetime.timedelta(days=1)) == [past.name]
        assert promotions.promotion_period(upcoming, today) == "upcoming"


def test_the_rule_reads_as_a_sentence(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        bundle = _create(
            org,
            name="Bundle",
            kind="buy_x_get_y",
            buy_quantity=10,
            free_quantity=1,
            products=[org.products["kettle"]],
            customer_groups=[org.groups["tier1"]],
        )
        assert promotions.promotion_summary(bundle) == (
            "Buy 10 get 1 free on Kettle 电水壶 for group Tier 1, 2026-12-01 → 2026-12-31"
        )
        tiers = _create(
            org,
            name="Tiers",
            kind="tiered_price",
            currency="CNY",
            tiers=_tiers(("10", "90"), ("50", "1250.5")),
            categories=[org.categories["kitchen"]],
            channels=["dealer"],
        )
        assert promotions.promotion_summary(tiers) == (
            "Tiered price: from 10 units 90.00 CNY each; from 50 units 1,250.50 CNY each "
            "on everything in Kitchen through channel Dealer, 2026-12-01 → 2026-12-31"
        )
        assert promotions.promotion_summary(_create(org)).startswith(
            "10% off on every product for every customer"
        )


# --- Who may ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("sales_manager", True),
        ("salesperson", False),
        ("executive", False),
        ("finance_manager", False),
        ("customer_information_manager", False),
        ("warehouse_manager", False),
        ("dealer", False),
    ],
)
def test_only_sales_managers_and_administrators_write_promotions(sales_org, role, allowed):
    org = sales_org
    user = org.users[role]
    with schema_context(org.workspace.schema):
        existing = _create(org, name="Existing")
        if allowed:
            _create(org, actor=user)
            promotions.promotion_update(actor=user, promotion=existing, percent=Decimal("12"))
            promotions.promotion_deactivate(actor=user, promotion=existing)
            existing.refresh_from_db()
            assert (existing.percent, existing.is_active) == (Decimal("12"), False)
            return
        with pytest.raises(PermissionDenied):
            _create(org, actor=user)
        with pytest.raises(PermissionDenied):
            promotions.promotion_update(actor=user, promotion=existing, percent=Decimal("12"))
        with pytest.raises(PermissionDenied):
            promotions.promotion_deactivate(actor=user, promotion=existing)
        existing.refresh_from_db()
        assert (existing.percent, existing.is_active) == (Decimal("10"), True)
        assert Promotion.objects.count() == 1


def test_a_read_only_workspace_refuses_promotion_writes(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        existing = _create(org)
    Subscription.objects.filter(tenant=org.workspace.tenant).update(status="canceled")
    with schema_context(org.workspace.schema):
        with pytest.raises(WorkspaceReadOnly):
            _create(org, name="Another")
        with pytest.raises(WorkspaceReadOnly):
            promotions.promotion_update(actor=org.owner, promotion=existing, percent=Decimal("20"))
        with pytest.raises(WorkspaceReadOnly):
            promotions.promotion_deactivate(actor=org.owner, promotion=existing)
        existing.refresh_from_db()
        assert (Promotion.objects.count(), existing.percent, existing.is_active) == (
            1,
            Decimal("10"),
            True,
        )
