"""Escalation and deduplication on real concurrent PostgreSQL transactions: two
escalation runs at once move an alert one level, not two; two raises of the same rule
and subject at once make one alert."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.alerts.conftest import SUBJECT_BASE, later, rule
from tests.support.factories import user_with_role
from tradepost.alerts import services
from tradepost.alerts.due.models import WorkspaceDue
from tradepost.alerts.models import Alert, AlertStep, Notification
from tradepost.audit.models import AuditEntry


@pytest.fixture
def committed_people(platform_workspaces, django_db_blocker):
    """A salesperson and an executive committed in alpha (other connections see them);
    they and every alert made meanwhile are removed afterwards."""
    from tradepost.accounts.models import User

    workspace = platform_workspaces["alpha"]
    with django_db_blocker.unblock():
        seller = user_with_role(workspace, "salesperson", email="race-seller@alpha.test")
        boss = user_with_role(workspace, "executive", email="race-boss@alpha.test")
        with schema_context(workspace.schema):
            last_audit = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
        connection.set_schema_to_public()
        yield workspace, seller, boss
        with schema_context(workspace.schema):
            Notification.objects.all().delete()
            AlertStep.objects.all().delete()
            Alert.objects.all().delete()
            AuditEntry.objects.filter(pk__gt=last_audit or 0).delete()
            User.objects.filter(pk__in=[seller.pk, boss.pk]).delete()
        WorkspaceDue.objects.filter(tenant=workspace.tenant).delete()
        connection.set_schema_to_public()


def _race(schema: str, jobs: list) -> tuple[list, list[BaseException]]:
    barrier = threading.Barrier(len(jobs))
    results, failures, lock = [], [], threading.Lock()

    def run(job) -> None:
        try:
            with schema_context(schema):
                barrier.wait()
                value = job()
            with lock:
                results.append(value)
        except BaseException as exc:  # noqa: BLE001 - asserted by the caller
            with lock:
                failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, failures


def _raise(seller, subject_id: int = SUBJECT_BASE + 501):
    return services.alert_raise(
        rule=rule("return_recorded"),
        subject_type=Alert.Subject.ORDER,
        subject_id=subject_id,
        subject_label=f"SO-{subject_id}",
        owner=seller,
    )


def test_two_escalation_runs_at_once_escalate_once(committed_people, django_db_blocker):
    workspace, seller, boss = committed_people
    with django_db_blocker.unblock():
        with schema_context(workspace.schema):
            alert = _raise(seller)
        when = later(49)
        results, failures = _race(
            workspace.schema,
            [lambda: services.alert_escalate(alert.pk, now=when) for _ in range(4)],
        )
        with schema_context(workspace.schema):
            alert.refresh_from_db()
            escalations = alert.steps.filter(action="escalated").count()
            notified = Notification.objects.filter(alert=alert, reason="escalated").count()

    assert failures == []
    assert len([moved for moved in results if moved is not None]) == 1
    assert (alert.level, alert.assignee_id) == (1, boss.pk)
    assert escalations == 1 and notified == 1


def test_two_raises_of_one_rule_and_subject_at_once_make_one_alert(
    committed_people, django_db_blocker
):
    workspace, seller, _ = committed_people
    with django_db_blocker.unblock():
        results, failures = _race(
            workspace.schema, [lambda: _raise(seller, SUBJECT_BASE + 777) for _ in range(4)]
        )
        with schema_context(workspace.schema):
            made = Alert.objects.filter(subject_id=SUBJECT_BASE + 777).count()
            notified = Notification.objects.filter(alert__subject_id=SUBJECT_BASE + 777).count()

    assert failures == []
    assert len([r for r in results if r is not None]) == 1
    assert made == 1 and notified == 1
