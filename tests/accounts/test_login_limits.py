"""Sign-in limits by client address, and links that ignore the request's Host."""

from __future__ import annotations

import re

from django.core import mail

from tests.conftest import PASSWORD

ATTACKER = "203.0.113.66"
OWNER_HOME = "198.51.100.20"


def _login(client, email, password, address):
    return client.post(
        "/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=address
    )


def test_a_lockout_from_one_address_leaves_the_owner_free_elsewhere(alpha, settings):
    attacker = alpha.client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(attacker, alpha.owner_email, "wrong-guess", ATTACKER)
    assert _login(attacker, alpha.owner_email, PASSWORD, ATTACKER).status_code == 429

    owner = alpha.client()
    response = _login(owner, alpha.owner_email, PASSWORD, OWNER_HOME)

    assert response.status_code == 302
    assert owner.get("/").status_code == 200


def test_a_spoofed_forwarded_for_does_not_dodge_the_lockout(alpha, settings):
    """TRUSTED_PROXY_COUNT=0: the header is the client's own words and counts for nothing."""
    client = alpha.client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/",
            {"username": alpha.owner_email, "password": "wrong"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )

    response = client.post(
        "/accounts/login/",
        {"username": alpha.owner_email, "password": PASSWORD},
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )

    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_lockout_follows_the_real_client(alpha, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.1.2.3"
    attacker = alpha.client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post(
            "/accounts/login/",
            {"username": alpha.owner_email, "password": "wrong"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=ATTACKER,
        )

    owner = alpha.client().post(
        "/accounts/login/",
        {"username": alpha.owner_email, "password": PASSWORD},
        REMOTE_ADDR=proxy,  # the same balancer
        HTTP_X_FORWARDED_FOR=OWNER_HOME,
    )

    assert owner.status_code == 302


def test_password_spraying_from_one_address_is_stopped(alpha, make_user, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 4
    users = [make_user(alpha, "salesperson", email=f"rep{n}@alpha.test") for n in range(5)]
    client = alpha.client()
    # One guess per account: never near the per-account limit.
    for user in users[:4]:
        assert _login(client, user.email, "Spring2026!", ATTACKER).status_code == 200

    blocked = _login(client, users[4].email, PASSWORD, ATTACKER)  # even the right password

    assert blocked.status_code == 429
    assert "Too many failed sign-ins came from your network" in blocked.content.decode()
    assert client.get("/").status_code == 302
    # Another address signs in as usual.
    assert _login(alpha.client(), users[4].email, PASSWORD, OWNER_HOME).status_code == 302


def test_a_success_does_not_reset_the_address_counter(alpha, make_user, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    make_user(alpha, "salesperson", email="own@alpha.test")
    client = alpha.client()
    _login(client, "a@alpha.test", "x", ATTACKER)
    _login(client, "b@alpha.test", "x", ATTACKER)
    assert _login(client, "own@alpha.test", PASSWORD, ATTACKER).status_code == 302
    client.post("/accounts/logout/")
    _login(client, "c@alpha.test", "x", ATTACKER)

    assert _login(client, "own@alpha.test", PASSWORD, ATTACKER).status_code == 429


def test_address_failures_in_one_workspace_do_not_pause_another(alpha, beta, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 2
    for n in range(3):
        _login(alpha.client(), f"x{n}@alpha.test", "x", ATTACKER)

    assert _login(beta.client(), beta.owner_email, PASSWORD, ATTACKER).status_code == 302


def test_a_reset_requested_with_a_forged_host_port_links_to_the_configured_host(alpha):
    client = alpha.client()
    client.post(
        "/accounts/password/reset/",
        {"email": alpha.owner_email},
        HTTP_HOST="alpha.localhost:6666",
        HTTP_X_FORWARDED_HOST="evil.example",
        HTTP_X_FORWARDED_PROTO="https",
    )

    [message] = mail.outbox
    links = re.findall(r"\S+://\S+", message.body)
    assert len(links) == 1
    # settings.PUBLIC_URL is http://localhost:8000 in tests.
    assert links[0].startswith("http://alpha.localhost:8000/accounts/password/reset/")
    assert "6666" not in message.body and "evil" not in message.body


def test_a_reset_link_uses_https_when_public_url_does(alpha, settings):
    settings.PUBLIC_URL = "https://tradepost.example"
    alpha.client().post("/accounts/password/reset/", {"email": alpha.owner_email})

    [message] = mail.outbox
    assert "https://alpha.localhost/accounts/password/reset/" in message.body
