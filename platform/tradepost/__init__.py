"""Tradepost: the Django project. `celery_app` is imported here so that
`@app.task` modules register with the same app in every process."""

from tradepost.celery import app as celery_app

__all__ = ["celery_app"]
