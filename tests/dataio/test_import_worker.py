"""A big import through a real Celery worker: the upload stored under the tenant's
media folder, the task run in the workspace's schema by another process, the job's
state polled from the cache, the stored file removed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from tests.dataio.files import csv_file
from tests.support.celery_worker import (
    Worker,
    committed,
    requires_worker,
    routed_to,
    start_worker,
    wait_until,
)
from tradepost.accounts.models import User
from tradepost.audit.models import AuditEntry
from tradepost.dataio import jobs
from tradepost.dataio.spec import get
from tradepost.masterdata.models import Product

pytestmark = requires_worker

ROWS = [[f"WK-{n:03d}", f"Worker product {n}"] for n in range(40)]


@pytest.fixture(scope="module")
def worker(platform_workspaces, tmp_path_factory) -> Iterator[Worker]:
    with start_worker(tmp_path_factory.mktemp("dataio-worker")) as running:
        yield running


def _start(schema: str, email: str) -> dict:
    with schema_context(schema):
        owner = User.objects.get(email=email)
        upload = csv_file(ROWS, headers=["sku", "name"])
        return jobs.job_start(get("products"), upload, actor=owner, name=upload.name)


def _job(schema: str, job_id: str, email: str) -> dict | None:
    with schema_context(schema):
        return jobs.job_get(job_id, actor=User.objects.get(email=email))


def _finished_job(worker: Worker, workspace, job_id: str) -> dict:
    """The job once the worker has finished it (done or failed), as its owner sees it."""

    def finished() -> bool:
        state = committed(_job, workspace.schema, job_id, workspace.owner_email)
        return state is not None and state["state"] in jobs.FINISHED

    wait_until(finished, worker, f"import job {job_id} finishing")
    return committed(_job, workspace.schema, job_id, workspace.owner_email)


def _count(schema: str) -> int:
    with schema_context(schema):
        return Product.objects.filter(sku__startswith="WK-").count()


def _last_audit(schema: str) -> int:
    with schema_context(schema):
        return max(AuditEntry.objects.values_list("pk", flat=True), default=0)


def _cleanup(schema: str, last_audit: int) -> None:
    with schema_context(schema):
        Product.objects.filter(sku__startswith="WK-").delete()
        AuditEntry.objects.filter(pk__gt=last_audit).delete()


def test_a_worker_runs_the_import_in_the_workspace_schema(alpha, worker):
    last_audit = committed(_last_audit, alpha.schema)
    try:
        with routed_to(worker):
            job = committed(_start, alpha.schema, alpha.owner_email)
        stored = Path(settings.MEDIA_ROOT) / alpha.schema / job["path"]
        done = _finished_job(worker, alpha, job["id"])
        assert done["state"] == "done", (done, worker.log())
        assert done["report"]["created"] == 40 and done["report"]["applied"]
        assert committed(_count, alpha.schema) == 40
        assert not stored.exists()
        # the worker's log line carries the tenant
        assert f"[{alpha.slug}] tradepost.dataio.jobs: import job {job['id']} done" in worker.log()
    finally:
        committed(_cleanup, alpha.schema, last_audit)


def test_a_background_import_past_its_soft_time_limit_is_stopped_and_writes_nothing(
    alpha, tmp_path_factory, monkeypatch
):
    """Celery enforces time limits in a pool child (not in the solo pool): a worker
    with a one-second soft limit stops an import that needs longer, the job says so in
    words, nothing is written and the stored upload is removed."""
    from tradepost.dataio.tasks import import_file

    # The limits travel with the message (set by the sender from the task's options)
    # and the worker reads its own settings for the message text: both get 1 second.
    monkeypatch.setattr(import_file, "soft_time_limit", 1)
    monkeypatch.setattr(import_file, "time_limit", 30)
    monkeypatch.setattr(import_file, "_exec_options", None)  # Celery caches the options
    rows = [[f"SLOW-{n:05d}", f"Slow product {n}"] for n in range(20_000)]

    def start(schema: str, email: str) -> dict:
        with schema_context(schema):
            owner = User.objects.get(email=email)
            upload = csv_file(rows, headers=["sku", "name"])
            return jobs.job_start(get("products"), upload, actor=owner, name=upload.name)

    def slow_count(schema: str) -> int:
        with schema_context(schema):
            return Product.objects.filter(sku__startswith="SLOW-").count()

    def cleanup(schema: str, last_audit: int) -> None:
        with schema_context(schema):
            Product.objects.filter(sku__startswith="SLOW-").delete()
            AuditEntry.objects.filter(pk__gt=last_audit).delete()

    last_audit = committed(_last_audit, alpha.schema)
    with start_worker(
        tmp_path_factory.mktemp("dataio-slow-worker"),
        pool="prefork",
        DATAIO_TASK_SOFT_TIME_LIMIT="1",
        DATAIO_TASK_TIME_LIMIT="30",
    ) as slow_worker:
        with routed_to(slow_worker):
            job = committed(start, alpha.schema, alpha.owner_email)
        stored = Path(settings.MEDIA_ROOT) / alpha.schema / job["path"]
        try:
            done = _finished_job(slow_worker, alpha, job["id"])
            assert done["state"] == "failed", (done, slow_worker.log())
            assert "took longer than 1 second and was stopped" in done["errors"][0]
            assert committed(slow_count, alpha.schema) == 0
            assert not stored.exists()
            assert "stopped at its time limit" in slow_worker.log()
        finally:  # committed rows must not outlive a failed run
            committed(cleanup, alpha.schema, last_audit)
