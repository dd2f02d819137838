"""Background work for accounts. Tasks take ids and run in the sender's schema."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from django.core.mail import send_mail
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tenants.utils import get_tenant_model

from tradepost.accounts import services
from tradepost.accounts.models import INVITATION_SEND_ATTEMPTS, Invitation
from tradepost.celery import app
from tradepost.links import workspace_url
from tradepost.text import header_safe

logger = logging.getLogger(__name__)

# Pause before the next attempt after the first failure; it doubles each time
# (1, 2, 4, 8, 16 minutes for the six attempts).
INVITATION_RETRY_DELAY_SECONDS = 60


@app.task(
    bind=True,
    name="tradepost.accounts.tasks.invitation_send",
    max_retries=INVITATION_SEND_ATTEMPTS - 1,
)
def invitation_send(self, invitation_id: int, *, resend: bool = False) -> bool:
    """E-mail the invitation link. Skips invitations already sent unless `resend`.

    The invitation is marked sent only after the mail server took the message. A
    failure (server down, refused, a header that cannot be built) is recorded on the
    invitation — the users page says "not sent yet, retrying" — and the task tries
    again later, up to INVITATION_SEND_ATTEMPTS times; then it is left for "Send again".
    Every attempt issues a fresh link token, so only the link that arrived works.
    """
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None or (invitation.sent_at and not resend):
        return False
    token = services.invitation_issue_token(invitation=invitation)
    if token is None:
        return False
    tenant = get_tenant_model().objects.get(schema_name=connection.schema_name)  # type: ignore[attr-defined]
    link = workspace_url(tenant, reverse("accounts:invitation_accept", args=[token]))
    inviter = invitation.invited_by
    language = (inviter.language if inviter else "") or "en"
    with translation.override(language):
        context = {
            # Names stored before text fields refused line breaks must not break a header.
            "workspace": header_safe(tenant.name),
            "link": link,
            "inviter": inviter,
            "invitation": invitation,
        }
        subject = header_safe(render_to_string("accounts/email/invitation_subject.txt", context))
        body = render_to_string("accounts/email/invitation.txt", context)
    try:
        send_mail(subject, body, None, [invitation.email])
    except (SMTPException, OSError, ValueError) as exc:
        # ValueError: BadHeaderError and friends. Nothing about the address or the
        # server's reply goes into the record or the log line.
        attempt = self.request.retries + 1
        services.invitation_send_failed(
            invitation=invitation, attempt=attempt, error=type(exc).__name__
        )
        logger.warning(
            "invitation %s: e-mail failed (attempt %s of %s): %s",
            invitation.pk,
            attempt,
            INVITATION_SEND_ATTEMPTS,
            type(exc).__name__,
        )
        if attempt >= INVITATION_SEND_ATTEMPTS:
            return False
        # On a worker this raises and Celery queues the next attempt. Run in-process
        # (no broker), the Retry is returned instead: Celery then runs the next attempt
        # at once rather than failing the request that queued the mail.
        return self.retry(
            exc=exc,
            countdown=INVITATION_RETRY_DELAY_SECONDS * 2 ** (attempt - 1),
            throw=not self.request.is_eager,
        )
    services.invitation_mark_sent(invitation=invitation)
    logger.info("invitation %s e-mailed", invitation.pk)
    return True


@app.task(name="tradepost.accounts.tasks.expire_invitations")
def expire_invitations() -> int:
    return services.invitations_expire()
