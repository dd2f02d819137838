"""Every task the platform sends by name — from a beat entry or `enqueue_on_commit` —
is one the worker knows: a task module that is not discovered would leave messages that
nobody runs (or, in the process that sends them, a NotRegistered error)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from tradepost.celery import app


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    registered = set(app.tasks)

    missing = {
        name: entry["task"]
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"] not in registered
    }

    assert missing == {}
    assert "tradepost.reports.tasks.stock_monthly_close" in registered


def test_every_task_sent_by_name_is_registered():
    app.loader.import_default_modules()
    root = Path(settings.BASE_DIR)
    sent = {
        name
        for folder in ("platform/tradepost", "tenants", "billing", "api")
        for path in (root / folder).rglob("*.py")
        for name in re.findall(r'enqueue_on_commit\(\s*"([\w.]+)"', path.read_text())
    }

    assert "tradepost.dataio.tasks.import_file" in sent
    assert sent - set(app.tasks) == set()
