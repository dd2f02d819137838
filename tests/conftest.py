"""Shared fixtures: a platform with two workspaces, `alpha` and `beta`, and the
organisations, catalogues, users, keys and clients every test directory uses (built by
tests/support: `org`, `factories`, `api`).

The test database is set up once per worker: public tenant, template schema, a
small schema pool and two workspaces created through the real sign-up service, so
their rows have identical primary keys (both are clones of one template). These are
committed; each test then runs inside a transaction that is rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants import provisioning
from tenants.models import Tenant
from tenants.services import tenant_signup
from tests.support import factories
from tests.support.api import ApiClient
from tests.support.cache import clear_cache
from tests.support.factories import PASSWORD
from tests.support.org import Catalogue, Org, add_sales_setup, make_catalogue, make_org
from tradepost import links
from tradepost.accounts.models import User

__all__ = ["PASSWORD", "Workspace"]


@dataclass
class Workspace:
    """A signed-up tenant with its owner, as the tests see it."""

    tenant: Tenant
    owner_email: str

    @property
    def slug(self) -> str:
        return self.tenant.slug

    @property
    def domain(self) -> str:
        return links.workspace_domain(self.tenant.slug)

    @property
    def schema(self) -> str:
        return self.tenant.schema_name

    def owner(self) -> User:
        with schema_context(self.schema):
            return User.objects.get(email=self.owner_email)

    def client(self, user: User | None = None) -> Client:
        """A browser on this workspace's domain, signed in as `user` if given."""
        client = Client(HTTP_HOST=self.domain)
        if user is not None:
            with schema_context(self.schema):
                client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    def api(self, key: str | None = None, user: User | None = None) -> ApiClient:
        """An API client on this workspace's domain, with an API key or signed in as
        `user` (a session, as the pages' scripts call the API)."""
        client = ApiClient(self.domain, key)
        if user is not None:
            with schema_context(self.schema):
                client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client


def _signup(slug: str, name: str) -> Workspace:
    email = f"owner@{slug}.test"
    result = tenant_signup(
        company_name=name, slug=slug, owner_email=email, password=PASSWORD, full_name="Owner"
    )
    # The owner has confirmed their e-mail (tenants.verification), as in most workspaces.
    result.tenant.owner_verified_at = timezone.now()
    result.tenant.save(update_fields=["owner_verified_at"])
    return Workspace(tenant=result.tenant, owner_email=email)


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_keepdb,
    django_db_modify_db_settings,
):
    """Always create the test database, also for runs whose tests only use committed
    data (worker, browser and concurrency tests never request `db`)."""
    from django.test.utils import setup_databases, teardown_databases

    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        config = setup_databases(
            verbosity=verbosity,
            interactive=False,
            keepdb=django_db_keepdb,
            aliases={"default"},
            serialized_aliases=set(),
        )
    yield
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        teardown_databases(config, verbosity=verbosity, keepdb=django_db_keepdb)


@pytest.fixture(scope="session")
def platform_workspaces(django_db_setup, django_db_blocker) -> dict[str, Workspace]:
    from tradepost.celery import app

    # The pool refills that sign-up queues run in-process here too: nothing is left
    # in a broker, and a missing Redis cannot break the session's set-up.
    eager, app.conf.task_always_eager = app.conf.task_always_eager, True
    try:
        with django_db_blocker.unblock():
            provisioning.ensure_public_tenant()
            provisioning.ensure_template()
            provisioning.pool_refill(target=2)
            workspaces = {}
            for slug, name in (("alpha", "Alpha Trading"), ("beta", "Beta 贸易")):
                existing = Tenant.objects.filter(slug=slug).first()
                workspaces[slug] = (
                    Workspace(tenant=existing, owner_email=existing.owner_email)
                    if existing
                    else _signup(slug, name)
                )
            connection.set_schema_to_public()
    finally:
        app.conf.task_always_eager = eager
    return workspaces


