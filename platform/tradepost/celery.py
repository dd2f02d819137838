"""The Celery app, tenant-aware.

Every task is sent with the schema it was sent from (tenant-schemas-celery puts it
in the message headers) and the worker switches to that schema before running it.
Beat entries run either once on the public schema (`tenant_schemas: ["public"]`)
or once in every active workspace (no `tenant_schemas`): see settings.CELERY_BEAT_SCHEDULE.
"""

from __future__ import annotations

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tradepost.settings")

app = CeleryApp("tradepost")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(lambda: ["tradepost.accounts", "tenants"])
