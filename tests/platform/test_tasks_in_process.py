"""Without a broker (REDIS_URL unset) queued tasks run in a background thread, in the
sender's schema, and never inside the request or service call that queued them:
a sign-up must not wait for the pool refill (a template clone) it triggers."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tradepost import background
from tradepost.celery import app

release = threading.Event()
runs: list[tuple[str, str, str]] = []


@app.task(name="tests.platform.slow_task")
def slow_task(label: str) -> None:
    assert release.wait(10), "the test never let the task finish"
    runs.append((label, threading.current_thread().name, connection.schema_name))


@pytest.fixture
def in_process(settings):
    settings.TASKS_IN_PROCESS = True
    release.clear()
    runs.clear()
    yield
    release.set()
    background.in_process_wait()


def test_a_task_queued_without_a_broker_runs_after_the_caller_returns_in_its_schema(
    in_process, alpha, django_capture_on_commit_callbacks
):
    with (
        schema_context(alpha.tenant.schema_name),
        django_capture_on_commit_callbacks(execute=True),
    ):
        background.enqueue_on_commit("tests.platform.slow_task", "first")
        background.enqueue_on_commit(slow_task, "second")

    # The commit returned although the task cannot have finished: it waits for us.
    assert runs == []
    release.set()
    assert background.in_process_wait(timeout=20)
    schema = alpha.tenant.schema_name
    assert runs == [("first", "tradepost-tasks", schema), ("second", "tradepost-tasks", schema)]


def test_nothing_runs_when_the_transaction_rolls_back(in_process, alpha):
    release.set()
    with pytest.raises(RuntimeError), schema_context(alpha.tenant.schema_name):
        from django.db import transaction

        with transaction.atomic():
            background.enqueue_on_commit(slow_task, "rolled back")
            raise RuntimeError("rollback")
    assert background.in_process_wait(timeout=20)
    assert runs == []
