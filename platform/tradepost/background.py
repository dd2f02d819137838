"""The one way to start background work: after the current transaction commits,
in the schema of the tenant that asked for it.

A bare `.delay()` inside a transaction is a bug: the worker could run before the
rows it needs are committed, or run work for a change that was rolled back.

Without a broker (`settings.TASKS_IN_PROCESS`: REDIS_URL unset, a last resort) there
is no worker. Tasks then run one after another in a daemon thread of the process that
queued them, never inside the request that queued them: a sign-up must not wait for
the pool refill it triggers (a template clone), nor an invitation for its SMTP server.
What is still queued when the process stops is lost (the pool refill catches up on
the next sign-up; e-mails can be sent again from the pages that sent them).
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

from celery import Task
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django_tenants.utils import schema_context

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task | str, *args: Any, **kwargs: Any) -> None:
    """Queue `task(*args, **kwargs)` once the surrounding transaction commits.

    `task` is the task or its registered name. A service queues the tasks of its own
    app by name: the task module imports the service to do the work, so the service
    importing the task module back would make a cycle (DESIGN.md, "Layers"). The name
    is resolved now, so a wrong one fails inside the caller's transaction.

    The schema is captured now: by commit time the connection may have moved on
    (sign-up, for one, works in the new workspace's schema and then returns to public).
    """
    if isinstance(task, str):
        task = task_named(task)
    schema_name = connection.schema_name  # type: ignore[attr-defined]  # django-tenants' connection
    if settings.TASKS_IN_PROCESS:
        transaction.on_commit(lambda: _in_process.put((task, args, kwargs, schema_name)))
        _in_process_start()
        return
    transaction.on_commit(
        lambda: task.apply_async(args=args, kwargs=kwargs, headers={"_schema_name": schema_name})
    )


_in_process: queue.SimpleQueue = queue.SimpleQueue()
_in_process_thread: threading.Thread | None = None
_in_process_lock = threading.Lock()


def _in_process_start() -> None:
    global _in_process_thread
    with _in_process_lock:
        if _in_process_thread is None or not _in_process_thread.is_alive():
            _in_process_thread = threading.Thread(
                target=_in_process_run, name="tradepost-tasks", daemon=True
            )
            _in_process_thread.start()


def _in_process_run() -> None:
    """The background thread: each queued task, in its sender's schema, on this
    thread's own database connection."""
    while True:
        task, args, kwargs, schema_name = _in_process.get()
        close_old_connections()
        try:
            with schema_context(schema_name):
                task.apply(args=args, kwargs=kwargs)
        except Exception:
            logger.exception("in-process task %s failed", task.name)
        finally:
            close_old_connections()


def in_process_wait(timeout: float = 30.0) -> bool:
    """Block until the in-process queue is empty and its current task done (tests,
    and commands that should not exit with work still queued). True when idle."""
    done = threading.Event()
    _in_process.put((_Marker(done), (), {}, "public"))
    _in_process_start()
    return done.wait(timeout)


class _Marker:
    """A queue entry that only signals that everything before it has run."""

    name = "in-process-marker"

    def __init__(self, event: threading.Event):
        self.event = event

    def apply(self, args=(), kwargs=None):
        self.event.set()


def announce_in_process() -> None:
    """Say loudly, once per process start, that tasks have no worker."""
    if settings.TASKS_IN_PROCESS:
        logger.warning(
            "REDIS_URL is unset: NO CELERY WORKER. Background tasks run in a thread of "
            "this process (lost when it stops) and periodic tasks do not run at all. "
            "Set REDIS_URL for a real worker and beat (`tradepost demo` starts them)."
        )


def task_named(name: str) -> Task:
    """The task registered under `name` (its `@app.task(name=...)`), importing the
    apps' task modules first if this process has not yet (Celery's autodiscovery)."""
    from tradepost.celery import app

    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]
