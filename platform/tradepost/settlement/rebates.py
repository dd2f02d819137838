"""Rebates (返利): rules, their computation at period end, review and posting.

**A rule** (`RebateRule`) says who earns a rebate — one customer, one customer group
(its members when the period is computed) or every customer — on what — one product,
one category with all its sub-categories, or everything — per month, quarter or year,
from `valid_from` to `valid_to` (open-ended when empty), in one currency (only orders
in that currency count). Its tiers (`RebateTier`, at least one, thresholds rising) are
read against the period's `basis`: the quantity or the net amount counted.

**The tier design.** The tier reached is the one with the highest threshold at or
below the basis total (`≥`); below the first threshold nothing is earned. Its rate
applies to the whole period, from the first unit (not only to what lies above the
threshold), read by the rule's `reward`:

* `percent`  — rebate = net amount counted × rate / 100 (rate ≤ 100);
* `per_unit` — rebate = quantity counted × rate (an amount in the rule's currency).

So a rule can count units to reach a tier and still pay a percentage of the amount
(or the other way round).

**What counts.** The lines of orders that are confirmed or further on (confirmed,
partially shipped, shipped, delivered, closed) whose `order_date` lies in the period
and in the rule's validity, less what came back: a line counts `quantity − returned`
units and `net_amount × (quantity − returned) / quantity` of its net amount (pro rata;
net is before tax, after discounts).

**Money.** `Decimal` throughout, never float: the pro-rata net amounts and their sum
are kept exact (40 significant digits), the tier is chosen on the exact total, and the
rebate is rounded once, half up, to the cent. `Rebate.net_amount` and `basis_total` are
the exact figures rounded for display; the explanation shows the exact ones.

**Computing** (`rebates_compute`, and the monthly beat task through
`rebates_compute_due`) writes one `Rebate` per rule × customer × period with anything
earned, with its `explanation`: every order line counted and the tier arithmetic.
Computing again is safe and gives the same result from the same orders: a row still
`computed` is brought up to date (unchanged figures write nothing), one no longer
earned is withdrawn, and rows already approved, posted or rejected are left alone.
The rule's row is locked while it is computed, so two runs of one rule go one after
the other.

**The review.** computed → approved → posted; computed or approved → rejected (with a
reason). Posting issues a credit note of the rebate's amount ("Rebate <rule>
<period>") the way a return's credit is issued (`invoices.credit_note_for`): posted to
the customer's account, it settles the oldest open invoices, the rest stays on account.
The steps are declared once in `LIFECYCLE`.

Finance owns all of it: `settlement.add_rebaterule` / `change_rebaterule` for rules,
`add_rebate` to compute, `review_rebate` to approve or reject, `post_rebate` to post.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from billing.access import ensure_writable
from tradepost import events
from tradepost.audit.services import audit_record
from tradepost.customers.models import Customer, CustomerGroup
from tradepost.customers.selectors import scope_q
from tradepost.lifecycle import Lifecycle, Transition
from tradepost.lifecycle.rows import row_lock, rows_lock
from tradepost.masterdata.models import Product, ProductCategory
from tradepost.masterdata.selectors import category_subtree_ids
from tradepost.pricing import documents
from tradepost.pricing import lines as arithmetic
from tradepost.principals import Actor
from tradepost.sales.models import OrderLine
from tradepost.sales.selectors import orders_visible_to
from tradepost.settlement import invoices, ledger, money
from tradepost.settlement.models import (
    REBATE_THRESHOLD_PLACES,
    Invoice,
    Rebate,
    RebateRule,
    RebateTier,
)

S = Rebate.Status
Period = RebateRule.Period
Basis = RebateRule.Basis
Reward = RebateRule.Reward
ZERO = Decimal("0")
HUNDRED = Decimal("100")
THRESHOLD_PLACES = Decimal(1).scaleb(-REBATE_THRESHOLD_PLACES)
MAX_THRESHOLD = Decimal("999999999999.999")
MAX_TIERS = 20
# Exact intermediate figures: a line's net (14 digits) × a quantity (12) / a quantity.
PRECISION = 40
# The orders that count: confirmed and on (the same as may be invoiced).
COUNTED_ORDER_STATUSES = invoices.INVOICEABLE_ORDER_STATUSES
PERIOD_MONTHS = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}


# --- Periods ---------------------------------------------------------------------------
def period_of(kind: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the `kind` period (month, quarter, year) holding `day`."""
    months = PERIOD_MONTHS[Period(kind)]
    first_month = (day.month - 1) // months * months + 1
    last_month = first_month + months - 1
    start = datetime.date(day.year, first_month, 1)
    end = datetime.date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])
    return start, end


