"""A real Celery worker runs every task in the schema it was sent from.

The worker is a subprocess on the test database (tests/support/celery_worker.py),
so everything it must see is committed here (outside the per-test transaction) and
removed again afterwards. It listens on a queue of its own: parallel runs sharing
the Redis never take each other's tasks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from celery.result import AsyncResult
from celery.signals import after_task_publish
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants import provisioning
from tenants.models import Tenant
from tests.support.celery_worker import (
    Worker,
    committed,
    requires_worker,
    routed_to,
    start_worker,
)
from tradepost.accounts import services
from tradepost.accounts.models import Invitation, token_hash
from tradepost.accounts.roles import Role
from tradepost.audit.models import AuditEntry
from tradepost.beat import ActiveTenantScheduler
from tradepost.celery import app

pytestmark = requires_worker


@pytest.fixture(scope="module")
def worker(platform_workspaces, tmp_path_factory) -> Iterator[Worker]:
    with start_worker(tmp_path_factory.mktemp("celery-worker")) as running:
        yield running


@pytest.fixture
def to_worker(worker) -> Iterator[Worker]:
    """Send this process's tasks (services, beat) to the broker, on the worker's queue."""
    with routed_to(worker):
        yield worker


@dataclass
class Published:
    """Tasks this process handed to the broker while recording."""

    messages: list[dict] = field(default_factory=list)

    def of(self, task_name: str) -> list[dict]:
        return [m for m in self.messages if m["task"] == task_name]


@pytest.fixture
def published() -> Iterator[Published]:
    record = Published()

    def receiver(sender=None, headers=None, **kwargs):
        record.messages.append(dict(headers or {}))

    after_task_publish.connect(receiver, weak=False)
    try:
        yield record
    finally:
        after_task_publish.disconnect(receiver)


@pytest.fixture
def cleanup(alpha, beta) -> Iterator[None]:
    """Delete the invitations and audit entries the test commits in alpha and beta."""
    schemas = [alpha.schema, beta.schema]

    def snapshot():
        before = {}
        for schema in schemas:
            with schema_context(schema):
                before[schema] = (
                    list(Invitation.objects.values_list("pk", flat=True)),
                    max(AuditEntry.objects.values_list("pk", flat=True), default=0),
                )
        return before

    def restore(before):
        for schema in schemas:
            with schema_context(schema):
                invitations, last_audit = before[schema]
                Invitation.objects.exclude(pk__in=invitations).delete()
                AuditEntry.objects.filter(pk__gt=last_audit).delete()

    before = committed(snapshot)
    yield
    committed(restore, before)


@pytest.fixture
def pooled_schema(db) -> Iterator[str]:
    """A ready schema in the pool (sign-ups may have taken the session's), committed."""

    def add() -> Tenant:
        return provisioning.pool_add()

    def remove(tenant: Tenant) -> None:
        for still_pooled in Tenant.objects.filter(pk=tenant.pk, kind=Tenant.Kind.POOLED):
            still_pooled.delete(force_drop=True)

    tenant = committed(add)
    yield tenant.schema_name
    committed(remove, tenant)


def _align_invitation_ids(*schemas: str) -> int:
    """Make the next invitation in each schema get the same primary key; return it."""
    next_ids = []
    for schema in schemas:
        with schema_context(schema), connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('accounts_invitation', 'id'))")
            next_ids.append(cursor.fetchone()[0])
    shared = max(next_ids) + 1
    for schema in schemas:
        with schema_context(schema), connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('accounts_invitation', 'id'), %s, false)",
                [shared],
            )
    return shared


INVITATION_LINK = re.compile(r"(https?://[^/\s]+)/accounts/invitations/([^/\s]+)/")


