"""Every entry of the beat schedule names a task the worker knows: a task module that
is not discovered would leave its beat entry sending messages nobody runs."""

from __future__ import annotations

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