def period_label(kind: str, start: datetime.date) -> str:
    """ "2026-11", "2026-Q4" or "2026"."""
    if kind == Period.MONTH:
        return f"{start.year}-{start.month:02d}"
    if kind == Period.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def last_period_end(today: datetime.date) -> datetime.date:
    """The last day of the month before `today`'s: the period end the beat computes."""
    return today.replace(day=1) - datetime.timedelta(days=1)


# --- Rules -----------------------------------------------------------------------------
RULE_FIELDS = (
    "name",
    "is_active",
    "customer",
    "customer_group",
    "product",
    "category",
    "period",
    "basis",
    "reward",
    "valid_from",
    "valid_to",
    "currency",
    "notes",
)


def _choice(value: Any, choices: type[Any], field_name: str, message: str) -> str:
    if value not in choices.values:
        raise ValidationError({field_name: [message]})
    return str(value)


def _tiers_checked(tiers: Iterable[Any], reward: str) -> list[tuple[Decimal, Decimal]]:
    """(threshold, rate) pairs from `tiers` — mappings with "threshold" and "rate",
    or pairs — checked: at least one, thresholds rising, rates above zero and a
    percentage at most 100."""
    rows = list(tiers)
    if not rows:
        raise ValidationError({"tiers": [_("Add at least one tier.")]})
    if len(rows) > MAX_TIERS:
        raise ValidationError({"tiers": [_("At most %(max)d tiers.") % {"max": MAX_TIERS}]})
    checked: list[tuple[Decimal, Decimal]] = []
    for row in rows:
        try:
            pair = (row.get("threshold"), row.get("rate")) if isinstance(row, Mapping) else row
            threshold, rate = (Decimal(str(value)) for value in pair)
        except (ArithmeticError, ValueError, TypeError):
            raise ValidationError(
                {"tiers": [_("Give each tier a threshold and a rate, as numbers.")]}
            ) from None
        threshold = documents.decimal_checked(
            threshold, field="tiers", places=THRESHOLD_PLACES, maximum=MAX_THRESHOLD
        )
        rate = documents.decimal_checked(
            rate,
            field="tiers",
            places=arithmetic.CENT,
            maximum=documents.MAX_PRICE,
            positive=True,
        )
        if reward == Reward.PERCENT and rate > HUNDRED:
            raise ValidationError(
                {
                    "tiers": [
                        _("A percentage rate cannot be more than 100 (%(rate)s).") % {"rate": rate}
                    ]
                }
            )
        if checked and threshold <= checked[-1][0]:
            raise ValidationError(
                {
                    "tiers": [
                        _(
                            "Tier thresholds must rise from one tier to the next: %(this)s "
                            "follows %(previous)s."
                        )
                        % {
                            "this": arithmetic.decimal_text(threshold),
                            "previous": arithmetic.decimal_text(checked[-1][0]),
                        }
                    ]
                }
            )
        checked.append((threshold, rate))
    return checked