def test_each_invitation_is_sent_from_its_own_workspace(alpha, beta, cleanup, to_worker, published):
    pk = committed(_align_invitation_ids, alpha.schema, beta.schema)

    # Given one invitation in each workspace, with the same id, created the way the
    # users page does it: the service queues the e-mail when its transaction commits.
    invitee = {alpha.schema: "ann@customer-of-alpha.test", beta.schema: "bo@customer-of-beta.test"}

    def invite(workspace) -> int:
        with schema_context(workspace.schema):
            return services.invitation_create(
                actor=workspace.owner(), email=invitee[workspace.schema], role=Role.SALESPERSON
            ).pk

    assert committed(invite, alpha) == committed(invite, beta) == pk

    sent = published.of("tradepost.accounts.tasks.invitation_send")
    assert [(m["_schema_name"], m["argsrepr"]) for m in sent] == [
        (alpha.schema, f"({pk},)"),
        (beta.schema, f"({pk},)"),
    ]

    # When the worker has run both tasks
    for message in sent:
        assert to_worker.wait(AsyncResult(message["id"], app=app)) is True

    # Then each workspace's invitation was sent, and only its own.
    links = {}
    for workspace in (alpha, beta):
        with schema_context(workspace.schema):
            invitation = Invitation.objects.get(pk=pk)
        assert invitation.email == invitee[workspace.schema]
        assert invitation.sent_at is not None
        assert invitation.token_hash

        mails = [m for m in to_worker.mails() if m["To"] == invitee[workspace.schema]]
        assert len(mails) == 1, [m["To"] for m in to_worker.mails()]
        body = mails[0].get_body(preferencelist=("plain",)).get_content()
        assert workspace.tenant.name in str(mails[0]["Subject"])
        found = INVITATION_LINK.findall(body)
        assert len(found) == 1, body
        origin, token = found[0]
        assert urlsplit(origin).hostname == workspace.domain
        # The link's token opens this workspace's invitation.
        assert token_hash(token) == invitation.token_hash
        links[workspace.schema] = origin

    assert links[alpha.schema] != links[beta.schema]
    assert len(to_worker.mails()) == 2

    # and the worker's log says which workspace each line is about.
    lines = [line for line in to_worker.log().splitlines() if f"invitation {pk} e-mailed" in line]
    assert len(lines) == 2, to_worker.log()
    assert {w.slug for w in (alpha, beta) for line in lines if f"[{w.slug}]" in line} == {
        alpha.slug,
        beta.slug,
    }, lines


def test_beat_runs_per_tenant_work_in_every_active_workspace_only(
    alpha, beta, pooled_schema, cleanup, to_worker, published, tmp_path
):
    # Given an invitation past its expiry in each workspace (and the template and
    # pooled schemas beat must leave alone)
    def invitation_past_expiry(workspace) -> int:
        with schema_context(workspace.schema):
            return Invitation.objects.create(
                email=f"late@{workspace.slug}.test",
                role=Role.SALESPERSON,
                expires_at=timezone.now() - timedelta(days=1),
            ).pk

    expired = {w.schema: committed(invitation_past_expiry, w) for w in (alpha, beta)}
    kinds = dict(Tenant.objects.values_list("schema_name", "kind"))
    assert kinds[settings.TENANT_BASE_SCHEMA] == Tenant.Kind.TEMPLATE
    assert kinds[pooled_schema] == Tenant.Kind.POOLED
    active = sorted(s for s, kind in kinds.items() if kind == Tenant.Kind.ACTIVE)
    assert {alpha.schema, beta.schema} <= set(active)

    # When beat applies the hourly entry from settings.CELERY_BEAT_SCHEDULE
    scheduler = ActiveTenantScheduler(app=app, schedule_filename=str(tmp_path / "beat"))
    try:
        entry = scheduler.schedule["expire-invitations@__all_tenants_only__"]
        scheduler.apply_entry(entry)
    finally:
        scheduler.close()

    # Then it sent the task once to every active workspace and nowhere else
    sent = published.of("tradepost.accounts.tasks.expire_invitations")
    assert sorted(m["_schema_name"] for m in sent) == active
    # and the worker expired each workspace's own invitation.
    by_schema = {m["_schema_name"]: to_worker.wait(AsyncResult(m["id"], app=app)) for m in sent}
    assert by_schema[alpha.schema] == 1
    assert by_schema[beta.schema] == 1
    for workspace in (alpha, beta):
        with schema_context(workspace.schema):
            invitation = Invitation.objects.get(pk=expired[workspace.schema])
        assert invitation.revoked_at is not None, workspace.slug
