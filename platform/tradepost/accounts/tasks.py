"""Background work for accounts. Tasks take ids and run in the sender's schema."""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from tenants.models import Tenant
from tenants.provisioning import workspace_url
from tradepost.accounts import services
from tradepost.accounts.models import Invitation
from tradepost.celery import app

logger = logging.getLogger(__name__)


@app.task(name="tradepost.accounts.tasks.invitation_send")
def invitation_send(invitation_id: int, *, resend: bool = False) -> bool:
    """E-mail the invitation link. Skips invitations already sent unless `resend`."""
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None or (invitation.sent_at and not resend):
        return False
    token = services.invitation_issue_token(invitation=invitation)
    if token is None:
        return False
    tenant = Tenant.objects.get(schema_name=connection.schema_name)
    link = workspace_url(tenant, reverse("accounts:invitation_accept", args=[token]))
    inviter = invitation.invited_by
    language = (inviter.language if inviter else "") or "en"
    with translation.override(language):
        context = {
            "workspace": tenant.name,
            "link": link,
            "inviter": inviter,
            "invitation": invitation,
        }
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])
    logger.info("invitation %s e-mailed", invitation.pk)
    return True


@app.task(name="tradepost.accounts.tasks.expire_invitations")
def expire_invitations() -> int:
    return services.invitations_expire()
