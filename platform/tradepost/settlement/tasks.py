"""Background work for settlement. Periodic tasks run once in every active workspace
(settings.CELERY_BEAT_SCHEDULE), in its schema."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django_tenants.utils import get_tenant_model

from tradepost.celery import app
from tradepost.settlement import collections


@app.task(name="tradepost.settlement.tasks.payment_reminders")
def payment_reminders() -> int:
    """E-mail today's payment reminders of this workspace (`settlement.collections`)."""
    tenant = get_tenant_model().objects.get(schema_name=connection.schema_name)  # type: ignore[attr-defined]  # django-tenants
    return collections.reminders_run(workspace=tenant.name, language=settings.LANGUAGE_CODE)
