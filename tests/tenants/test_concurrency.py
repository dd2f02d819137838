"""Concurrent sign-ups, in real concurrent transactions on PostgreSQL.

These rows must be committed for the other connection to see them, so the tests
work outside the per-test transaction and clean up after themselves.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection
from django_tenants.utils import schema_exists

from tenants import provisioning
from tenants.models import Domain, Tenant
from tenants.services import SignupError, tenant_signup
from tests.conftest import PASSWORD


def _run_together(*calls):
    """Start every call at the same moment, each on its own connection."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            outcomes[index] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert on
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _signup(slug: str, email: str):
    return lambda: tenant_signup(
        company_name=f"Company {slug}", slug=slug, owner_email=email, password=PASSWORD
    )


@pytest.fixture
def committed(platform_workspaces, django_db_blocker):
    created: list[str] = []
    with django_db_blocker.unblock():
        yield created
        connection.set_schema_to_public()
        for tenant in Tenant.objects.filter(slug__in=created):
            Domain.objects.filter(tenant=tenant).delete()
            tenant.delete(force_drop=True)


def test_two_sign_ups_at_once_each_get_their_own_pooled_schema(committed):
    tag = uuid.uuid4().hex[:6]
    slugs = [f"c1-{tag}", f"c2-{tag}"]
    committed.extend(slugs)
    provisioning.pool_refill(target=2)
    pooled = set(Tenant.objects.filter(kind=Tenant.Kind.POOLED).values_list("pk", flat=True))

    outcomes = _run_together(*(_signup(slug, f"{slug}@example.com") for slug in slugs))

    assert all(not isinstance(outcome, Exception) for outcome in outcomes), outcomes
    tenants = [outcome.tenant for outcome in outcomes]
    assert tenants[0].pk != tenants[1].pk
    assert {tenant.pk for tenant in tenants} <= pooled
    for slug in slugs:
        assert schema_exists(provisioning.workspace_schema_name(slug))


def test_two_sign_ups_for_one_slug_at_once_create_exactly_one_workspace(committed):
    slug = f"race-{uuid.uuid4().hex[:6]}"
    committed.append(slug)
    provisioning.pool_refill(target=2)
    pooled_before = Tenant.objects.filter(kind=Tenant.Kind.POOLED).count()

    outcomes = _run_together(
        _signup(slug, f"first-{slug}@example.com"), _signup(slug, f"second-{slug}@example.com")
    )

    failures = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(failures) == 1, outcomes
    assert isinstance(failures[0], SignupError)
    assert "taken" in " ".join(failures[0].message_dict["slug"])
    assert Tenant.objects.filter(slug=slug).count() == 1
    assert Domain.objects.filter(domain__startswith=f"{slug}.").count() == 1
    # the loser's pooled schema went back to the pool (refill may have added more)
    assert Tenant.objects.filter(kind=Tenant.Kind.POOLED).count() >= pooled_before - 1
