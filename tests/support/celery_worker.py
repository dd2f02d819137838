"""A real Celery worker for tests, on the test database and a private Redis queue.

Most tests run tasks in-process (tests/conftest.py makes Celery eager). The tests
marked `worker` instead start `celery worker` as a subprocess, so what they check
is what production does: a message through Redis, a fresh process that loads the
settings, picks the tenant schema from the message and writes with its own
database connection. That brings four rules, which this module takes care of:

- Same test database. The worker gets `DATABASE_URL` pointing at the database
  pytest-django created, not at the development one (`database_url`).
- Committed rows. The worker cannot see the test's open transaction, so what it
  must read is written on a separate, auto-committing connection (`committed`),
  and each test removes it again itself.
- A private queue per run. Parallel runs (xdist workers, other checkouts) share one
  Redis; each worker listens on a queue named for it alone and this process sends
  its tasks there (`routed_to`), so no run takes another run's tasks.
- A clean stop. The worker is terminated (killed if it hangs) when its fixture
  ends, and a worker that dies early fails the test with its log (`Worker.alive`).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
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
from celery.exceptions import TimeoutError as CeleryTimeout
from celery.result import AsyncResult
from django.conf import settings
from django.db import connection

from tradepost.celery import app

REPO = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
RESULT_TIMEOUT = 20.0
WAIT_SECONDS = 30.0

# `pytestmark` for a module of worker tests: they carry the `worker` marker (which
# also keeps tests/conftest.py from making Celery eager) and skip without Redis.
requires_worker = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="a real worker needs Redis (REDIS_URL)"),
]


@dataclass
class Worker:
    """A running worker subprocess: its private queue, its log and its mail folder."""

    queue: str
    process: subprocess.Popen
    log_path: Path
    mail_dir: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> None:
        """Fail the test, with the worker's log, if the worker has exited: waiting
        for it any longer could only end in a timeout that hides the reason."""
        if self.process.poll() is not None:
            pytest.fail(f"the worker exited ({self.process.returncode}):\n{self.log()}")

    def wait(self, result: AsyncResult, timeout: float = RESULT_TIMEOUT):
        """The task's return value; fails with the worker's log if it died or stalled."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.alive()
            with contextlib.suppress(CeleryTimeout):
                return result.get(timeout=0.5, propagate=True)
        pytest.fail(f"task {result.id} got no result in {timeout} s; worker log:\n{self.log()}")

    def mails(self) -> list[email.message.EmailMessage]:
        """Messages the worker's file-based e-mail backend wrote."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.log")):
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    messages.append(
                        email.message_from_bytes(chunk.lstrip(), policy=email.policy.default)
                    )
        return messages


def database_url() -> str:
    """The test database (already created by pytest-django) as a URL for the worker,
    which reads its database from `DATABASE_URL` like any deployment does."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgresql://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


@contextlib.contextmanager
def start_worker(workdir: Path, *, pool: str = "solo", **extra_env: str) -> Iterator[Worker]:
    """Run a worker in `workdir` (its log and mail folder) until the block ends.

    It uses the test settings on the test database and the session's Redis, writes
    e-mail to files instead of sending it, and takes `extra_env` on top (settings a
    suite needs in the worker, such as shorter retry delays). It consumes only a
    queue of its own, runs one task at a time (`--pool=solo`; `pool="prefork"` gives
    one child process, which time limits need) and skips the cluster chatter it does
    not need. On the way out it is terminated, and killed if it does
    not stop within ten seconds, so no worker outlives its tests.

    Start it from a fixture that depends on `platform_workspaces`, so the test
    database and its workspaces exist before the worker connects.
    """
    queue = f"tradepost-test-{uuid.uuid4().hex[:12]}"
    mail_dir = workdir / "mail"
    mail_dir.mkdir()
    log_path = workdir / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tradepost.settings_test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "PYTHONPATH": os.pathsep.join(
            [str(REPO / "platform"), str(REPO), os.environ.get("PYTHONPATH", "")]
        ),
        **extra_env,
    }
    command = [
        str(CELERY),
        "-A",
        "tradepost",
        "worker",
        f"--pool={pool}",
        *(["--concurrency=1"] if pool == "prefork" else []),
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
        yield Worker(queue=queue, process=process, log_path=log_path, mail_dir=mail_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def routed_to(worker: Worker) -> Iterator[Worker]:
    """Send this process's tasks (services, beat) to the broker, on the worker's own
    queue, until the block ends; then restore how tasks were sent before."""
    previous = app.conf.task_always_eager, app.conf.task_default_queue
    app.conf.task_always_eager = False
    app.conf.task_default_queue = worker.queue
    try:
        yield worker
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous


def committed(work: Callable, *args, **kwargs):
    """Run `work` on a connection of its own, outside the test's transaction.

    What it writes is committed (and its on-commit work, such as queued tasks,
    runs), so the worker can see it: Django gives each thread its own connection,
    in autocommit mode. The connection is closed afterwards, so none is left open
    on the test database when it is dropped.
    """

    def run():
        try:
            return work(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def wait_until(
    check: Callable[[], bool], worker: Worker, what: str, timeout: float = WAIT_SECONDS
) -> None:
    """Poll `check` until it holds: the worker does its part in its own time.

    Fails early, with the worker's log, if the worker has died, and after `timeout`
    seconds otherwise, naming `what` did not happen.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        worker.alive()
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} did not happen in {timeout} s; worker log:\n{worker.log()}")
