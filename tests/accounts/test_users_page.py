"""The users page: list, invite, roles, deactivation — per role."""

from __future__ import annotations

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from tests.support.queries import assert_list_queries
from tradepost.accounts.models import Invitation, User
from tradepost.audit.models import AuditEntry


def _invitations(workspace) -> list[Invitation]:
    with schema_context(workspace.schema):
        return list(Invitation.objects.all())


def test_owner_invites_a_salesperson_and_the_email_carries_a_workspace_link(
    alpha, django_capture_on_commit_callbacks
):
    client = alpha.client(alpha.owner())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/users/", {"email": "New.Rep@Example.com", "role": "salesperson"}
        )

    assert response.status_code == 302
    [invitation] = _invitations(alpha)
    assert invitation.email == "new.rep@example.com"
    assert invitation.sent_at is not None
    [message] = mail.outbox
    assert message.to == ["new.rep@example.com"]
    assert "Alpha Trading" in message.subject
    assert "http://alpha.localhost:8000/accounts/invitations/" in message.body
    with schema_context(alpha.schema):
        assert AuditEntry.objects.filter(action="user.invited").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email", "role": "salesperson"}, "valid email"),
        ({"email": "x@example.com", "role": "emperor"}, "valid choice"),
        ({"email": "owner@alpha.test", "role": "salesperson"}, "already has an account"),
    ],
)
def test_bad_invitations_are_refused_and_nothing_is_written(alpha, data, message):
    response = alpha.client(alpha.owner()).post("/accounts/users/", data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert _invitations(alpha) == []


def test_a_second_open_invitation_to_the_same_address_is_refused(alpha):
    client = alpha.client(alpha.owner())
    client.post("/accounts/users/", {"email": "twice@example.com", "role": "salesperson"})

    response = client.post("/accounts/users/", {"email": "TWICE@example.com", "role": "executive"})

    assert response.status_code == 400
    assert "already waiting" in response.content.decode()
    assert len(_invitations(alpha)) == 1


@pytest.mark.parametrize("role", ["salesperson", "sales_manager", "executive", "dealer"])
def test_only_administrators_can_invite(alpha, make_user, role):
    user = make_user(alpha, role)

    response = alpha.client(user).post(
        "/accounts/users/", {"email": "sneaky@example.com", "role": "system_administrator"}
    )

    assert response.status_code == 403
    assert _invitations(alpha) == []


def test_a_salesperson_sees_the_team_but_no_invite_form(alpha, make_user):
    user = make_user(alpha, "salesperson")

    response = alpha.client(user).get("/accounts/users/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "owner@alpha.test" in body
    assert "Send invitation" not in body


def test_a_dealer_cannot_see_the_team(alpha, make_user):
    response = alpha.client(make_user(alpha, "dealer")).get("/accounts/users/")

    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(alpha):
    response = alpha.client().get("/accounts/users/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/users/"


def test_the_users_list_takes_the_same_queries_for_one_user_and_many(alpha, make_user):
    client = alpha.client(alpha.owner())

    def grow():
        for index in range(15):
            make_user(alpha, "salesperson", email=f"rep{index}@alpha.test")

    response = assert_list_queries(lambda: client.get("/accounts/users/"), grow, queries=9)

    assert response.content.decode().count("@alpha.test") >= 16


def test_owner_changes_a_role(alpha, make_user):
    rep = make_user(alpha, "salesperson")

    response = alpha.client(alpha.owner()).post(
        f"/accounts/users/{rep.pk}/role/", {"role": "sales_manager"}
    )

    assert response.status_code == 302
    with schema_context(alpha.schema):
        assert User.objects.get(pk=rep.pk).roles == ["sales_manager"]


def test_the_last_administrator_cannot_step_down(alpha):
    owner = alpha.owner()

    alpha.client(owner).post(f"/accounts/users/{owner.pk}/role/", {"role": "salesperson"})

    with schema_context(alpha.schema):
        assert User.objects.get(pk=owner.pk).roles == ["system_administrator"]


def test_a_deactivated_user_can_no_longer_sign_in(alpha, make_user):
    from tests.conftest import PASSWORD

    rep = make_user(alpha, "salesperson")
    alpha.client(alpha.owner()).post(f"/accounts/users/{rep.pk}/active/", {"active": "0"})

    response = alpha.client().post(
        "/accounts/login/", {"username": rep.email, "password": PASSWORD}
    )

    assert response.status_code == 200  # the form again, not a redirect
    with schema_context(alpha.schema):
        assert not User.objects.get(pk=rep.pk).is_active


def test_an_administrator_cannot_deactivate_themselves(alpha):
    owner = alpha.owner()

    alpha.client(owner).post(f"/accounts/users/{owner.pk}/active/", {"active": "0"})

    with schema_context(alpha.schema):
        assert User.objects.get(pk=owner.pk).is_active
