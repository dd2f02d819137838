"""Who the client is (trusted proxies only) and the one sign-up limit of form and API."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from tenants.models import Tenant
from tests.conftest import PASSWORD
from tradepost.clientip import client_ip

CLIENT = "203.0.113.7"
PROXY = "198.51.100.2"


def _signup_data(n: int) -> dict:
    return {
        "company_name": f"Limit Co {n}",
        "slug": f"limit-{n}",
        "owner_email": f"boss@limit-{n}.test",
        "password": PASSWORD,
    }


@pytest.fixture
def limits(settings):
    settings.SIGNUP_RATE_PER_HOUR = 2
    settings.SIGNUP_RATE_PER_DAY = 5
    return settings


def _ip(settings, proxies: int, forwarded: str | None, remote: str = PROXY) -> str:
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    assert _ip(settings, 0, "1.2.3.4", remote=CLIENT) == CLIENT
    assert _ip(settings, 0, None, remote=CLIENT) == CLIENT


def test_with_one_trusted_proxy_the_address_it_appended_is_the_client(settings):
    # The client sent "X-Forwarded-For: 1.2.3.4"; our balancer appended CLIENT.
    assert _ip(settings, 1, f"1.2.3.4, {CLIENT}") == CLIENT
    assert _ip(settings, 1, CLIENT) == CLIENT
    assert _ip(settings, 2, f"1.2.3.4, {CLIENT}, 10.0.0.9") == CLIENT


def test_a_garbled_forwarded_entry_falls_back_to_the_connecting_address(settings):
    assert _ip(settings, 1, "not-an-ip") == PROXY
    assert _ip(settings, 1, "") == PROXY


def test_spoofed_forwarded_for_does_not_reset_the_api_limit(public_client, limits):
    for n in range(2):
        response = public_client.post(
            "/api/v1/signup",
            _signup_data(n),
            content_type="application/json",
            REMOTE_ADDR=CLIENT,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
        assert response.status_code == 201, response.content

    refused = public_client.post(
        "/api/v1/signup",
        _signup_data(9),
        content_type="application/json",
        REMOTE_ADDR=CLIENT,
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert not Tenant.objects.filter(slug="limit-9").exists()


def test_behind_one_proxy_each_client_has_its_own_counter(public_client, limits):
    limits.TRUSTED_PROXY_COUNT = 1
    for n in range(2):
        assert (
            public_client.post(
                "/api/v1/signup",
                _signup_data(n),
                content_type="application/json",
                REMOTE_ADDR=PROXY,
                HTTP_X_FORWARDED_FOR=f"1.1.1.1, {CLIENT}",
            ).status_code
            == 201
        )
    refused = public_client.post(
        "/api/v1/signup",
        _signup_data(8),
        content_type="application/json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"9.9.9.9, {CLIENT}",  # a new left part changes nothing
    )
    other_client = public_client.post(
        "/api/v1/signup",
        _signup_data(9),
        content_type="application/json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.8",
    )

    assert refused.status_code == 429
    assert other_client.status_code == 201


def test_form_and_api_share_one_counter(public_client, limits):
    assert public_client.post("/signup/", _signup_data(0), REMOTE_ADDR=CLIENT).status_code == 302
    api = public_client.post(
        "/api/v1/signup", _signup_data(1), content_type="application/json", REMOTE_ADDR=CLIENT
    )
    assert api.status_code == 201

    form = public_client.post("/signup/", _signup_data(2), REMOTE_ADDR=CLIENT)
    api_again = public_client.post(
        "/api/v1/signup", _signup_data(3), content_type="application/json", REMOTE_ADDR=CLIENT
    )

    assert form.status_code == 429
    assert "Too many sign-up attempts from your network" in form.content.decode()
    assert form["Retry-After"]
    # What was typed stays in the form (but never the password).
    assert 'value="limit-2"' in form.content.decode()
    assert PASSWORD not in form.content.decode()
    assert api_again.status_code == 429
    assert api_again.json()["code"] == "throttled"
    assert not Tenant.objects.filter(slug__in=["limit-2", "limit-3"]).exists()


def test_failed_attempts_count_too(public_client, limits):
    """Every attempt can probe which addresses and e-mails exist."""
    for _ in range(2):
        bad = public_client.post("/signup/", {**_signup_data(0), "slug": "www"}, REMOTE_ADDR=CLIENT)
        assert bad.status_code == 400

    assert public_client.post("/signup/", _signup_data(0), REMOTE_ADDR=CLIENT).status_code == 429
    assert not Tenant.objects.filter(slug="limit-0").exists()


def test_the_daily_limit_holds_when_the_hourly_one_is_generous(public_client, limits):
    limits.SIGNUP_RATE_PER_HOUR = 100
    limits.SIGNUP_RATE_PER_DAY = 1
    assert public_client.post("/signup/", _signup_data(0), REMOTE_ADDR=CLIENT).status_code == 302

    assert public_client.post("/signup/", _signup_data(1), REMOTE_ADDR=CLIENT).status_code == 429


def test_the_sign_up_page_itself_is_not_counted(public_client, limits):
    for _ in range(5):
        assert public_client.get("/signup/", REMOTE_ADDR=CLIENT).status_code == 200
    assert public_client.post("/signup/", _signup_data(0), REMOTE_ADDR=CLIENT).status_code == 302
