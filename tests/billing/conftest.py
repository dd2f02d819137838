"""Billing fixtures: the local Stripe fake (online mode), offline mode, and helpers to
put a workspace's subscription in a given state inside the test's transaction."""

from __future__ import annotations

import pytest

from billing.models import Plan, Subscription
from tests.billing.fake_stripe import FakeStripe, serve
from tests.billing.stripe_events import PRICES, WEBHOOK_SECRET


@pytest.fixture(scope="session")
def _stripe_server():
    fake = FakeStripe()
    server, url = serve(fake)
    yield fake, url
    server.shutdown()
    server.server_close()


@pytest.fixture
def stripe_online(_stripe_server, settings) -> FakeStripe:
    """Online mode against the fake: keys set, the SDK pointed at the local server."""
    fake, url = _stripe_server
    fake.reset()
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = url
    yield fake
    fake.reset()


@pytest.fixture
def stripe_fake(stripe_online, plans) -> FakeStripe:
    """Online mode, with Stripe prices on the paid plans (in the test's transaction)."""
    return stripe_online


@pytest.fixture
def offline(settings, plans):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.STRIPE_API_BASE = ""


@pytest.fixture
def plans(db) -> dict[str, Plan]:
    """The migration's plans, with Stripe prices for the paid ones."""
    found = {plan.code: plan for plan in Plan.objects.all()}
    for (code, interval), price in PRICES.items():
        setattr(found[code], f"stripe_price_{'yearly' if interval == 'year' else 'monthly'}", price)
    for plan in found.values():
        plan.save()
    return found


@pytest.fixture
def set_subscription():
    """Put `workspace`'s subscription in a state: set_subscription(alpha, status=...)."""

    def update(workspace, **fields) -> Subscription:
        if isinstance(fields.get("plan"), str):
            fields["plan"] = Plan.objects.get(code=fields["plan"])
        subscription = Subscription.objects.get(tenant=workspace.tenant)
        for name, value in fields.items():
            setattr(subscription, name, value)
        subscription.save()
        return subscription

    return update


def subscription_of(workspace) -> Subscription:
    return Subscription.objects.select_related("plan").get(tenant=workspace.tenant)
