"""Error reports name the workspace and never carry secrets or people's data.

Sentry is the real SDK, initialised with the options production uses, with an
in-memory transport in place of the network.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
import sentry_sdk
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.test import RequestFactory
from django.urls import include, path
from django.utils.crypto import get_random_string
from django_tenants.utils import schema_context
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from api.keys import api_key_create
from api.webhooks.models import WebhookEndpoint
from api.webhooks.services import new_secret
from tradepost.observability import sentry_options

SECRETS = {
    "password": "hunter2-secret",
    "api_key": "tp_live_api-key-secret",
    "token": "tok-invitation-secret",
}
BEARER = "Bearer tp_bearer-secret-credential"


def _failing_view(request, **url_kwargs):
    """Breaks while handling a form full of secrets, as a bug in a view would."""
    submitted = request.POST.dict()
    raise RuntimeError(f"could not save the form ({len(submitted)} fields)")


# The workspace's own URLs plus one that fails (used through @pytest.mark.urls).
urlpatterns = [
    path("boom/", _failing_view),
    path("boom/<str:token>/", _failing_view),
    path("", include("tradepost.urls_tenant")),
]


class MemoryTransport(Transport):
    """Keeps envelopes instead of sending them."""

    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)

    def events(self) -> list[dict]:
        return [e.get_event() for e in self.envelopes if e.get_event() is not None]

    def serialized(self) -> str:
        """Every byte that would have gone over the wire."""
        return b"".join(e.serialize() for e in self.envelopes).decode("utf-8", "replace")


@pytest.fixture
def sentry_transport():
    transport = MemoryTransport()
    sentry_sdk.init(
        **sentry_options(dsn="https://public@example.invalid/1", environment="test"),
        transport=transport,
    )
    try:
        yield transport
    finally:
        sentry_sdk.get_client().close()
        # Back to "Sentry not configured", as the rest of the suite runs.
        sentry_sdk.get_global_scope().set_client(None)


def _serve(method: str, path: str, data: dict, *, host: str, cookies: dict, **headers) -> int:
    """Run one request through Django's WSGI handler, as gunicorn does in production.

    (The test Client skips the WSGI layer, where Sentry records the URL and headers.)
    Like the test Client, it keeps the test's database connection open.
    """
    environ = (
        RequestFactory()
        .generic(
            method,
            path,
            urlencode(data),
            content_type="application/x-www-form-urlencoded",
            HTTP_HOST=host,
            HTTP_COOKIE="; ".join(f"{name}={value}" for name, value in cookies.items()),
            **headers,
        )
        .environ
    )
    status = []
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(environ, lambda code, headers, exc_info=None: status.append(code))
        b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return int(status[0].split()[0])


@pytest.mark.urls(__name__)
def test_a_crash_in_a_workspace_is_reported_with_the_tenant_and_without_secrets(
    alpha, sentry_transport
):
    owner = alpha.owner()
    session_key = alpha.client(owner).cookies["sessionid"].value
    assert session_key
    csrf_token = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)

    status = _serve(
        "POST",
        "/boom/?page=2",
        {**SECRETS, "company_note": "visible-harmless-note"},
        host=alpha.domain,
        cookies={"sessionid": session_key, "csrftoken": csrf_token},
        HTTP_X_CSRFTOKEN=csrf_token,
        HTTP_AUTHORIZATION=BEARER,
        HTTP_X_API_KEY="x-api-key-header-secret",
        HTTP_USER_AGENT="visible-user-agent",
    )

    assert status == 500
    events = sentry_transport.events()
    crashes = [
        e
        for e in events
        if any(v.get("type") == "RuntimeError" for v in e.get("exception", {}).get("values", []))
    ]
    assert len(crashes) == 1, events
    event = crashes[0]
    assert event["tags"]["tenant"] == "alpha"
    assert event["environment"] == "test"
    # The report does describe the request (so the checks below are not vacuous) …
    request = event["request"]
    assert request["url"] == f"http://{alpha.domain}/boom/"
    assert request["data"]["company_note"] == "visible-harmless-note"
    assert {"password", "api_key", "token"} <= set(request["data"])
    headers = {name.lower(): value for name, value in request["headers"].items()}
    assert headers["user-agent"] == "visible-user-agent"
    assert {"authorization", "cookie", "x-api-key"} <= set(headers)
    # … but no secret, credential or the user's address, anywhere in what would be sent.
    wire = sentry_transport.serialized()
    for secret in [
        *SECRETS.values(),
        BEARER,
        "tp_bearer-secret-credential",
        "x-api-key-header-secret",
        csrf_token,
        session_key,
        owner.email,
    ]:
        assert secret not in wire, f"{secret!r} would be sent to Sentry"
    assert "user" not in event or "email" not in event["user"]


@pytest.mark.urls(__name__)
def test_link_tokens_and_secrets_in_the_query_string_stay_out_of_reports(alpha, sentry_transport):
    # Invitation and password-reset links carry their token in the path.
    link_token = "Zq3xV9kTn0pLr7sWb2YcHd5uMf8GaJe1Ko4Ni6Qt-_E"
    status = _serve(
        "GET",
        f"/boom/{link_token}/?page=2&api_key=query-api-key-secret&token=query-token-secret",
        {},
        host=alpha.domain,
        cookies={},
    )

    assert status == 500
    [event] = [e for e in sentry_transport.events() if e.get("exception")]
    assert event["tags"]["tenant"] == "alpha"
    assert event["request"]["url"].startswith(f"http://{alpha.domain}/boom/")
    assert "page=2" in event["request"]["query_string"]
    wire = sentry_transport.serialized()
    for secret in (link_token, "query-api-key-secret", "query-token-secret"):
        assert secret not in wire, f"{secret!r} would be sent to Sentry"


# --- Secrets recognised by their shape, wherever they turn up ------------------------


def _boom_inside_key_check(monkeypatch, alpha_secret: str) -> None:
    """Make the key check itself fail, as a bug or an outage deep in auth would.

    On its way down it logs and records an HTTP call carrying the key, as careless
    code might.
    """
    import api.keys

    def compare_digest(stored, presented):
        logging.getLogger("tradepost.api").warning("checking key %s", alpha_secret)
        sentry_sdk.add_breadcrumb(
            category="httplib",
            type="http",
            data={"url": f"https://audit.example/check?key={alpha_secret}", "method": "GET"},
        )
        raise RuntimeError(f"digest store unavailable while checking {alpha_secret}")

    monkeypatch.setattr(api.keys, "hmac", SimpleNamespace(compare_digest=compare_digest))


def test_a_crash_inside_api_key_authentication_never_reports_the_key(
    alpha, api_key, sentry_transport, monkeypatch
):
    secret = api_key(alpha, role="salesperson")
    prefix, body = secret.removeprefix("tp_").split("_", 1)
    _boom_inside_key_check(monkeypatch, secret)

    status = _serve(
        "GET",
        f"/api/v1/me/?api_key={secret}",
        {},
        host=alpha.domain,
        cookies={},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_X_FORWARDED_HOST="visible-forwarded-host",
    )

    assert status == 500
    [event] = [e for e in sentry_transport.events() if e.get("exception")]
    # Still a useful report: what broke, where, for which workspace …
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert exception["value"].startswith("digest store unavailable while checking tp_")
    assert event["tags"]["tenant"] == "alpha"
    frames = exception["stacktrace"]["frames"]
    functions = [frame["function"] for frame in frames]
    assert "authenticate" in functions and "api_key_find" in functions
    # … whose frames do have their locals (the key in `header`, `raw`, `whole`) …
    auth_vars = next(f for f in frames if f["function"] == "authenticate")["vars"]
    find_vars = next(f for f in frames if f["function"] == "api_key_find")["vars"]
    assert {"header", "raw"} <= set(auth_vars) and {"raw", "whole"} <= set(find_vars)
    assert f"tp_{prefix[:4]}…" in find_vars["whole"]
    # … and log and HTTP breadcrumbs …
    crumbs = event["breadcrumbs"]["values"]
    assert any(c.get("message", "").startswith("checking key tp_") for c in crumbs)
    assert any(c.get("category") == "httplib" for c in crumbs)
    # … but the key, or its secret part, is nowhere in what would be sent.
    wire = sentry_transport.serialized()
    assert secret not in wire
    assert body not in wire
    assert body[:16] not in wire


def _fail_with_secrets_in_locals() -> None:
    """Locals hold secrets under harmless names (found by their shape) and a password
    (found by its name)."""
    stripe_key = "sk_live_51HxStripeLiveSecretKey0123"
    restricted = "rk_test_51HxRestrictedKey0123456"
    whole = "whsec_WebhookSigningSecretAbc123xyz"
    # (Built at run time: the source lines around a frame are part of a report too.)
    password = "-".join(["hunter2", "password", "value"])  # noqa: F841 - found by its name
    header_line = "theme=dark; sessionid=sessionsecret0123456789abcdefghij; csrftoken=csrfsecret42"
    request_body = {"user": {"password": "nested-password-value", "note": "visible-note"}}
    payload = f"{whole} {restricted} {header_line} {request_body}"
    raise ValueError(f"stripe refused {stripe_key}; payload was {payload}")


def test_secret_shaped_values_are_masked_in_messages_exceptions_and_every_local(
    sentry_transport,
):
    logging.getLogger("tradepost.billing").warning(
        "stripe call with %s failed", "sk_test_51HxStripeTestSecretKey0123"
    )
    try:
        _fail_with_secrets_in_locals()
    except ValueError:
        sentry_sdk.capture_exception()
    sentry_sdk.capture_message("webhook whsec_MessageSecret0123456789 rejected")

    events = sentry_transport.events()
    assert len(events) == 2
    crash = next(e for e in events if e.get("exception"))
    [exception] = crash["exception"]["values"]
    assert exception["type"] == "ValueError"
    assert "stripe refused sk_live_…" in exception["value"]
    [frame] = [
        f
        for f in exception["stacktrace"]["frames"]
        if f["function"] == "_fail_with_secrets_in_locals"
    ]
    assert "visible-note" in str(frame["vars"]["request_body"])
    assert "theme=dark" in frame["vars"]["header_line"]  # masked by value, not dropped
    wire = sentry_transport.serialized()
    for secret in (
        "sk_live_51HxStripeLiveSecretKey0123",
        "sk_test_51HxStripeTestSecretKey0123",
        "rk_test_51HxRestrictedKey0123456",
        "whsec_WebhookSigningSecretAbc123xyz",
        "whsec_MessageSecret0123456789",
        "hunter2-password-value",
        "nested-password-value",
        "sessionsecret0123456789abcdefghij",
        "csrfsecret42",
    ):
        assert secret not in wire, f"{secret!r} would be sent to Sentry"
    [note] = [e for e in events if not e.get("exception")]
    assert note["message"] == "webhook whsec_… rejected"


def test_secret_bearing_objects_show_a_masked_form(alpha):
    with schema_context(alpha.schema):
        created = api_key_create(actor=None, name="ERP", role="salesperson")
        endpoint = WebhookEndpoint(url="https://hooks.example/in", secret=new_secret())

    for text in (repr(created), str(created), f"{created}", repr(endpoint), str(endpoint)):
        assert created.secret not in text
        assert endpoint.secret not in text
        assert "whsec_" not in text
    assert f"tp_{created.api_key.prefix[:4]}…" in repr(created)
    assert "https://hooks.example/in" in repr(endpoint)
