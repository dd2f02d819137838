"""Two workspaces whose rows have identical primary keys: each sees only its own."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tradepost.accounts.models import User


def test_both_workspaces_have_rows_with_the_same_primary_keys(alpha, beta):
    assert alpha.owner().pk == beta.owner().pk
    assert alpha.owner().email != beta.owner().email


def test_users_page_lists_only_the_workspaces_own_users(alpha, beta, make_user):
    make_user(beta, "salesperson", email="only-in-beta@beta.test")

    page = alpha.client(alpha.owner()).get("/accounts/users/").content.decode()

    assert "owner@alpha.test" in page
    assert "owner@beta.test" not in page
    assert "only-in-beta@beta.test" not in page


def test_a_user_of_another_workspace_cannot_be_reached_by_id(alpha, beta, make_user):
    stranger = make_user(beta, "salesperson", email="stranger@beta.test")
    with schema_context(alpha.schema):
        assert not User.objects.filter(pk=stranger.pk).exists()

    response = alpha.client(alpha.owner()).post(
        f"/accounts/users/{stranger.pk}/role/", {"role": "executive"}
    )

    assert response.status_code == 404
    with schema_context(beta.schema):
        assert User.objects.get(pk=stranger.pk).roles == ["salesperson"]


def test_the_session_of_one_workspace_is_refused_on_another(alpha, beta):
    signed_in = alpha.client(alpha.owner())
    assert signed_in.get("/").status_code == 200
    session_id = signed_in.cookies["sessionid"].value

    intruder = beta.client()
    intruder.cookies["sessionid"] = session_id
    response = intruder.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_owner_cannot_sign_in_to_another_workspace(alpha, beta):
    from tests.conftest import PASSWORD

    response = beta.client().post(
        "/accounts/login/", {"username": alpha.owner_email, "password": PASSWORD}
    )

    assert response.status_code == 200
    assert "correct" in response.content.decode()  # "Please enter a correct e-mail and password"
    assert "_auth_user_id" not in beta.client().session
