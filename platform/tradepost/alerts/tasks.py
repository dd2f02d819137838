"""Background work of the alerts engine. The dispatcher runs on the public schema; the
workspace run and the e-mail run in the workspace's schema (tasks take ids)."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tenants.utils import get_tenant_model

from tradepost.alerts import checks, selectors
from tradepost.alerts.due.services import due_workspaces_claim
from tradepost.alerts.models import Alert
from tradepost.celery import app
from tradepost.links import workspace_url
from tradepost.text import header_safe

logger = logging.getLogger(__name__)
WORKSPACE_RUN = "tradepost.alerts.tasks.workspace_run"


@app.task(name="tradepost.alerts.tasks.dispatch_due")
def dispatch_due() -> int:
    """Beat, every minute, on the public schema: queue a run for each workspace whose
    due time has passed (one indexed query), none for the others."""
    schemas = due_workspaces_claim()
    task = app.tasks[WORKSPACE_RUN]
    for schema in schemas:
        task.apply_async(headers={"_schema_name": schema})
    if schemas:
        logger.info("alerts: %d workspaces due", len(schemas))
    return len(schemas)


@app.task(name=WORKSPACE_RUN)
def workspace_run() -> dict[str, int]:
    """The due scheduled checks and escalations of this workspace (idempotent)."""
    return checks.workspace_run()


@app.task(name="tradepost.alerts.tasks.alert_mail")
def alert_mail(alert_id: int, user_id: int, reason: str) -> bool:
    """E-mail `user_id` that alert `alert_id` was raised for them or escalated to
    them, in their language, with a link to it. A person or alert gone by now sends
    nothing; a failing mail server is logged by the error's kind and not retried (the
    notification centre still has it)."""
    alert = Alert.objects.filter(pk=alert_id).first()
    person = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if alert is None or person is None:
        return False
    tenant = get_tenant_model().objects.get(schema_name=connection.schema_name)  # type: ignore[attr-defined]
    language = person.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "workspace": header_safe(tenant.name),
            "alert": alert,
            "kind": alert.get_kind_display(),
            "message": selectors.alert_message(alert),
            "escalated": reason == "escalated",
            "link": workspace_url(tenant, reverse("alerts:detail", args=[alert.pk])),
        }
        subject = header_safe(render_to_string("alerts/email/alert_subject.txt", context))
        body = render_to_string("alerts/email/alert.txt", context)
    try:
        send_mail(subject, body, None, [person.email])
    except (SMTPException, OSError, ValueError) as exc:
        logger.warning("alert %s: e-mail failed: %s", alert_id, type(exc).__name__)
        return False
    return True
