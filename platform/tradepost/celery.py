"""The Celery app, tenant-aware.

Every task is sent with the schema it was sent from (tenant-schemas-celery puts it
in the message headers) and the worker switches to that schema before running it.
Beat entries run either once on the public schema (`tenant_schemas: ["public"]`)
or once in every active workspace (no `tenant_schemas`): see settings.CELERY_BEAT_SCHEDULE.
"""

from __future__ import annotations

import os

from celery.signals import after_setup_logger, after_setup_task_logger
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tradepost.settings")

app = CeleryApp("tradepost")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Every installed app's `tasks` module (INSTALLED_APPS, read when the worker starts), so
# a new app's tasks, and the beat entries that name them, never go unregistered; and
# the packages with tasks that are not apps (no models): imports.
app.autodiscover_tasks()
app.autodiscover_tasks(["tradepost.dataio"])

# Worker and beat log lines carry the tenant like the web's (settings.LOGGING does it
# there; Celery replaces the root logger's handlers, so it is done again here).
app.conf.worker_log_format = (
    "[%(asctime)s: %(levelname)s/%(processName)s] [%(tenant)s] %(name)s: %(message)s"
)
app.conf.worker_task_log_format = (
    "[%(asctime)s: %(levelname)s/%(processName)s] [%(tenant)s] "
    "%(task_name)s[%(task_id)s]: %(message)s"
)


@after_setup_logger.connect
@after_setup_task_logger.connect
def _tenant_on_every_log_line(logger, **kwargs) -> None:
    from celery.utils.log import get_multiprocessing_logger

    from tradepost.observability import SecretLogFilter, TenantLogFilter

    for configured in (logger, get_multiprocessing_logger()):
        for handler in getattr(configured, "handlers", []):
            if not any(isinstance(f, TenantLogFilter) for f in handler.filters):
                handler.addFilter(TenantLogFilter())
            if not any(isinstance(f, SecretLogFilter) for f in handler.filters):
                handler.addFilter(SecretLogFilter())
