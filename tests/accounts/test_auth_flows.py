"""Sign-in, throttling, invitations, password change and reset on a workspace domain."""

from __future__ import annotations

import re

from django.core import mail
from django_tenants.utils import schema_context

from tests.conftest import PASSWORD
from tradepost.accounts import services
from tradepost.accounts.models import Invitation, User
from tradepost.accounts.tasks import invitation_send


def _invite(workspace, email="joiner@example.com", role="sales_manager") -> str:
    """Create and 'send' an invitation; returns the accept path from the e-mail."""
    with schema_context(workspace.schema):
        invitation = services.invitation_create(actor=workspace.owner(), email=email, role=role)
        invitation_send(invitation.pk)
    return re.search(r"https?://[^/]+(/accounts/invitations/\S+/)", mail.outbox[-1].body)[1]


def test_sign_in_and_out(alpha):
    client = alpha.client()

    response = client.post(
        "/accounts/login/", {"username": "OWNER@alpha.test", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200

    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_repeated_failed_sign_ins_are_locked_out_even_with_the_right_password(alpha, settings):
    client = alpha.client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": alpha.owner_email, "password": "wrong-guess"})

    response = client.post(
        "/accounts/login/", {"username": alpha.owner_email, "password": PASSWORD}
    )

    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert client.get("/").status_code == 302  # still not signed in


def test_lockout_in_one_workspace_does_not_lock_the_same_address_elsewhere(alpha, beta, settings):
    with schema_context(beta.schema):
        User.objects.create_user(email=alpha.owner_email, password=PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        alpha.client().post("/accounts/login/", {"username": alpha.owner_email, "password": "x"})

    response = beta.client().post(
        "/accounts/login/", {"username": alpha.owner_email, "password": PASSWORD}
    )

    assert response.status_code == 302


def test_an_invitation_link_creates_the_account_with_its_role(alpha):
    path = _invite(alpha)
    client = alpha.client()

    form = client.get(path)
    assert form.status_code == 200
    assert "Sales manager" in form.content.decode()
    response = client.post(path, {"full_name": "Jo Iner", "password": PASSWORD})

    assert response.status_code == 302
    assert client.get("/").status_code == 200  # signed in
    with schema_context(alpha.schema):
        user = User.objects.get(email="joiner@example.com")
        assert user.roles == ["sales_manager"]
        assert Invitation.objects.get().accepted_at is not None
    assert client.__class__(HTTP_HOST=alpha.domain).get(path).status_code == 400  # used up


def test_a_weak_password_on_acceptance_is_refused_and_nothing_is_created(alpha):
    path = _invite(alpha)

    response = alpha.client().post(path, {"full_name": "Jo", "password": "123"})

    assert response.status_code == 400
    assert "too short" in response.content.decode()
    with schema_context(alpha.schema):
        assert not User.objects.filter(email="joiner@example.com").exists()


def test_an_invitation_link_does_not_work_on_another_workspace(alpha, beta):
    path = _invite(alpha)

    assert beta.client().get(path).status_code == 400


def test_a_withdrawn_invitation_link_stops_working(alpha):
    path = _invite(alpha)
    with schema_context(alpha.schema):
        invitation = Invitation.objects.get()
    alpha.client(alpha.owner()).post(f"/accounts/invitations/{invitation.pk}/revoke/")

    assert alpha.client().get(path).status_code == 400


def test_resending_issues_a_new_link_and_retires_the_old_one(
    alpha, django_capture_on_commit_callbacks
):
    old_path = _invite(alpha)
    with schema_context(alpha.schema):
        invitation = Invitation.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        alpha.client(alpha.owner()).post(f"/accounts/invitations/{invitation.pk}/resend/")

    new_path = re.search(r"(/accounts/invitations/\S+/)", mail.outbox[-1].body)[1]
    assert new_path != old_path
    assert alpha.client().get(old_path).status_code == 400
    assert alpha.client().get(new_path).status_code == 200


def test_change_password(alpha):
    client = alpha.client(alpha.owner())
    new = "Another-Sturdy-Pass-42"

    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 302
    with schema_context(alpha.schema):
        assert User.objects.get(email=alpha.owner_email).check_password(new)


def test_change_password_with_a_wrong_old_password_is_refused(alpha):
    client = alpha.client(alpha.owner())

    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": "nope",
            "new_password1": "Xyz-long-enough-1",
            "new_password2": "Xyz-long-enough-1",
        },
    )

    assert response.status_code == 200
    assert "incorrectly" in response.content.decode()
    with schema_context(alpha.schema):
        assert User.objects.get(email=alpha.owner_email).check_password(PASSWORD)


def test_password_reset_by_email_link_on_the_workspace_domain(alpha):
    client = alpha.client()
    client.post("/accounts/password/reset/", {"email": alpha.owner_email})

    [message] = mail.outbox
    link = re.search(r"http://alpha\.localhost:8000(/accounts/password/reset/\S+/)", message.body)
    assert link, message.body
    form = client.get(link[1], follow=True)
    assert form.status_code == 200
    new = "Reset-Sturdy-Pass-77"
    response = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})

    assert response.status_code == 302
    assert (
        client.post(
            "/accounts/login/", {"username": alpha.owner_email, "password": new}
        ).status_code
        == 302
    )


def test_password_reset_for_an_address_of_another_workspace_sends_nothing(alpha, beta):
    beta.client().post("/accounts/password/reset/", {"email": alpha.owner_email})

    assert mail.outbox == []