@pytest.fixture(autouse=True)
def _celery_in_process(request):
    """Tasks run in-process (after commit, as without Redis) except in tests that
    start a real worker: a test must not depend on some other process's queue."""
    from tradepost.celery import app

    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _media_of_the_test(request):
    """Files a test uploads (receipts, attachments, the demo's) land in a directory of
    its own, not in the workspaces' media, whose size the billing page meters. Tests
    with a real worker keep the shared root: the worker process writes there.
    django-tenants' storage caches its root and does not forget it when MEDIA_ROOT
    changes, so the cache is dropped on the way in and out."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    from django.core.files.storage import storages

    settings = request.getfixturevalue("settings")
    storage = storages["default"]
    storage.__dict__.pop("relative_media_root", None)
    settings.MEDIA_ROOT = request.getfixturevalue("tmp_path") / "media"
    yield
    storage.__dict__.pop("relative_media_root", None)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in Chinese leaves Chinese
    active in its thread (the locale middleware activates it and nothing resets it), and
    a later test's service messages would otherwise come out in Chinese."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with this process's cache keys gone, so rate-limit counters and
    quotas of earlier tests (sequences make their ids repeat) never decide its outcome."""
    clear_cache()


@pytest.fixture(autouse=True)
def _public_schema_between_tests():
    """Test clients switch the shared connection's schema; start each test on public."""
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def alpha(platform_workspaces, db) -> Workspace:
    return platform_workspaces["alpha"]


@pytest.fixture
def beta(platform_workspaces, db) -> Workspace:
    return platform_workspaces["beta"]


@pytest.fixture
def public_client(platform_workspaces, db, settings) -> Client:
    return Client(HTTP_HOST=settings.TRADEPOST_BASE_DOMAIN)


@pytest.fixture
def make_user():
    """Create a user with a role inside a workspace (in the test's transaction)."""
    return factories.user_with_role


@pytest.fixture
def api_key():
    """Create an API key with `role` in a workspace; returns the secret."""
    return factories.api_key


@pytest.fixture
def api_client():
    """An `ApiClient` on the workspace's domain, sending `Authorization: Bearer <key>`."""

    def make(workspace: Workspace, key: str | None = None) -> ApiClient:
        return workspace.api(key)

    return make


# --- Organisations and catalogues (tests/support/org.py) ----------------------------
@pytest.fixture
def org(alpha) -> Org:
    return make_org(alpha)


@pytest.fixture
def beta_org(beta) -> Org:
    return make_org(beta, prefix="B-")


@pytest.fixture
def sales_org(alpha) -> Org:
    return add_sales_setup(make_org(alpha))


@pytest.fixture
def beta_sales_org(beta) -> Org:
    return add_sales_setup(make_org(beta, prefix="B-"))


@pytest.fixture
def catalogue(alpha) -> Catalogue:
    return make_catalogue(alpha)


@pytest.fixture
def beta_catalogue(beta) -> Catalogue:
    return make_catalogue(beta, prefix="B-")


@pytest.fixture
def committed_customer(platform_workspaces, django_db_blocker):
    """A customer committed in alpha, so other connections see it; it and every row and
    audit entry made meanwhile are removed afterwards."""
    from tradepost.audit.models import AuditEntry
    from tradepost.customers import services
    from tradepost.customers.models import Customer

    workspace = platform_workspaces["alpha"]
    with django_db_blocker.unblock():
        with schema_context(workspace.schema):
            owner = workspace.owner()
            last_audit = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
            customer = services.customer_create(actor=owner, name="Race 竞争客户", code="RACE-1")
        connection.set_schema_to_public()
        yield workspace, owner, customer
        with schema_context(workspace.schema):
            Customer.objects.filter(pk=customer.pk).delete()  # lists, contacts … cascade
            AuditEntry.objects.filter(pk__gt=last_audit or 0).delete()
        connection.set_schema_to_public()