def _rule_checked(values: dict[str, Any]) -> dict[str, Any]:
    """The rule's fields, checked and normalised (see the module docstring)."""
    name = (values.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the rule a name.")]})
    if len(name) > 200:
        raise ValidationError({"name": [_("At most 200 characters.")]})
    customer, group = values.get("customer"), values.get("customer_group")
    if customer is not None and group is not None:
        raise ValidationError(
            {"customer_group": [_("Choose a customer or a customer group, not both.")]}
        )
    if customer is not None and not isinstance(customer, Customer):
        raise ValidationError({"customer": [_("Select a valid customer.")]})
    if group is not None and not isinstance(group, CustomerGroup):
        raise ValidationError({"customer_group": [_("Select a valid customer group.")]})
    product, category = values.get("product"), values.get("category")
    if product is not None and category is not None:
        raise ValidationError({"category": [_("Choose a product or a category, not both.")]})
    if product is not None and not isinstance(product, Product):
        raise ValidationError({"product": [_("Select a valid product.")]})
    if category is not None and not isinstance(category, ProductCategory):
        raise ValidationError({"category": [_("Select a valid product category.")]})
    period = _choice(
        values.get("period"), Period, "period", _("Choose monthly, quarterly or yearly.")
    )
    basis = _choice(
        values.get("basis"), Basis, "basis", _("Choose quantity or net amount as the basis.")
    )
    reward = _choice(
        values.get("reward"),
        Reward,
        "reward",
        _("Choose a percentage of the net amount or an amount per unit."),
    )
    valid_from, valid_to = values.get("valid_from"), values.get("valid_to")
    if not isinstance(valid_from, datetime.date):
        raise ValidationError({"valid_from": [_("Enter the first day the rule applies.")]})
    if valid_to is not None and (not isinstance(valid_to, datetime.date) or valid_to < valid_from):
        raise ValidationError({"valid_to": [_("The rule cannot end before it starts.")]})
    default_currency = customer.currency if customer is not None else money.base_currency()
    currency = documents.currency_value(values.get("currency"), default_currency)
    return {
        "name": name,
        "is_active": bool(values.get("is_active", True)),
        "customer": customer,
        "customer_group": group,
        "product": product,
        "category": category,
        "period": period,
        "basis": basis,
        "reward": reward,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "currency": currency,
        "notes": (values.get("notes") or "").strip(),
    }


def _tiers_write(rule: RebateRule, tiers: list[tuple[Decimal, Decimal]]) -> None:
    rule.tiers.all().delete()
    RebateTier.objects.bulk_create(
        [RebateTier(rule=rule, threshold=threshold, rate=rate) for threshold, rate in tiers]
    )


def rule_payload(rule: RebateRule, tiers: Sequence[tuple[Decimal, Decimal]]) -> dict[str, Any]:
    """The rule as the audit log keeps it."""
    return {
        "name": rule.name,
        "active": rule.is_active,
        "customer": rule.customer_id,
        "customer_group": rule.customer_group_id,
        "product": rule.product_id,
        "category": rule.category_id,
        "period": rule.period,
        "basis": rule.basis,
        "reward": rule.reward,
        "valid_from": rule.valid_from.isoformat(),
        "valid_to": rule.valid_to.isoformat() if rule.valid_to else None,
        "currency": rule.currency,
        "tiers": [[str(threshold), str(rate)] for threshold, rate in tiers],
    }


@transaction.atomic
def rebate_rule_create(
    *,
    actor: Actor,
    name: str,
    basis: str,
    tiers: Iterable[Any],
    valid_from: datetime.date,
    reward: str = Reward.PERCENT,
    period: str = Period.MONTH,
    valid_to: datetime.date | None = None,
    customer: Customer | None = None,
    customer_group: CustomerGroup | None = None,
    product: Product | None = None,
    category: ProductCategory | None = None,
    currency: str | None = None,
    is_active: bool = True,
    notes: str = "",
) -> RebateRule:
    """A rebate rule with its tiers (`[{"threshold": …, "rate": …}, …]`, thresholds
    rising). Refused whole, with the field at fault, when anything is wrong."""
    documents.require(actor, "settlement.add_rebaterule")
    values = _rule_checked(
        {
            "name": name,
            "is_active": is_active,
            "customer": customer,
            "customer_group": customer_group,
            "product": product,
            "category": category,
            "period": period,
            "basis": basis,
            "reward": reward,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "currency": currency,
            "notes": notes,
        }
    )
    checked = _tiers_checked(tiers, values["reward"])
    if values["customer"] is not None:
        documents.require_customer_visible(actor, values["customer"])
    ensure_writable()
    rule = RebateRule.objects.create(**values, created_by=documents.actor_user(actor))
    _tiers_write(rule, checked)
    audit_record(
        actor=actor, action="rebate_rule.created", target=rule, data=rule_payload(rule, checked)
    )
    return rule


@transaction.atomic
def rebate_rule_update(*, actor: Actor, rule: RebateRule, **changes: Any) -> RebateRule:
    """Change any of the rule's fields (`RULE_FIELDS`) and, with `tiers`, replace its
    tiers whole. Rebates already approved, posted or rejected keep the figures they
    were computed with; those still `computed` follow the rule at the next computation."""
    documents.require(actor, "settlement.change_rebaterule")
    unknown = set(changes) - {*RULE_FIELDS, "tiers"}
    if unknown:
        raise TypeError(f"rebate_rule_update() got unexpected fields {sorted(unknown)}")
    locked = row_lock(RebateRule.objects.all(), rule.pk)
    current = {name: getattr(locked, name) for name in RULE_FIELDS}
    values = _rule_checked({**current, **{k: v for k, v in changes.items() if k != "tiers"}})
    tiers = changes.get("tiers")
    if tiers is None:
        tiers = list(locked.tiers.order_by("threshold").values_list("threshold", "rate"))
    checked = _tiers_checked(tiers, values["reward"])
    if values["customer"] is not None and values["customer"] != current["customer"]:
        documents.require_customer_visible(actor, values["customer"])
    ensure_writable()
    for name, value in values.items():
        setattr(locked, name, value)
    locked.save()
    if "tiers" in changes:
        _tiers_write(locked, checked)
    audit_record(
        actor=actor,
        action="rebate_rule.updated",
        target=locked,
        data=rule_payload(locked, checked),
    )
    return locked


# --- Computing -------------------------------------------------------------------------
def _text(value: Decimal) -> str:
    """An exact figure as text (normalising at the working precision, not the default
    28 digits, so nothing is rounded on the way)."""
    with localcontext() as context:
        context.prec = PRECISION
        return arithmetic.decimal_text(value)


@dataclass
class Earned:
    """One customer's figures for one rule and period (before it is written)."""

    customer_id: int
    quantity: Decimal = ZERO
    net_amount: Decimal = ZERO  # exact
    lines: list[dict[str, str]] = field(default_factory=list)


@dataclass
class ComputeResult:
    """What a computation did: rows created, brought up to date, unchanged, withdrawn
    (no longer earned) and left alone (already reviewed); per rule id, its period."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    reviewed: int = 0
    periods: dict[int, tuple[datetime.date, datetime.date]] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.withdrawn


def counted_lines(
    rule: RebateRule, start: datetime.date, end: datetime.date
) -> QuerySet[OrderLine, Any]:
    """The order lines `rule` counts from `start` to `end` (both included), in a
    fixed order (customer, order date, order number, position)."""
    lines = OrderLine.objects.filter(
        order__status__in=COUNTED_ORDER_STATUSES,
        order__order_date__gte=start,
        order__order_date__lte=end,
        order__currency=rule.currency,
    )
    if rule.customer_id is not None:
        lines = lines.filter(order__customer_id=rule.customer_id)
    elif rule.customer_group_id is not None:
        lines = lines.filter(order__customer__group_id=rule.customer_group_id)
    if rule.product_id is not None:
        lines = lines.filter(product_id=rule.product_id)
    elif rule.category_id is not None:
        category = ProductCategory.objects.get(pk=rule.category_id)
        lines = lines.filter(product__category_id__in=category_subtree_ids(category))
    return lines.values(
        "pk",
        "order__customer_id",
        "order__number",
        "order__order_date",
        "position",
        "product__sku",
        "quantity",
        "returned_quantity",
        "net_amount",
    ).order_by("order__customer_id", "order__order_date", "order__number", "position", "pk")


def _earned(rule: RebateRule, start: datetime.date, end: datetime.date) -> dict[int, Earned]:
    """Per customer: the quantity and exact net amount counted, and the lines."""
    found: dict[int, Earned] = {}
    with localcontext() as context:
        context.prec = PRECISION
        for line in counted_lines(rule, start, end):
            quantity, returned = line["quantity"], line["returned_quantity"]
            kept = quantity - returned
            net = line["net_amount"] if returned == 0 else line["net_amount"] * kept / quantity
            earned = found.setdefault(
                line["order__customer_id"], Earned(line["order__customer_id"])
            )
            earned.quantity += kept
            earned.net_amount += net
            earned.lines.append(
                {
                    "order": line["order__number"],
                    "order_date": line["order__order_date"].isoformat(),
                    "sku": line["product__sku"],
                    "quantity": _text(quantity),
                    "returned": _text(returned),
                    "counted_quantity": _text(kept),
                    "net_amount": str(line["net_amount"]),
                    "counted_net_amount": _text(net),
                }
            )
    return found


def _tier_for(tiers: Sequence[RebateTier], total: Decimal) -> RebateTier | None:
    """The tier with the highest threshold at or below `total` (tiers by threshold)."""
    reached = None
    for tier in tiers:
        if total >= tier.threshold:
            reached = tier
    return reached


def _figures(
    rule: RebateRule,
    tiers: Sequence[RebateTier],
    earned: Earned,
    start: datetime.date,
    end: datetime.date,
    counted: tuple[datetime.date, datetime.date],
) -> dict[str, Any] | None:
    """The fields of the customer's `Rebate`, explanation included; None when no tier
    is reached (or it earns nothing)."""
    total = earned.quantity if rule.basis == Basis.QUANTITY else earned.net_amount
    tier = _tier_for(tiers, total)
    if tier is None:
        return None
    with localcontext() as context:
        context.prec = PRECISION
        if rule.reward == Reward.PERCENT:
            exact = earned.net_amount * tier.rate / HUNDRED
            formula = f"{_text(earned.net_amount)} × {_text(tier.rate)} % = {_text(exact)}"
        else:
            exact = earned.quantity * tier.rate
            formula = f"{_text(earned.quantity)} × {_text(tier.rate)} = {_text(exact)}"
    amount = arithmetic.money(exact)  # the one rounding: half up, to the cent
    if amount <= 0:
        return None
    if amount > documents.MAX_AMOUNT:
        raise ValidationError(
            {"rule": [_("The rebate of %(rule)s would be too large to record.") % {"rule": rule}]}
        )
    explanation = {
        "rule": {"id": rule.pk, "name": rule.name},
        "period": {
            "kind": rule.period,
            "label": period_label(rule.period, start),
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
        "counted_from": counted[0].isoformat(),
        "counted_to": counted[1].isoformat(),
        "currency": rule.currency,
        "basis": rule.basis,
        "reward": rule.reward,
        "lines": earned.lines,
        "total_quantity": _text(earned.quantity),
        "total_net_amount": _text(earned.net_amount),
        "basis_total": _text(total),
        "tiers": [{"threshold": _text(t.threshold), "rate": _text(t.rate)} for t in tiers],
        "tier": {"threshold": _text(tier.threshold), "rate": _text(tier.rate)},
        "arithmetic": f"{formula} → {amount}",
    }
    return {
        "period_end": end,
        "currency": rule.currency,
        "quantity": earned.quantity,
        "net_amount": arithmetic.money(earned.net_amount),
        "basis_total": total.quantize(THRESHOLD_PLACES, rounding=ROUND_HALF_UP),
        "tier": tier,
        "threshold": tier.threshold,
        "rate": tier.rate,
        "amount": amount,
        "explanation": explanation,
    }


COMPARED = ("period_end", "currency", "quantity", "net_amount", "basis_total", "threshold")
COMPARED_TOO = ("rate", "amount", "explanation")


def _compute_rule(
    actor: Actor | None, rule: RebateRule, period_end: datetime.date, result: ComputeResult
) -> None:
    """Bring the rule's rebates for the period ending `period_end` up to date."""
    start, end = period_of(rule.period, period_end)
    rule = row_lock(RebateRule.objects.all(), rule.pk)  # one computation of a rule at a time
    counted = (max(start, rule.valid_from), min(end, rule.valid_to or end))
    result.periods[rule.pk] = (start, end)
    tiers = list(rule.tiers.order_by("threshold"))
    found = {}
    if counted[0] <= counted[1]:
        for customer_id, earned in _earned(rule, *counted).items():
            figures = _figures(rule, tiers, earned, start, end, counted)
            if figures is not None:
                found[customer_id] = figures
    existing = {
        row.customer_id: row
        for row in rows_lock(Rebate.objects.filter(rule=rule, period_start=start))
    }
    now = timezone.now()
    for customer_id, figures in sorted(found.items()):
        row = existing.get(customer_id)
        if row is not None and row.status != S.COMPUTED:
            result.reviewed += 1
            continue
        if row is not None:
            if all(getattr(row, name) == figures[name] for name in (*COMPARED, *COMPARED_TOO)):
                if row.tier_id != figures["tier"].pk:
                    row.tier = figures["tier"]
                    row.save(update_fields=["tier", "updated_at"])
                result.unchanged += 1
                continue
            before = str(row.amount)
            for name, value in figures.items():
                setattr(row, name, value)
            row.computed_at = now
            row.save()
            result.updated += 1
            data = {"amount": str(row.amount), "amount_before": before}
        else:
            row = Rebate.objects.create(
                rule=rule, customer_id=customer_id, period_start=start, computed_at=now, **figures
            )
            result.created += 1
            data = {"amount": str(row.amount)}
        audit_record(actor=actor, action="rebate.computed", target=row, data=data)
    for customer_id, row in sorted(existing.items()):
        if customer_id in found:
            continue
        if row.status != S.COMPUTED:
            result.reviewed += 1
            continue
        audit_record(
            actor=actor,
            action="rebate.computed",
            target=row,
            data={"amount": "0.00", "amount_before": str(row.amount), "withdrawn": True},
        )
        row.delete()
        result.withdrawn += 1


def _rules_ending(period_end: datetime.date) -> list[RebateRule]:
    """Active rules valid in a period of theirs that ends on `period_end`."""
    rules = []
    for rule in RebateRule.objects.filter(is_active=True, valid_from__lte=period_end).order_by(
        "pk"
    ):
        start, end = period_of(rule.period, period_end)
        if end != period_end or (rule.valid_to is not None and rule.valid_to < start):
            continue
        rules.append(rule)
    return rules


def _period_end_checked(period_end: datetime.date, today: datetime.date) -> datetime.date:
    if period_end != period_of(Period.MONTH, period_end)[1]:
        raise ValidationError({"period_end": [_("Choose the last day of a month.")]})
    if period_end >= today:
        raise ValidationError({"period_end": [_("That period has not ended yet.")]})
    return period_end


@transaction.atomic
def rebates_compute(
    *, actor: Actor, period_end: datetime.date, rule: RebateRule | None = None
) -> ComputeResult:
    """Compute the rebates of every active rule (or of `rule`) whose period ends on
    `period_end` — the last day of a month (quarterly rules: of a quarter; yearly: of a
    year). Safe to run again: see the module docstring."""
    documents.require(actor, "settlement.add_rebate")
    period_end = _period_end_checked(period_end, timezone.localdate())
    if rule is not None:
        if period_of(rule.period, period_end)[1] != period_end:
            raise ValidationError(
                {
                    "period_end": [
                        _("This rule's periods are %(period)s: choose the last day of one.")
                        % {"period": rule.get_period_display().lower()}
                    ]
                }
            )
        if not rule.is_active:
            raise ValidationError({"rule": [_("This rule is not active.")]})
        rules = [rule]
    else:
        rules = _rules_ending(period_end)
    ensure_writable()
    result = ComputeResult()
    for each in rules:
        _compute_rule(actor, each, period_end, result)
    return result


@transaction.atomic
def rebates_compute_due(*, today: datetime.date | None = None) -> ComputeResult:
    """The schedule's run (no one's request): compute every rule's period that ended
    with the month before `today`'s (today by default)."""
    period_end = last_period_end(today or timezone.localdate())
    ensure_writable()
    result = ComputeResult()
    for rule in _rules_ending(period_end):
        _compute_rule(None, rule, period_end, result)
    return result


# --- Review and posting ----------------------------------------------------------------
def rebates_visible_to(actor: Actor) -> QuerySet[Rebate]:
    """Rebates of the customers in the actor's scope."""
    return Rebate.objects.filter(scope_q(actor, "customer__"))


def _amount_left(actor: Actor, rebate: Rebate, transition: Transition) -> None:
    if rebate.amount <= 0:
        raise ValidationError(_("A rebate of nothing cannot be posted."))


LIFECYCLE: Lifecycle[Rebate] = Lifecycle(
    model=Rebate,
    path=[S.COMPUTED, S.APPROVED, S.POSTED],
    refusal=gettext_lazy("A rebate that is “%(status)s” cannot be %(action)s."),
    visible=rebates_visible_to,
    not_visible=gettext_lazy("This rebate is not yours to change."),
    missing=gettext_lazy("This rebate no longer exists: it was computed again."),
    refresh=("status", "reviewed_at", "credit_note_id", "posted_at", "updated_at"),
    transitions=[
        Transition(
            "approve",
            source=[S.COMPUTED],
            target=S.APPROVED,
            permission="settlement.review_rebate",
            action="rebate.approved",
            verb=pgettext_lazy("cannot be …", "approved"),
        ),
        Transition(
            "reject",
            source=[S.COMPUTED, S.APPROVED],
            target=S.REJECTED,
            permission="settlement.review_rebate",
            action="rebate.rejected",
            verb=pgettext_lazy("cannot be …", "rejected"),
        ),
        Transition(
            "post",
            source=[S.APPROVED],
            target=S.POSTED,
            permission="settlement.post_rebate",
            action="rebate.posted",
            already=gettext_lazy("This rebate is already posted; its credit note exists."),
            verb=pgettext_lazy("cannot be …", "posted"),
            guards=[_amount_left],
        ),
    ],
)


@transaction.atomic
def rebate_approve(*, actor: Actor, rebate: Rebate) -> Rebate:
    """The reviewer agrees with the computed figures: computing again leaves them."""
    step = LIFECYCLE.start("approve", actor=actor, document=rebate)
    locked = step.lock()
    return step.finish(
        fields={"reviewed_by": documents.actor_user(actor), "reviewed_at": timezone.now()},
        data={"amount": str(locked.amount)},
    )


@transaction.atomic
def rebate_reject(*, actor: Actor, rebate: Rebate, reason: str) -> Rebate:
    """The reviewer refuses the rebate, saying why; computing again leaves it."""
    step = LIFECYCLE.start("reject", actor=actor, document=rebate)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the rebate is rejected.")]})
    locked = step.lock()
    return step.finish(
        fields={
            "reviewed_by": documents.actor_user(actor),
            "reviewed_at": timezone.now(),
            "reject_reason": reason[:300],
        },
        data={"amount": str(locked.amount), "reason": reason[:300]},
    )


def rebate_reason(rebate: Rebate, rule: RebateRule) -> str:
    """The credit note's reason: "Rebate <rule> <period>"."""
    return _("Rebate %(rule)s %(period)s") % {
        "rule": rule.name,
        "period": period_label(rule.period, rebate.period_start),
    }


@transaction.atomic
def rebate_post(*, actor: Actor, rebate: Rebate) -> Rebate:
    """Credit the approved rebate: an issued credit note of its amount, in the rule's
    currency, that settles the customer's oldest open invoices (the rest on account).
    Exactly once: the row lock makes a second post wait, then find it posted."""
    step = LIFECYCLE.start("post", actor=actor, document=rebate)
    locked = step.lock()
    rule = RebateRule.objects.get(pk=locked.rule_id)
    customer = Customer.objects.get(pk=locked.customer_id)
    note = invoices._credit_note_new(
        actor,
        customer,
        amount=locked.amount,
        reason=rebate_reason(locked, rule),
        currency=locked.currency,
    )
    fields, _settled = invoices._issue(actor, note, timezone.localdate())
    for name, value in fields.items():
        setattr(note, name, value)
    note.status = Invoice.Status.ISSUED
    note.save(update_fields=[*fields, "status", "updated_at"])
    audit_record(actor=actor, action="invoice.issued", target=note, data={"number": note.number})
    events.emit("invoice.issued", invoices.invoice_payload(note))
    allocations = ledger.allocate_oldest(actor=actor, credit=fields["entry"])
    invoices.paid_notify([allocation.debit for allocation in allocations])
    return step.finish(
        fields={"credit_note": note, "posted_at": timezone.now()},
        data={"amount": str(locked.amount), "credit_note": note.number},
    )


# --- Reads (for the pages and the API) -------------------------------------------------
def rebate_rules() -> QuerySet[RebateRule]:
    """Every rule (a rule concerns many customers: whoever may view rules sees them
    all), with what it names joined and its tiers prefetched."""
    return RebateRule.objects.select_related(
        "customer", "customer_group", "product", "category"
    ).prefetch_related("tiers")


def rebate_list(
    actor: Actor,
    *,
    status: str | None = None,
    period_start: datetime.date | None = None,
    rule: RebateRule | None = None,
) -> QuerySet[Rebate]:
    """Rebates of the actor's customers for a list: rule, customer and credit note
    joined; latest period first."""
    rebates = rebates_visible_to(actor).select_related("rule", "customer", "credit_note")
    if status:
        rebates = rebates.filter(status=status)
    if period_start is not None:
        rebates = rebates.filter(period_start=period_start)
    if rule is not None:
        rebates = rebates.filter(rule=rule)
    return rebates.order_by("-period_start", "rule__name", "customer__name", "pk")


def rebate_detail(actor: Actor) -> QuerySet[Rebate]:
    """Rebates of the actor's customers with everything a detail page shows joined."""
    return rebates_visible_to(actor).select_related(
        "rule", "customer", "credit_note", "tier", "reviewed_by"
    )


def counted_order_ids(actor: Actor, lines: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Order number → id of the orders an explanation's `lines` counted that `actor`
    may open (the rebate's page links them; the API gives their ids)."""
    if actor is None or not actor.has_perm("sales.view_order"):
        return {}
    numbers = {str(line.get("order", "")) for line in lines}
    return dict(orders_visible_to(actor).filter(number__in=numbers).values_list("number", "pk"))


def rebate_allowed_actions(actor: Actor, rebate: Rebate) -> list[str]:
    """The review steps `actor` may take on `rebate` (the API's `allowed_actions`)."""
    return LIFECYCLE.allowed(actor, rebate)
