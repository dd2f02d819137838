"""End to end: a change in a workspace reaches a local HTTP receiver through a real
Celery worker on real Redis, signed, retried after a failure, and sent again on a
manual redelivery.

The worker is a subprocess on the test database (the harness of
tests/platform/test_celery_worker.py), so everything it must see is committed here
through the API, outside the test's transaction, and removed afterwards. It listens
on a queue of its own and retries after about a second (WEBHOOK_RETRY_BASE_SECONDS
in its environment, read by api.webhooks.conf).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from api.models import ApiKey
from api.webhooks.models import WebhookEndpoint, WebhookEvent
from api.webhooks.signing import verify_signature
from tradepost.accounts.models import Invitation
from tradepost.audit.models import AuditEntry
from tradepost.celery import app

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="a real worker needs Redis (REDIS_URL)"),
]

REPO = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
WAIT_SECONDS = 30.0


@dataclass
class Worker:
    queue: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"the worker exited ({self.process.returncode}):\n{self.log()}")


def _database_url() -> str:
    """The test database (already created by pytest-django) as a URL for the worker."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgresql://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture(scope="module")
def worker(platform_workspaces, tmp_path_factory) -> Iterator[Worker]:
    queue = f"tradepost-test-{uuid.uuid4().hex[:12]}"
    workdir = tmp_path_factory.mktemp("webhook-worker")
    log_path = workdir / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tradepost.settings_test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(workdir / "mail"),
        "WEBHOOK_RETRY_BASE_SECONDS": "1",
        "WEBHOOK_MAX_ATTEMPTS": "4",
        "PYTHONPATH": os.pathsep.join(
            [str(REPO / "platform"), str(REPO), os.environ.get("PYTHONPATH", "")]
        ),
    }
    command = [
        str(CELERY),
        "-A",
        "tradepost",
        "worker",
        "--pool=solo",
        "-Q",
        queue,
        "--hostname",
        f"{queue}@%h",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "-l",
        "info",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield Worker(queue=queue, process=process, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def to_worker(worker) -> Iterator[Worker]:
    """Route this process's sends to the worker's own queue."""
    assert not app.conf.task_always_eager, "with REDIS_URL set, tasks must go to the broker"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = worker.queue
    try:
        yield worker
    finally:
        app.conf.task_default_queue = previous


def committed(work: Callable, *args, **kwargs):
    """Run `work` on a connection of its own, outside the test's transaction, so what
    it writes is committed (and its on-commit work queued) for the worker to see."""

    def run():
        try:
            return work(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@pytest.fixture
def cleanup(alpha) -> Iterator[None]:
    """Delete what the test commits in alpha: keys, endpoints (and their deliveries),
    events, invitations and audit entries."""
    models = [ApiKey, WebhookEndpoint, WebhookEvent, Invitation, AuditEntry]

    def last_ids() -> dict:
        with schema_context(alpha.schema):
            return {m: max(m.objects.values_list("pk", flat=True), default=0) for m in models}

    def restore(before: dict) -> None:
        with schema_context(alpha.schema):
            for model in models:
                model.objects.filter(pk__gt=before[model]).delete()

    before = committed(last_ids)
    yield
    committed(restore, before)


def _api(workspace, key: str) -> Client:
    return Client(HTTP_HOST=workspace.domain, HTTP_AUTHORIZATION=f"Bearer {key}")


def _call(client: Client, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    def request():
        if method == "get":
            response = client.get(path)
        else:
            response = getattr(client, method)(
                path, json.dumps(body or {}), content_type="application/json"
            )
        return response.status_code, response.json() if response.content else {}

    return committed(request)


def _delivery(client: Client, delivery_id: int) -> dict:
    return _call(client, "get", f"/api/v1/webhook-deliveries/{delivery_id}/")[1]


def _wait_until(check: Callable[[], bool], worker: Worker, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        worker.alive()
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} did not happen in {WAIT_SECONDS} s; worker log:\n{worker.log()}")


def test_an_invitation_is_delivered_signed_after_a_retry_and_again_on_redelivery(
    alpha, receiver, cleanup, to_worker
):
    # Given an administrator's API key and an endpoint subscribed to invitations,
    # registered through the API, on a receiver that fails the first request
    def make_key() -> str:
        from api.keys import api_key_create

        with schema_context(alpha.schema):
            return api_key_create(actor=None, name="e2e", role="system_administrator").secret

    client = _api(alpha, committed(make_key))
    status, endpoint = _call(
        client,
        "post",
        "/api/v1/webhook-endpoints/",
        {"url": receiver.url, "event_types": ["user.invited"]},
    )
    assert status == 201, endpoint
    secret = endpoint["secret"]
    receiver.script = [500]

    # When an administrator invites someone in alpha
    status, invitation = _call(
        client, "post", "/api/v1/invitations/", {"email": "ann@customer.test", "role": "dealer"}
    )
    assert status == 201, invitation

    # Then the worker delivers the event: the first attempt gets a 500, the retry a 200
    _wait_until(lambda: len(receiver.received) >= 2, to_worker, "two requests")
    first, second = receiver.received[:2]
    assert [first.answered, second.answered] == [500, 200]
    for request in (first, second):
        assert verify_signature(secret, request.headers["Tradepost-Signature"], request.body)
        assert request.headers["Tradepost-Event"] == "user.invited"
        assert request.headers["Content-Type"] == "application/json"
    event = second.json()
    assert event["type"] == "user.invited"
    assert event["workspace"] == "alpha"
    assert event["data"] == {
        "invitation_id": invitation["id"],
        "email": "ann@customer.test",
        "role": "dealer",
    }
    assert first.body == second.body
    delivery_id = int(second.headers["Tradepost-Delivery"])

    # and the delivery ends succeeded after two attempts, sent successfully once.
    _wait_until(
        lambda: _delivery(client, delivery_id)["status"] == "succeeded",
        to_worker,
        "the delivery succeeding",
    )
    delivery = _delivery(client, delivery_id)
    assert (delivery["attempts"], delivery["response_status"]) == (2, 200)
    assert delivery["event"]["id"] == event["id"]
    time.sleep(2.5)  # longer than any retry the worker could still have planned
    assert len(receiver.received) == 2

    # When an administrator redelivers it through the API
    status, redelivered = _call(
        client, "post", f"/api/v1/webhook-deliveries/{delivery_id}/redeliver/"
    )
    assert status == 200, redelivered
    assert redelivered["status"] == "pending"

    # Then the same event is sent once more, freshly signed, and succeeds at once.
    _wait_until(lambda: len(receiver.received) >= 3, to_worker, "the redelivery")
    third = receiver.received[2]
    assert third.answered == 200
    assert third.json() == event
    assert verify_signature(secret, third.headers["Tradepost-Signature"], third.body)
    _wait_until(
        lambda: _delivery(client, delivery_id)["status"] == "succeeded",
        to_worker,
        "the redelivery succeeding",
    )
    assert _delivery(client, delivery_id)["attempts"] == 1
    # The worker's log names the delivery and its workspace, never the secret.
    log = to_worker.log()
    assert f"webhook delivery {delivery_id}" in log
    assert "[alpha]" in log
    assert secret not in log
