"""Background work for the activity feeds. Tasks take ids and run in the sender's schema."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection
from django.template.loader import render_to_string
from django.utils import translation
from django_tenants.utils import get_tenant_model

from tradepost.celery import app
from tradepost.links import workspace_url
from tradepost.text import header_safe
from tradepost.workspace.models import Note

logger = logging.getLogger(__name__)


@app.task(name="tradepost.workspace.tasks.note_mention_mail")
def note_mention_mail(note_id: int, user_id: int, page: str) -> bool:
    """Tell `user_id` that note `note_id` mentions them, in their language, with a
    link to the record's page (`page`, a path on the workspace's own domain). A note
    or person gone by now sends nothing; a mail server that fails is logged (by the
    error's kind only) and not retried: the mention stays on the page."""
    note = Note.objects.select_related("author").filter(pk=note_id).first()
    person = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if note is None or person is None:
        return False
    tenant = get_tenant_model().objects.get(schema_name=connection.schema_name)  # type: ignore[attr-defined]
    language = person.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "workspace": header_safe(tenant.name),
            "author": str(note.author) if note.author else note.author_label,
            "note": note,
            "link": workspace_url(tenant, page),
        }
        subject = header_safe(render_to_string("workspace/email/mention_subject.txt", context))
        body = render_to_string("workspace/email/mention.txt", context)
    try:
        send_mail(subject, body, None, [person.email])
    except (SMTPException, OSError, ValueError) as exc:
        logger.warning("note %s: mention e-mail failed: %s", note_id, type(exc).__name__)
        return False
    return True
