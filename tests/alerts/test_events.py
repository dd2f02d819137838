"""Rules on events: an order submitted for review, a large discount, a credit limit
reached, a return recorded. They run in the transaction of the change, go to the
responsible person with a deadline, notify them, and are raised once per subject."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from api.webhooks.models import WebhookEndpoint, WebhookEvent
from tests.alerts.conftest import SUBJECT_BASE, raise_for_order, rule, submitted_order
from tests.settlement.conftest import approved_order
from tests.support import factories
from tradepost.alerts import selectors
from tradepost.alerts.due.models import WorkspaceDue
from tradepost.alerts.models import Alert, AlertStep, Notification
from tradepost.customers.models import Customer
from tradepost.sales import orders

D = Decimal


def _alerts(org, kind: str, subject_id: int):
    with schema_context(org.schema):
        return list(
            Alert.objects.filter(kind=kind, subject_id=subject_id).select_related(
                "assignee", "responsible"
            )
        )


def test_a_submitted_order_alerts_the_salesperson_manager_with_a_deadline(alert_org):
    before = timezone.now()
    order = submitted_order(alert_org)
    manager = alert_org.users["sales_manager"]

    (alert,) = _alerts(alert_org, "order_submitted", order.pk)
    assert alert.assignee == manager == alert.responsible
    assert alert.subject_type == "order" and alert.subject_id == order.pk
    assert alert.deadline_at - before >= datetime.timedelta(hours=24)
    with schema_context(alert_org.schema):
        assert list(AlertStep.objects.filter(alert=alert).values_list("action", "to_user")) == [
            ("raised", manager.pk)
        ]
        assert Notification.objects.get(alert=alert).user == manager
        assert selectors.unread_count(manager) == 1
        assert selectors.open_alert_count_for(manager) == 1
        assert list(selectors.open_alerts_for(manager)) == [alert]
    # The workspace is due by the deadline in the public index.
    due = WorkspaceDue.objects.get(tenant=alert_org.workspace.tenant)
    assert due.due_at <= alert.deadline_at


def test_approving_the_order_resolves_its_review_alert(alert_org):
    order = submitted_order(alert_org)
    with schema_context(alert_org.schema):
        orders.order_approve(actor=alert_org.users["sales_manager"], order=order)
        alert = Alert.objects.get(kind="order_submitted", subject_id=order.pk)
        step = alert.steps.latest("pk")

    assert alert.state == "resolved" and alert.deadline_at is None
    assert (step.action, step.actor, step.note) == ("resolved", None, "The order was reviewed.")


def test_a_discount_over_the_threshold_raises_a_large_discount_alert(alert_org):
    kettle = alert_org.products["kettle"]
    plain = submitted_order(alert_org, lines=[{"product": kettle, "quantity": D("1")}])
    assert _alerts(alert_org, "large_discount", plain.pk) == []  # no discount

    order = submitted_order(
        alert_org,
        lines=[{"product": kettle, "quantity": D("1"), "discount_percent": D("25")}],
    )
    (alert,) = _alerts(alert_org, "large_discount", order.pk)
    assert alert.data["discount"] == "25.00"
    with schema_context(alert_org.schema):
        assert selectors.alert_message(alert).endswith("has a line discount of 25.00%.")


def test_confirming_to_the_credit_threshold_alerts_finance(alert_org):
    order = approved_order(alert_org)
    with schema_context(alert_org.schema):
        # The order's gross total is 95 % of the limit.
        limit = (order.gross_total * 100 / 95).quantize(D("0.01"))
        Customer.objects.filter(pk=order.customer_id).update(credit_limit=limit)
        orders.order_confirm(actor=alert_org.owner, order=order)

    (alert,) = _alerts(alert_org, "credit_limit", order.customer_id)
    assert alert.assignee == alert_org.users["finance_manager"]
    assert alert.subject_type == "customer" and alert.data["percent"] == "95"


def test_confirming_well_under_the_limit_raises_nothing(alert_org):
    order = approved_order(alert_org)
    with schema_context(alert_org.schema):
        Customer.objects.filter(pk=order.customer_id).update(credit_limit=order.gross_total * 2)
        orders.order_confirm(actor=alert_org.owner, order=order)
    assert _alerts(alert_org, "credit_limit", order.customer_id) == []


def test_a_return_alerts_the_salesperson_of_the_order(alert_org):
    made = factories.order_return(alert_org)

    (alert,) = _alerts(alert_org, "return_recorded", made.order_id)
    assert alert.assignee == alert_org.users["salesperson"]
    assert alert.data["return"] == made.number


def test_a_submission_that_rolls_back_raises_nothing(alert_org):
    order = factories.order(alert_org, actor=alert_org.users["salesperson"])
    with schema_context(alert_org.schema):
        with pytest.raises(RuntimeError), transaction.atomic():
            orders.order_submit(actor=alert_org.users["salesperson"], order=order)
            raise RuntimeError("the caller fails after the submission")
        assert not Alert.objects.filter(subject_id=order.pk).exists()
        assert not Notification.objects.filter(user=alert_org.users["sales_manager"]).exists()


def test_a_rule_switched_off_raises_nothing(alert_org):
    with schema_context(alert_org.schema):
        rule("order_submitted").__class__.objects.filter(kind="order_submitted").update(
            enabled=False
        )
    order = submitted_order(alert_org)
    assert _alerts(alert_org, "order_submitted", order.pk) == []


def test_one_open_alert_per_rule_and_subject(alert_org):
    first = raise_for_order(alert_org, order_id=7)
    assert raise_for_order(alert_org, order_id=7) is None
    other = raise_for_order(alert_org, order_id=8)
    with schema_context(alert_org.schema):
        assert Alert.objects.filter(pk__in=[first.pk, other.pk]).count() == 2
        assert Alert.objects.filter(subject_id=first.subject_id).count() == 1
        Alert.objects.filter(pk=first.pk).update(state="resolved")
    # Once resolved, the subject may alert again.
    again = raise_for_order(alert_org, order_id=7)
    assert again is not None and again.pk not in (first.pk, other.pk)


def test_without_a_manager_the_alert_goes_to_an_executive(alert_org):
    # The north rep has no manager: "that salesperson's manager" falls back.
    alert = raise_for_order(alert_org, owner="north_rep")
    assert alert.assignee == alert_org.users["executive"]


def test_alert_raised_is_published_to_subscribed_webhooks(alert_org):
    with schema_context(alert_org.schema):
        WebhookEndpoint.objects.create(
            url="https://hooks.example.com/t", event_types=["alert.raised"], secret="s" * 32
        )
    alert = raise_for_order(alert_org)
    with schema_context(alert_org.schema):
        event = WebhookEvent.objects.get(event_type="alert.raised")
    assert event.payload["id"] == alert.pk
    assert event.payload["assignee"] == alert_org.users["sales_manager"].email


def test_the_responsible_person_is_e_mailed_after_commit_with_a_link(
    alert_org, django_capture_on_commit_callbacks
):
    from django.core import mail

    from tradepost.alerts import services

    salesperson = alert_org.users["salesperson"]
    with schema_context(alert_org.schema):
        with django_capture_on_commit_callbacks(execute=False) as waiting:
            services.alert_raise(
                rule=rule("return_recorded"),
                subject_type=Alert.Subject.ORDER,
                subject_id=SUBJECT_BASE + 5,
                subject_label="SO-5",
                owner=salesperson,
                data={"return": "RT-1"},
            )
        assert mail.outbox == [] and waiting  # nothing leaves before the commit
        with django_capture_on_commit_callbacks(execute=True):
            alert = services.alert_raise(
                rule=rule("return_recorded"),
                subject_type=Alert.Subject.ORDER,
                subject_id=SUBJECT_BASE + 6,
                subject_label="SO-6",
                owner=salesperson,
                data={"return": "RT-2"},
            )

    (sent,) = mail.outbox
    assert sent.to == [salesperson.email]
    assert sent.subject == "Alert in Alpha Trading: Return recorded"
    assert "Goods were returned against order SO-6 (return RT-2)." in sent.body
    assert f"/alerts/{alert.pk}/" in sent.body
