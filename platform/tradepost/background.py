"""The one way to start background work: after the current transaction commits,
in the schema of the tenant that asked for it.

A bare `.delay()` inside a transaction is a bug: the worker could run before the
rows it needs are committed, or run work for a change that was rolled back.
"""

from __future__ import annotations

from typing import Any

from celery import Task
from django.db import connection, transaction


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Queue `task(*args, **kwargs)` once the surrounding transaction commits.

    The schema is captured now: by commit time the connection may have moved on
    (sign-up, for one, works in the new workspace's schema and then returns to public).
    """
    schema_name = connection.schema_name
    transaction.on_commit(
        lambda: task.apply_async(args=args, kwargs=kwargs, headers={"_schema_name": schema_name})
    )
