"""Rules on schedules (stock below the reorder point, invoices overdue, orders waiting
for review, customers past the churn line, targets behind their run-rate) and the
public due index that lets beat skip every workspace with nothing due."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from tests.alerts.conftest import later, raise_for_order, submitted_order
from tests.settlement.api_support import issued
from tests.settlement.conftest import confirmed_order, kettles
from tradepost.alerts import checks, services
from tradepost.alerts.due.models import WorkspaceDue
from tradepost.alerts.due.services import LEASE, due_workspaces_claim
from tradepost.alerts.models import Alert, AlertRule
from tradepost.inventory.models import StockBalance
from tradepost.plans import services as plans
from tradepost.sales.models import Order

D = Decimal


def _run(org, now=None):
    with schema_context(org.schema):
        return checks.run_scheduled(now=now or later(0.01))


def _alerts(org, kind, subject_id):
    with schema_context(org.schema):
        return list(
            Alert.objects.filter(kind=kind, subject_id=subject_id).select_related("assignee")
        )


def test_stock_under_its_reorder_point_alerts_the_warehouse(alert_org):
    with schema_context(alert_org.schema):
        balance = StockBalance.objects.get(product=alert_org.products["kettle"])
        StockBalance.objects.filter(pk=balance.pk).update(reorder_point=D("5000"))
    raised = _run(alert_org)

    (alert,) = _alerts(alert_org, "stock_low", balance.pk)
    assert raised["stock_low"] >= 1
    assert alert.assignee == alert_org.users["warehouse_manager"]
    assert alert.data["reorder_point"] == "5000.000"
    # A rule that ran waits for its next check; running again now raises nothing more.
    with schema_context(alert_org.schema):
        next_run = AlertRule.objects.get(kind="stock_low").next_run_at
    assert next_run > timezone.now() + datetime.timedelta(minutes=55)
    assert "stock_low" not in _run(alert_org)


def test_an_invoice_past_due_alerts_finance(alert_org):
    invoice = issued(alert_org, days_ago=40)  # due 30 days after issue: 10 days overdue
    recent = issued(alert_org, days_ago=5)  # not due yet
    _run(alert_org)
    assert _alerts(alert_org, "invoice_overdue", recent.pk) == []

    (alert,) = _alerts(alert_org, "invoice_overdue", invoice.pk)
    assert alert.data["days"] == 10
    assert alert.assignee == alert_org.users["finance_manager"]


def test_an_order_waiting_for_review_too_long_alerts_the_manager(alert_org):
    waiting = submitted_order(alert_org)
    fresh = submitted_order(alert_org)
    with schema_context(alert_org.schema):
        Order.objects.filter(pk=waiting.pk).update(
            submitted_at=timezone.now() - datetime.timedelta(hours=30)
        )
    _run(alert_org)

    (alert,) = _alerts(alert_org, "review_waiting", waiting.pk)
    assert _alerts(alert_org, "review_waiting", fresh.pk) == []
    assert alert.data["hours"] >= 30
    assert alert.assignee == alert_org.users["sales_manager"]


def test_a_customer_past_the_churn_line_alerts_their_salesperson(alert_org):
    today = timezone.localdate()
    for days in (100, 90, 80):  # every 10 days, then silent for 80: past 2 × 10
        confirmed_order(
            alert_org, lines=kettles(alert_org, "1"), order_date=today - datetime.timedelta(days)
        )
    _run(alert_org)

    (alert,) = _alerts(alert_org, "churn", alert_org.customers["rep_own"].pk)
    assert alert.assignee == alert_org.users["salesperson"]
    assert alert.data == {"days": 80, "usual": 10}


def test_a_target_forecast_under_the_threshold_alerts_its_salesperson(alert_org):
    today = timezone.localdate()
    with schema_context(alert_org.schema):
        target = plans.target_create(
            actor=alert_org.owner,
            period_kind="year",
            period_start=datetime.date(today.year, 1, 1),
            dimension="salesperson",
            salesperson=alert_org.users["salesperson"],
            amount=D("1000000.00"),
        )
    _run(alert_org)

    (alert,) = _alerts(alert_org, "target_behind", target.pk)
    assert alert.assignee == alert_org.users["salesperson"]


# --- The due index ----------------------------------------------------------------------
def test_only_workspaces_whose_due_time_passed_are_dispatched_and_leased(alert_org, beta):
    alpha_tenant, beta_tenant = alert_org.workspace.tenant, beta.tenant
    now = timezone.now()
    WorkspaceDue.objects.update_or_create(
        tenant=alpha_tenant, defaults={"due_at": now - datetime.timedelta(minutes=1)}
    )
    WorkspaceDue.objects.update_or_create(
        tenant=beta_tenant, defaults={"due_at": now + datetime.timedelta(hours=1)}
    )

    assert due_workspaces_claim(now=now) == [alpha_tenant.schema_name]
    # Leased: the next minute's dispatch does not queue it again while it runs.
    assert WorkspaceDue.objects.get(tenant=alpha_tenant).due_at == now + LEASE
    assert due_workspaces_claim(now=now + datetime.timedelta(minutes=1)) == []


def test_a_workspace_run_sets_the_next_due_time_from_what_is_left(alert_org):
    raise_for_order(alert_org, kind="return_recorded")
    now = later(0.5)
    with schema_context(alert_org.schema):
        checks.workspace_run(now=now)
        next_check = (
            AlertRule.objects.filter(enabled=True, next_run_at__isnull=False)
            .order_by("next_run_at")
            .first()
            .next_run_at
        )
        deadline = (
            Alert.objects.exclude(state="resolved")
            .exclude(deadline_at=None)
            .order_by("deadline_at")
            .first()
            .deadline_at
        )
    due = WorkspaceDue.objects.get(tenant=alert_org.workspace.tenant).due_at

    assert next_check > now  # every due rule ran and waits for its next check
    assert due == min(next_check, deadline)
    # An alert raised later with an earlier deadline moves the due time earlier.
    with schema_context(alert_org.schema):
        AlertRule.objects.filter(kind="order_submitted").update(deadline_hours=1)
    sooner = raise_for_order(alert_org, order_id=99)
    assert sooner.deadline_at < due
    assert WorkspaceDue.objects.get(tenant=alert_org.workspace.tenant).due_at == sooner.deadline_at


def test_nothing_left_to_do_removes_the_workspace_from_the_index(alert_org):
    with schema_context(alert_org.schema):
        AlertRule.objects.update(enabled=False)
        Alert.objects.update(deadline_at=None)
        services.due_reset()
    assert not WorkspaceDue.objects.filter(tenant=alert_org.workspace.tenant).exists()


def test_a_workspace_that_becomes_active_is_enrolled_due_at_once(alert_org):
    tenant = alert_org.workspace.tenant
    WorkspaceDue.objects.filter(tenant=tenant).delete()
    tenant.save(update_fields=["name"])
    assert WorkspaceDue.objects.get(tenant=tenant).due_at <= timezone.now()
