"""Error reports name the workspace and never carry secrets or people's data.

Sentry is the real SDK, initialised with the options production uses, with an
in-memory transport in place of the network.
"""

from __future__ import annotations

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
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

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
