"""The operator console: plans are editable, subscriptions assignable (offline mode),
and a dashboard shows MRR, trials, past-due workspaces and the plan mix."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from billing import selectors
from billing.models import Plan, Subscription
from billing.services import trials_expire
from tests.billing.conftest import subscription_of
from tests.conftest import PASSWORD
from tradepost.accounts.models import User
from tradepost.audit.models import AuditEntry


@pytest.fixture
def operator(public_client) -> Client:
    user = User.objects.create_superuser("ops@example.com", PASSWORD)
    public_client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return public_client


def test_the_dashboard_shows_mrr_trials_past_due_and_plan_mix(
    operator, alpha, beta, set_subscription, plans
):
    set_subscription(alpha, status="active", plan="starter", interval="year")  # 290/12
    set_subscription(
        beta, status="past_due", plan="pro", past_due_since=timezone.now() - timedelta(days=1)
    )

    response = operator.get("/admin/billing/subscription/dashboard/")

    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.mrr == [("USD", Decimal("24.17") + Decimal("99.00"))]
    assert figures.paying == 2
    page = response.content.decode()
    assert "USD 123.17" in page
    assert 'id="past-due"' in page and "beta" in page and "owner@beta.test" in page
    assert [(row["plan__code"], row["workspaces"]) for row in figures.plan_mix] == [
        ("pro", 1),
        ("starter", 1),
    ]
    assert "Billing dashboard" in operator.get("/admin/billing/subscription/").content.decode()


def test_trials_are_counted_until_they_end(alpha, beta, set_subscription, plans):
    set_subscription(beta, trial_ends_at=timezone.now() - timedelta(hours=1))

    assert selectors.operator_figures().trials == 1


def test_operators_edit_plans_in_the_console(operator, plans):
    starter = plans["starter"]
    url = f"/admin/billing/plan/{starter.pk}/change/"
    form = operator.get(url).context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None}
    data.update({"max_users": "12", "price_monthly": "35.00", "is_public": "on"})

    response = operator.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    starter.refresh_from_db()
    assert (starter.max_users, starter.price_monthly) == (12, Decimal("35.00"))


def test_operators_assign_a_plan_and_the_workspace_audits_it(operator, alpha, offline):
    sub = subscription_of(alpha)
    url = f"/admin/billing/subscription/{sub.pk}/change/"
    form = operator.get(url).context["adminform"].form
    data = {
        key: value
        for key, value in form.initial.items()
        if value is not None and key in form.fields
    }
    for name in (
        "trial_ends_at",
        "current_period_start",
        "current_period_end",
        "past_due_since",
        "canceled_at",
    ):
        data.pop(name, None)
    data.update(
        {"plan": str(Plan.objects.get(code="starter").pk), "status": "active", "interval": "month"}
    )

    response = operator.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    sub = subscription_of(alpha)
    assert (sub.plan.code, sub.status) == ("starter", "active")
    with schema_context(alpha.schema):
        entry = AuditEntry.objects.get(action="billing.changed_by_operator")
    assert entry.data["operator"] == "ops@example.com" and entry.data["plan"] == "starter"
    page = alpha.client(alpha.owner()).get("/billing/").content.decode()
    assert 'id="billing-plan">Starter' in page


def test_workspace_owners_have_no_console(public_client, alpha):
    assert public_client.get("/admin/billing/subscription/dashboard/").status_code == 302


def test_ended_trials_move_to_the_free_plan(alpha, beta, set_subscription, plans):
    set_subscription(alpha, trial_ends_at=timezone.now() - timedelta(minutes=5))

    assert trials_expire() == 1

    alpha_sub, beta_sub = subscription_of(alpha), subscription_of(beta)
    assert (alpha_sub.plan.code, alpha_sub.status) == ("free", "active")
    assert (beta_sub.plan.code, beta_sub.status) == ("pro", "trialing")
    with schema_context(alpha.schema):
        assert AuditEntry.objects.filter(action="billing.trial_ended").count() == 1
    assert trials_expire() == 0
    assert Subscription.objects.filter(status="trialing").count() >= 1
