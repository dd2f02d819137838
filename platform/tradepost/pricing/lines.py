"""The arithmetic of quote and order lines, and which promotion a line gets. Pure: no
queries (`pricing.selectors.promotions_for` finds the promotions that apply).

One line, in this order, every step rounded half up to the cent:

1. `subtotal` = quantity × unit price (the price resolved for the customer, tax-exclusive);
2. `promotion_discount` = the best applicable promotion's discount, at most the subtotal;
3. `discount_amount` = the line's own discount percent of what is left;
4. `net_amount` = subtotal − promotion discount − discount (never below zero);
5. `tax_amount` = net × tax rate; `gross_amount` = net + tax.

A document's totals are the sums of its rounded lines — never recomputed from the
unrounded products — so the printed lines always add up to the printed total.

Promotions (`Promotion.Kind`), for quantity q and unit price p:

* percent off — q × p × percent / 100;
* amount off per unit — q × min(amount, p) (only in the promotion's currency);
* buy X get Y free — of every X + Y units ordered, Y are free:
  floor(q / (X + Y)) × Y × p (whole units only);
* tiered quantity price — the tier with the highest minimum quantity ≤ q sets the unit
  price; the discount is q × (p − tier price) when the tier price is lower (only in
  the promotion's currency).

Precedence when several promotions apply to one line: promotions never stack; the
line gets the one with the largest discount (best for the customer); on equal
discounts the higher `priority`, then the older promotion (lower id). The line
records which promotion it got and how much it gave.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tradepost.pricing.models import Promotion

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


def decimal_text(value: Decimal) -> str:
    """A quantity or a rate without trailing zeros and never in exponent form:
    10.000 → "10" (not "1E+1"), 2.500 → "2.5"."""
    return format(Decimal(value).normalize(), "f")


def money(value: Decimal) -> Decimal:
    """Round to the cent, half up (0.005 → 0.01)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PromotionRule:
    """What the arithmetic needs of a `Promotion` (no database access)."""

    id: int
    name: str
    kind: str
    percent: Decimal | None = None
    amount: Decimal | None = None
    buy_quantity: int | None = None
    free_quantity: int | None = None
    tiers: tuple[tuple[Decimal, Decimal], ...] = ()  # (min quantity, unit price), ascending
    priority: int = 0

    @classmethod
    def of(cls, promotion: Promotion) -> PromotionRule:
        return cls(
            id=promotion.pk,
            name=promotion.name,
            kind=promotion.kind,
            percent=promotion.percent,
            amount=promotion.amount,
            buy_quantity=promotion.buy_quantity,
            free_quantity=promotion.free_quantity,
            tiers=tuple(
                sorted(
                    (Decimal(str(t["min_quantity"])), Decimal(str(t["unit_price"])))
                    for t in promotion.tiers or ()
                )
            ),
            priority=promotion.priority,
        )

    def discount(self, quantity: Decimal, unit_price: Decimal) -> Decimal:
        """This promotion's discount on `quantity` units at `unit_price`, rounded, never
        negative and never more than the line's subtotal."""
        subtotal = money(quantity * unit_price)
        raw = ZERO
        if self.kind == "percent_off" and self.percent is not None:
            raw = quantity * unit_price * self.percent / HUNDRED
        elif self.kind == "amount_off" and self.amount is not None:
            raw = quantity * min(self.amount, unit_price)
        elif self.kind == "buy_x_get_y" and self.buy_quantity and self.free_quantity:
            bundle = Decimal(self.buy_quantity + self.free_quantity)
            bundles = (quantity / bundle).to_integral_value(rounding=ROUND_FLOOR)
            raw = bundles * self.free_quantity * unit_price
        elif self.kind == "tiered_price":
            tier_price = None
            for min_quantity, price in self.tiers:
                if quantity >= min_quantity:
                    tier_price = price
            if tier_price is not None and tier_price < unit_price:
                raw = quantity * (unit_price - tier_price)
        return min(max(money(raw), ZERO), subtotal)


@dataclass(frozen=True)
class LineAmounts:
    subtotal: Decimal
    promotion: PromotionRule | None
    promotion_discount: Decimal
    discount_amount: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    gross_amount: Decimal


def best_promotion(
    rules: Iterable[PromotionRule], quantity: Decimal, unit_price: Decimal
) -> tuple[PromotionRule | None, Decimal]:
    """The promotion that gives this line the most (see the precedence above)."""
    best, best_key = None, None
    for rule in rules:
        discount = rule.discount(quantity, unit_price)
        if discount <= ZERO:
            continue
        key = (discount, rule.priority, -rule.id)
        if best_key is None or key > best_key:
            best, best_key = rule, key
    return best, (best_key[0] if best_key else ZERO)


def line_amounts(
    *,
    quantity: Decimal,
    unit_price: Decimal,
    discount_percent: Decimal = ZERO,
    tax_rate: Decimal = ZERO,
    promotions: Iterable[PromotionRule] = (),
) -> LineAmounts:
    """The rounded amounts of one line (module docstring, steps 1–5)."""
    subtotal = money(quantity * unit_price)
    promotion, promotion_discount = best_promotion(promotions, quantity, unit_price)
    remaining = subtotal - promotion_discount
    discount_amount = min(money(remaining * discount_percent / HUNDRED), remaining)
    net = max(remaining - discount_amount, ZERO)
    tax = money(net * tax_rate / HUNDRED)
    return LineAmounts(
        subtotal=subtotal,
        promotion=promotion,
        promotion_discount=promotion_discount,
        discount_amount=discount_amount,
        net_amount=net,
        tax_amount=tax,
        gross_amount=net + tax,
    )


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount_total: Decimal
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal


def document_totals(lines: Sequence[LineAmounts]) -> Totals:
    """Sums of the rounded line amounts."""
    return Totals(
        subtotal=sum((line.subtotal for line in lines), ZERO),
        discount_total=sum(
            (line.promotion_discount + line.discount_amount for line in lines), ZERO
        ),
        net_total=sum((line.net_amount for line in lines), ZERO),
        tax_total=sum((line.tax_amount for line in lines), ZERO),
        gross_total=sum((line.gross_amount for line in lines), ZERO),
    )
