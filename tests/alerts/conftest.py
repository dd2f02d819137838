"""What the alerts tests share: the sales organisation (tests/support/org.py) with a
reporting chain — the Shanghai salesperson reports to the East sales manager; the
manager has no manager, so the executive is the next level above them — and helpers
to raise alerts the way the rules do.

Committed tests of other modules (order races) leave alerts behind in alpha: the tests
here look at their own subjects and people, never at table-wide counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support import factories
from tradepost.alerts import services
from tradepost.alerts.models import Alert, AlertRule
from tradepost.masterdata import services as md
from tradepost.sales import orders

D = Decimal


def with_chain(org):
    with schema_context(org.schema):
        md.staff_profile_update(
            actor=org.owner, user=org.users["salesperson"], manager=org.users["sales_manager"]
        )
    return org


@pytest.fixture
def alert_org(sales_org):
    return with_chain(sales_org)


@pytest.fixture
def beta_alert_org(beta_sales_org):
    return with_chain(beta_sales_org)


def rule(kind: str) -> AlertRule:
    return AlertRule.objects.get(kind=kind)


def submitted_order(org, customer: str = "rep_own", *, lines=None, actor="salesperson"):
    """A draft entered and submitted for review by the salesperson."""
    person = org.person(actor)
    order = factories.order(org, customer, actor=person, lines=lines)
    with schema_context(org.schema):
        return orders.order_submit(actor=person, order=order)


# Subjects of hand-raised alerts: far from the ids of real orders, so alerts that
# committed tests elsewhere leave behind (their orders raise them) never collide.
SUBJECT_BASE = 900_000_000


def raise_for_order(org, *, kind: str = "order_submitted", order_id: int = 1, owner="salesperson"):
    """An alert of `kind` about an order of `owner`, raised as the rule would (its
    label is `SO-<order_id>`)."""
    with schema_context(org.schema):
        return services.alert_raise(
            rule=rule(kind),
            subject_type=Alert.Subject.ORDER,
            subject_id=SUBJECT_BASE + order_id,
            subject_label=f"SO-{order_id}",
            owner=org.person(owner),
            data={"customer": "Mingda"},
        )


def later(hours: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=hours)
