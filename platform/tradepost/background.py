"""The one way to start background work: after the current transaction commits,
in the schema of the tenant that asked for it.

A bare `.delay()` inside a transaction is a bug: the worker could run before the
rows it needs are committed, or run work for a change that was rolled back.
"""

from __future__ import annotations

from typing import Any

from celery import Task
from django.db import connection, transaction


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
    transaction.on_commit(
        lambda: task.apply_async(args=args, kwargs=kwargs, headers={"_schema_name": schema_name})
    )


def task_named(name: str) -> Task:
    """The task registered under `name` (its `@app.task(name=...)`), importing the
    apps' task modules first if this process has not yet (Celery's autodiscovery)."""
    from tradepost.celery import app

    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]
