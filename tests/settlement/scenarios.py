"""Scenarios the settlement tests of pages and API share: a rebate rule on kettles,
last month's purchases and their computed rebates; an expense claim.

Last month is the period every rebate scenario computes (`LAST_END`), with its orders
dated `IN_LAST_MONTH`."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from tests.settlement.conftest import confirmed_order
from tradepost.settlement import expenses, rebates
from tradepost.settlement.models import ExpenseClaim, Rebate, RebateRule

D = Decimal
TODAY = timezone.localdate()
LAST_END = rebates.last_period_end(TODAY)
LAST_START = LAST_END.replace(day=1)
LAST_MONTH = f"{LAST_START:%Y-%m}"
IN_LAST_MONTH = LAST_END.replace(day=min(15, LAST_END.day))


def finance(org):
    return org.users["finance_manager"]


def rebate_rule(org, **fields) -> RebateRule:
    """Finance's quantity rule on kettles: 2 % from 5, 3 % from 10 (`fields` override)."""
    values = {
        "name": "Kettle volume 电水壶返利",
        "basis": "quantity",
        "reward": "percent",
        "tiers": [{"threshold": D("5"), "rate": D("2")}, {"threshold": D("10"), "rate": D("3")}],
        "valid_from": LAST_START - datetime.timedelta(days=400),
        "product": org.products["kettle"],
        **fields,
    }
    with schema_context(org.schema):
        return rebates.rebate_rule_create(actor=finance(org), **values)


def bought_last_month(org, customer="rep_own", quantity="2", *, product="kettle"):
    lines = [{"product": org.products[product], "quantity": D(quantity)}]
    return confirmed_order(org, customer, lines=lines, order_date=IN_LAST_MONTH)


def rebates_computed(org) -> None:
    with schema_context(org.schema):
        rebates.rebates_compute(actor=finance(org), period_end=LAST_END)


def rebate_of(org, customer="rep_own") -> Rebate:
    with schema_context(org.schema):
        return Rebate.objects.select_related("rule").get(customer=org.customers[customer])


def expense_claim(
    org, who="salesperson", customer="rep_own", submit=True, **fields
) -> ExpenseClaim:
    """A taxi claim of 88.00 today by `who`, submitted unless `submit` is false."""
    values = {
        "description": "Taxi 出租车",
        "amount": D("88.00"),
        "incurred_on": TODAY,
        "category": "travel",
        "customer": org.customers[customer] if customer else None,
        **fields,
    }
    with schema_context(org.schema):
        claim = expenses.expense_create(actor=org.users[who], **values)
        if submit:
            claim = expenses.expense_submit(actor=org.users[who], claim=claim)
        return claim
