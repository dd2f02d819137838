"""An invitation counts as sent only once its e-mail went out; failures are retried.

The mail backends below stand in for an SMTP server that is down or flaky (the
real task, Celery's real retry machinery and our real database run as usual).
"""

from __future__ import annotations

import re
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django_tenants.utils import schema_context

from tenants.models import Tenant
from tradepost.accounts import services
from tradepost.accounts.models import INVITATION_SEND_ATTEMPTS, Invitation
from tradepost.accounts.roles import Role

THIS_MODULE = __name__


class FlakyBackend(LocmemBackend):
    """Refuses the next `failures_left` messages, then delivers to mail.outbox.

    Each call notes what the invitation looked like when the attempt started.
    """

    failures_left = 0
    seen: list[tuple[bool, int]] = []

    def send_messages(self, messages):
        invitation = Invitation.objects.get()
        FlakyBackend.seen.append((invitation.sent_at is not None, invitation.send_failures))
        if FlakyBackend.failures_left:
            FlakyBackend.failures_left -= 1
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = f"{THIS_MODULE}.FlakyBackend"
    FlakyBackend.failures_left = 0
    FlakyBackend.seen = []
    return FlakyBackend


def _invite(workspace, capture, email="new.rep@example.com") -> Invitation:
    with schema_context(workspace.schema), capture(execute=True):
        invitation = services.invitation_create(
            actor=workspace.owner(), email=email, role=Role.SALESPERSON
        )
    with schema_context(workspace.schema):
        return Invitation.objects.get(pk=invitation.pk)


def _link_token(message) -> str:
    return re.search(r"/accounts/invitations/([^/\s]+)/", message.body).group(1)


def test_a_failed_mail_leaves_the_invitation_unsent_and_the_retry_sends_it(
    alpha, flaky_mail, django_capture_on_commit_callbacks
):
    flaky_mail.failures_left = 2

    invitation = _invite(alpha, django_capture_on_commit_callbacks)

    # Attempts 2 and 3 found the invitation not sent, with the failures so far noted.
    assert flaky_mail.seen == [(False, 0), (False, 1), (False, 2)]
    # The third attempt went out: now it is sent, and only now.
    assert invitation.sent_at is not None
    assert (invitation.send_failures, invitation.send_error) == (0, "")
    assert invitation.send_state == Invitation.SendState.SENT
    [message] = mail.outbox
    assert message.to == ["new.rep@example.com"]
    # The link that arrived is the one that works.
    with schema_context(alpha.schema):
        assert services.invitation_find_open(_link_token(message)) == invitation


def test_when_every_attempt_fails_the_invitation_waits_for_send_again(
    alpha, flaky_mail, django_capture_on_commit_callbacks
):
    flaky_mail.failures_left = INVITATION_SEND_ATTEMPTS  # the server stays down

    invitation = _invite(alpha, django_capture_on_commit_callbacks)

    assert len(flaky_mail.seen) == INVITATION_SEND_ATTEMPTS  # bounded, no endless loop
    assert invitation.sent_at is None
    assert invitation.send_failures == INVITATION_SEND_ATTEMPTS
    assert invitation.send_error == "SMTPServerDisconnected"
    assert mail.outbox == []
    client = alpha.client(alpha.owner())
    page = client.get("/accounts/users/").content.decode()
    assert "Could not be sent" in page

    # The server is back: "Send again" sends it.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/accounts/invitations/{invitation.pk}/resend/")
    assert response.status_code == 302
    with schema_context(alpha.schema):
        invitation.refresh_from_db()
    assert invitation.sent_at is not None
    assert invitation.send_state == Invitation.SendState.SENT
    assert len(mail.outbox) == 1


def test_the_users_page_says_an_invitation_is_not_sent_yet_and_retrying(alpha):
    # Created without its mail having run (no commit in this test): then one failure.
    with schema_context(alpha.schema):
        invitation = services.invitation_create(
            actor=alpha.owner(), email="later@example.com", role=Role.SALESPERSON
        )
    client = alpha.client(alpha.owner())
    assert "Being sent" in client.get("/accounts/users/").content.decode()

    with schema_context(alpha.schema):
        services.invitation_send_failed(
            invitation=invitation, attempt=1, error="SMTPServerDisconnected"
        )

    page = client.get("/accounts/users/").content.decode()
    assert "Not sent yet, retrying" in page
    assert "SMTPServerDisconnected" not in page


def test_a_stored_company_name_with_a_line_break_does_not_break_the_invitation(
    alpha, flaky_mail, django_capture_on_commit_callbacks
):
    # A name stored before names refused line breaks (the sign-up refuses them now).
    Tenant.objects.filter(schema_name=alpha.schema).update(
        name="Alpha Trading\r\nBcc: victim@example.com"
    )

    invitation = _invite(alpha, django_capture_on_commit_callbacks)

    assert invitation.sent_at is not None
    [message] = mail.outbox
    assert "\n" not in message.subject and "\r" not in message.subject
    assert "Alpha Trading Bcc: victim@example.com" in message.subject
    assert message.bcc == [] and message.recipients() == ["new.rep@example.com"]
    assert "Bcc" not in message.message()
