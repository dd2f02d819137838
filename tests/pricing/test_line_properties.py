"""Properties of the line arithmetic and the promotion choice (`pricing.lines`), checked
on random quantities, prices, discounts, tax rates and promotion rules of every kind,
plus a few examples worked out by hand. Pure functions: no database."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradepost.pricing.lines import (
    CENT,
    PromotionRule,
    best_promotion,
    document_totals,
    line_amounts,
    money,
)

EXAMPLES = settings(max_examples=300, deadline=None, database=None)

quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3)
small_quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("200"), places=3)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2)
percents = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)
tax_rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("30"), places=2)
priorities = st.integers(min_value=0, max_value=3)


def _percent_off():
    return st.builds(
        PromotionRule,
        id=st.just(0),
        name=st.just("percent"),
        kind=st.just("percent_off"),
        percent=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2),
        priority=priorities,
    )


def _amount_off():
    return st.builds(
        PromotionRule,
        id=st.just(0),
        name=st.just("amount"),
        kind=st.just("amount_off"),
        amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2),
        priority=priorities,
    )


def _buy_x_get_y():
    return st.builds(
        PromotionRule,
        id=st.just(0),
        name=st.just("bundle"),
        kind=st.just("buy_x_get_y"),
        buy_quantity=st.integers(min_value=1, max_value=20),
        free_quantity=st.integers(min_value=1, max_value=5),
        priority=priorities,
    )


@st.composite
def _tiered(draw):
    minimums = draw(
        st.lists(
            st.decimals(min_value=Decimal("0.001"), max_value=Decimal("500"), places=3),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    tiers = tuple(sorted((minimum, draw(prices)) for minimum in minimums))
    return PromotionRule(
        id=0, name="tiers", kind="tiered_price", tiers=tiers, priority=draw(priorities)
    )


any_rule = st.one_of(_percent_off(), _amount_off(), _buy_x_get_y(), _tiered())


@st.composite
def _rules(draw, max_size: int = 6):
    """Distinct ids, as promotions in the database have."""
    rules = draw(st.lists(any_rule, max_size=max_size))
    return [dataclasses.replace(rule, id=index + 1) for index, rule in enumerate(rules)]


def _is_cents(amount: Decimal) -> bool:
    return isinstance(amount, Decimal) and amount.as_tuple().exponent == -2


# --- Rounding --------------------------------------------------------------------------
@EXAMPLES
@given(value=st.decimals(min_value=Decimal("0"), max_value=Decimal("1000000"), places=4))
def test_money_rounds_to_the_nearest_cent_and_halves_up(value):
    rounded = money(value)
    assert _is_cents(rounded)
    # Within half a cent; an exact half always goes up, never down.
    assert Decimal("-0.005") < rounded - value <= Decimal("0.005")


# --- One line -------------------------------------------------------------------------
@EXAMPLES
@given(
    quantity=quantities,
    unit_price=prices,
    discount_percent=percents,
    tax_rate=tax_rates,
    rules=_rules(),
)
def test_every_line_amount_is_whole_cents_never_negative_and_adds_up(
    quantity, unit_price, discount_percent, tax_rate, rules
):
    line = line_amounts(
        quantity=quantity,
        unit_price=unit_price,
        discount_percent=discount_percent,
        tax_rate=tax_rate,
        promotions=rules,
    )
    amounts = [
        line.subtotal,
        line.promotion_discount,
        line.discount_amount,
        line.net_amount,
        line.tax_amount,
        line.gross_amount,
    ]
    assert all(_is_cents(amount) for amount in amounts), amounts
    assert all(amount >= 0 for amount in amounts), amounts
    assert line.subtotal == money(quantity * unit_price)
    assert line.net_amount <= line.subtotal
    assert line.subtotal - line.promotion_discount - line.discount_amount == line.net_amount
    assert line.gross_amount == line.net_amount + line.tax_amount
    assert line.tax_amount == money(line.net_amount * tax_rate / 100)
    # The line's own discount is its percent of what the promotion left, to the cent.
    remaining = line.subtotal - line.promotion_discount
    assert abs(line.discount_amount - remaining * discount_percent / 100) <= Decimal("0.005")


@EXAMPLES
@given(
    lines=st.lists(
        st.tuples(quantities, prices, percents, tax_rates, _rules(max_size=3)),
        min_size=1,
        max_size=8,
    )
)
def test_document_totals_are_the_sums_of_the_rounded_lines(lines):
    amounts = [
        line_amounts(
            quantity=quantity,
            unit_price=price,
            discount_percent=discount,
            tax_rate=tax,
            promotions=rules,
        )
        for quantity, price, discount, tax, rules in lines
    ]
    totals = document_totals(amounts)
    assert totals.subtotal == sum(line.subtotal for line in amounts)
    assert totals.discount_total == sum(
        line.promotion_discount + line.discount_amount for line in amounts
    )
    assert totals.net_total == sum(line.net_amount for line in amounts)
    assert totals.tax_total == sum(line.tax_amount for line in amounts)
    assert totals.gross_total == sum(line.gross_amount for line in amounts)
    assert totals.subtotal - totals.discount_total == totals.net_total
    assert totals.net_total + totals.tax_total == totals.gross_total
    assert all(_is_cents(value) for value in dataclasses.astuple(totals))


# --- Choosing the promotion -----------------------------------------------------------
@EXAMPLES
@given(quantity=small_quantities, unit_price=prices, rules=_rules())
def test_the_chosen_promotion_gives_at_least_as_much_as_any_other(quantity, unit_price, rules):
    chosen, discount = best_promotion(rules, quantity, unit_price)
    discounts = {rule.id: rule.discount(quantity, unit_price) for rule in rules}
    if chosen is None:
        assert discount == 0
        assert all(value == 0 for value in discounts.values())
        return
    assert discount == discounts[chosen.id] > 0
    assert all(value <= discount for value in discounts.values())
    # On equal discounts: the higher priority, then the older (lower id) promotion.
    tied = [rule for rule in rules if discounts[rule.id] == discount]
    assert min(tied, key=lambda rule: (-rule.priority, rule.id)) == chosen
    # The line records the same promotion and discount.
    line = line_amounts(quantity=quantity, unit_price=unit_price, promotions=rules)
    assert line.promotion == chosen and line.promotion_discount == discount


@EXAMPLES
@given(quantity=quantities, unit_price=prices, rule=any_rule)
def test_no_promotion_takes_more_than_the_line_or_less_than_nothing(quantity, unit_price, rule):
    discount = rule.discount(quantity, unit_price)
    assert _is_cents(discount)
    assert Decimal("0") <= discount <= money(quantity * unit_price)


@EXAMPLES
@given(quantity=small_quantities, unit_price=prices, rule=_buy_x_get_y())
def test_buy_x_get_y_gives_whole_units_free(quantity, unit_price, rule):
    discount = rule.discount(quantity, unit_price)
    bundle = rule.buy_quantity + rule.free_quantity
    free_units = int(quantity // bundle) * rule.free_quantity
    assert discount == free_units * unit_price
    if unit_price:
        units = discount / unit_price
        assert units == units.to_integral_value() and units <= quantity
    # Ordering more never gives fewer free units.
    assert rule.discount(quantity + 1, unit_price) >= discount


@EXAMPLES
@given(quantity=small_quantities, unit_price=prices, rule=_tiered())
def test_a_tier_lowers_the_line_to_the_tier_price(quantity, unit_price, rule):
    discount = rule.discount(quantity, unit_price)
    reached = [price for minimum, price in rule.tiers if quantity >= minimum]
    subtotal = money(quantity * unit_price)
    if not reached or reached[-1] >= unit_price:
        assert discount == 0
    else:
        # What is left is the quantity at the tier price, give or take the rounding.
        assert abs((subtotal - discount) - quantity * reached[-1]) <= CENT


@EXAMPLES
@given(quantity=quantities, unit_price=prices, rule=_percent_off())
def test_percent_off_is_that_share_of_the_subtotal_to_the_cent(quantity, unit_price, rule):
    discount = rule.discount(quantity, unit_price)
    assert abs(discount - quantity * unit_price * rule.percent / 100) <= Decimal("0.005")


@EXAMPLES
@given(quantity=quantities, unit_price=prices, rule=_amount_off())
def test_amount_off_never_makes_a_unit_cost_less_than_nothing(quantity, unit_price, rule):
    discount = rule.discount(quantity, unit_price)
    assert discount == money(quantity * min(rule.amount, unit_price))


# --- Worked by hand -------------------------------------------------------------------
def _rule(**fields) -> PromotionRule:
    return PromotionRule(**{"id": 1, "name": "p", **fields})


def test_buy_2_get_1_with_7_ordered_gives_2_free():
    rule = _rule(kind="buy_x_get_y", buy_quantity=2, free_quantity=1)
    assert rule.discount(Decimal("7"), Decimal("10.00")) == Decimal("20.00")
    assert rule.discount(Decimal("2"), Decimal("10.00")) == Decimal("0.00")
    assert rule.discount(Decimal("8.5"), Decimal("10.00")) == Decimal("20.00")  # whole units


@pytest.mark.parametrize(
    ("quantity", "discount"),
    [("9", "0.00"), ("10", "100.00"), ("25", "250.00"), ("1", "0.00")],
)
def test_tiered_1_to_9_at_100_and_10_up_at_90(quantity, discount):
    rule = _rule(
        kind="tiered_price",
        tiers=((Decimal("1"), Decimal("100.00")), (Decimal("10"), Decimal("90.00"))),
    )
    assert rule.discount(Decimal(quantity), Decimal("100.00")) == Decimal(discount)


def test_rounding_is_half_up_to_the_cent():
    assert money(Decimal("0.005")) == Decimal("0.01")
    assert money(Decimal("0.025")) == Decimal("0.03")  # banker's rounding would say 0.02
    assert money(Decimal("0.0049")) == Decimal("0.00")
    line = line_amounts(quantity=Decimal("1"), unit_price=Decimal("0.01"), tax_rate=Decimal("50"))
    assert line.tax_amount == Decimal("0.01") and line.gross_amount == Decimal("0.02")


def test_a_line_worked_through_every_step():
    # 3 × 19.99 = 59.97; 10 % promotion = 6.00 (5.997); 5 % of 53.97 = 2.70 (2.6985);
    # net 51.27; 13 % tax = 6.67 (6.6651); gross 57.94.
    line = line_amounts(
        quantity=Decimal("3"),
        unit_price=Decimal("19.99"),
        discount_percent=Decimal("5"),
        tax_rate=Decimal("13"),
        promotions=[_rule(kind="percent_off", percent=Decimal("10"))],
    )
    assert (
        line.subtotal,
        line.promotion_discount,
        line.discount_amount,
        line.net_amount,
        line.tax_amount,
        line.gross_amount,
    ) == tuple(Decimal(v) for v in ("59.97", "6.00", "2.70", "51.27", "6.67", "57.94"))


def test_amount_off_above_the_price_makes_the_units_free_not_negative():
    rule = _rule(kind="amount_off", amount=Decimal("8.00"))
    assert rule.discount(Decimal("3"), Decimal("5.00")) == Decimal("15.00")


def test_equal_discounts_go_to_the_higher_priority_then_the_older_promotion():
    ten_percent = dict(kind="percent_off", percent=Decimal("10"))
    ten_off = dict(kind="amount_off", amount=Decimal("10.00"))
    older = _rule(id=1, **ten_percent)
    newer = _rule(id=2, **ten_off)
    urgent = _rule(id=3, priority=5, **ten_off)
    price, quantity = Decimal("100.00"), Decimal("2")
    assert best_promotion([newer, older], quantity, price) == (older, Decimal("20.00"))
    assert best_promotion([older, newer, urgent], quantity, price) == (urgent, Decimal("20.00"))
    bigger = _rule(id=4, kind="percent_off", percent=Decimal("11"))
    assert best_promotion([urgent, bigger], quantity, price) == (bigger, Decimal("22.00"))


def test_promotions_never_stack():
    rules = [
        _rule(id=1, kind="percent_off", percent=Decimal("10")),
        _rule(id=2, kind="amount_off", amount=Decimal("5.00")),
    ]
    line = line_amounts(quantity=Decimal("1"), unit_price=Decimal("100.00"), promotions=rules)
    assert line.promotion.id == 1 and line.promotion_discount == Decimal("10.00")
    assert line.net_amount == Decimal("90.00")
