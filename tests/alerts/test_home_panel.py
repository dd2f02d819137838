"""The alerts panel of the home page: a person's own open alerts, the late ones and
their team's, each linking to the alert; nobody sees another person's alerts there."""

from __future__ import annotations

from django.utils import timezone
from django_tenants.utils import schema_context

from tests.alerts.conftest import raise_for_order
from tests.workspace.dashboard_support import home
from tradepost.alerts.models import Alert
from tradepost.alerts.selectors import open_alert_count_for


def test_the_manager_sees_the_alert_raised_for_them_and_the_salesperson_does_not(alert_org):
    alert = raise_for_order(alert_org, order_id=41)

    manager = home(alert_org, "sales_manager")
    salesperson = home(alert_org, "salesperson")

    assert alert.assignee == alert_org.users["sales_manager"]
    with schema_context(alert_org.schema):  # (other tests' committed orders may add some)
        count = open_alert_count_for(alert_org.users["sales_manager"])
    assert count >= 1
    shown = " ".join(manager.text("alerts").split())
    assert (f"{count} open alerts for you" if count > 1 else "1 open alert for you") in shown
    assert f"/alerts/{alert.pk}/" in manager.links("alerts")
    assert "SO-41" in manager.text("alerts")
    assert "SO-41" not in salesperson.text("alerts")
    assert f"/alerts/{alert.pk}/" not in salesperson.links("alerts")


def test_a_late_alert_is_counted_as_past_its_deadline(alert_org):
    alert = raise_for_order(alert_org, order_id=42)
    with schema_context(alert_org.schema):
        Alert.objects.filter(pk=alert.pk).update(
            deadline_at=timezone.now() - timezone.timedelta(hours=1)
        )

    text = " ".join(home(alert_org, "sales_manager").text("alerts").split())

    assert "past its deadline" in text
    assert "late since" in text


def test_a_resolved_alert_leaves_the_panel(alert_org):
    alert = raise_for_order(alert_org, order_id=43)
    with schema_context(alert_org.schema):
        Alert.objects.filter(pk=alert.pk).update(state=Alert.State.RESOLVED)

    assert f"/alerts/{alert.pk}/" not in home(alert_org, "sales_manager").links("alerts")


def test_the_panel_in_chinese(alert_org):
    raise_for_order(alert_org, order_id=44)

    text = home(alert_org, "sales_manager", language="zh-hans").text("alerts")

    assert "条待处理预警" in text
