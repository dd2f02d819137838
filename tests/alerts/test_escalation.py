"""Escalation: an alert unresolved past its deadline goes one level up the reporting
chain (salesperson → manager → executive), each step recorded, the new holder
notified; at the top it stays. Acknowledge and resolve with a note."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from api.webhooks.models import WebhookEndpoint, WebhookEvent
from tests.alerts.conftest import later, raise_for_order
from tradepost.alerts import selectors, services
from tradepost.alerts.models import Notification


def _return_alert(org):
    # Return alerts go to the order's salesperson first.
    return raise_for_order(org, kind="return_recorded", order_id=11)


def test_an_unresolved_alert_climbs_the_chain_level_by_level(alert_org):
    alert = _return_alert(alert_org)
    salesperson = alert_org.users["salesperson"]
    manager = alert_org.users["sales_manager"]
    executive = alert_org.users["executive"]
    assert alert.assignee == salesperson

    with schema_context(alert_org.schema):
        services.alerts_escalate_due(now=later(47))  # deadline not reached
        alert.refresh_from_db()
        assert (alert.assignee, alert.level) == (salesperson, 0)
        services.alerts_escalate_due(now=later(49))
        alert.refresh_from_db()
        assert (alert.assignee, alert.level) == (manager, 1)
        assert Notification.objects.filter(user=manager, reason="escalated").count() == 1
        first_deadline = alert.deadline_at

        services.alerts_escalate_due(now=later(49 + 49))
        alert.refresh_from_db()
        assert (alert.assignee, alert.level) == (executive, 2)
        assert alert.deadline_at > first_deadline

        # The executive is the top: the alert stays, with no further deadline.
        services.alerts_escalate_due(now=later(500))
        alert.refresh_from_db()
        assert (alert.assignee, alert.level, alert.deadline_at) == (executive, 2, None)
        steps = list(alert.steps.values_list("action", "to_user", "level"))
        assert alert.responsible == salesperson
    assert steps == [
        ("raised", salesperson.pk, 0),
        ("escalated", manager.pk, 1),
        ("escalated", executive.pk, 2),
    ]


def test_escalation_is_published_as_a_webhook(alert_org):
    with schema_context(alert_org.schema):
        WebhookEndpoint.objects.create(
            url="https://hooks.example.com/t", event_types=["alert.escalated"], secret="s" * 32
        )
    alert = _return_alert(alert_org)
    with schema_context(alert_org.schema):
        services.alerts_escalate_due(now=later(49))
        event = WebhookEvent.objects.get(event_type="alert.escalated", payload__id=alert.pk)
    assert event.payload["id"] == alert.pk and event.payload["level"] == 1


def test_an_acknowledged_alert_still_escalates_a_resolved_one_does_not(alert_org):
    acknowledged = _return_alert(alert_org)
    resolved = raise_for_order(alert_org, kind="return_recorded", order_id=12)
    salesperson = alert_org.users["salesperson"]
    with schema_context(alert_org.schema):
        services.alert_acknowledge(actor=salesperson, alert=acknowledged, note="On it")
        services.alert_resolve(actor=salesperson, alert=resolved, note="Credited")
        services.alerts_escalate_due(now=later(49))
        acknowledged.refresh_from_db()
        resolved.refresh_from_db()
    assert acknowledged.level == 1 and acknowledged.state == "acknowledged"
    assert resolved.level == 0 and resolved.resolution_note == "Credited"


def test_resolve_needs_a_note_and_a_person_in_scope(alert_org):
    alert = _return_alert(alert_org)
    with schema_context(alert_org.schema):
        with pytest.raises(ValidationError) as refused:
            services.alert_resolve(actor=alert_org.users["salesperson"], alert=alert, note="  ")
        assert "note" in refused.value.message_dict
        # The other salesperson is not in this alert's chain.
        with pytest.raises(PermissionDenied):
            services.alert_resolve(actor=alert_org.users["north_rep"], alert=alert, note="x")
        # A dealer never acts on alerts.
        with pytest.raises(PermissionDenied):
            services.alert_acknowledge(actor=alert_org.users["dealer"], alert=alert)
        alert.refresh_from_db()
        assert alert.state == "open" and alert.steps.count() == 1
        # The salesperson's manager may resolve it for them.
        services.alert_resolve(actor=alert_org.users["sales_manager"], alert=alert, note="Done")
        with pytest.raises(ValidationError):
            services.alert_resolve(actor=alert_org.users["sales_manager"], alert=alert, note="x")
        alert.refresh_from_db()
    assert alert.state == "resolved"


def test_scopes_mine_team_and_all(alert_org):
    own = _return_alert(alert_org)  # the salesperson's
    other = raise_for_order(alert_org, kind="return_recorded", order_id=20, owner="north_rep")
    with schema_context(alert_org.schema):
        visible = {
            who: set(
                selectors.alerts_visible_to(alert_org.person(who)).values_list("pk", flat=True)
            )
            for who in ("salesperson", "north_rep", "sales_manager", "executive", "dealer")
        }
        team = set(
            selectors.alerts_visible_to(alert_org.users["sales_manager"], scope="team").values_list(
                "pk", flat=True
            )
        )
    assert visible["salesperson"] == {own.pk}
    assert visible["north_rep"] == {other.pk}
    assert visible["sales_manager"] == {own.pk} == team
    assert {own.pk, other.pk} <= visible["executive"]  # every alert of the workspace
    assert visible["dealer"] == set()


def test_marking_notifications_read_empties_the_bell(alert_org):
    _return_alert(alert_org)
    raise_for_order(alert_org, kind="return_recorded", order_id=13)
    salesperson = alert_org.users["salesperson"]
    with schema_context(alert_org.schema):
        assert selectors.unread_count(salesperson) == 2
        first = Notification.objects.filter(user=salesperson).order_by("pk").first()
        assert services.notifications_mark_read(actor=salesperson, ids=[first.pk]) == 1
        assert selectors.unread_count(salesperson) == 1
        # Someone else's notification is never marked by you.
        manager = alert_org.users["sales_manager"]
        assert services.notifications_mark_read(actor=manager, ids=[first.pk + 1]) == 0
        assert services.notifications_mark_read(actor=salesperson) == 1
        assert selectors.unread_count(salesperson) == 0
