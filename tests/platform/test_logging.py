"""Every log line of a workspace request says which workspace it was for."""

from __future__ import annotations

import io
import logging
import re

import pytest
from django_tenants.utils import schema_context

from tradepost.observability import SecretLogFilter, TenantLogFilter


@pytest.fixture
def console_log():
    """What the console handler configured by settings.LOGGING writes."""
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, TenantLogFilter) for f in handler.filters)
    ]
    assert len(handlers) == 1, "settings.LOGGING puts the tenant filter on the console handler"
    handler = handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def _lines(stream: io.StringIO, text: str) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if text in line]


def test_a_request_logs_with_its_workspace(alpha, beta, public_client, console_log):
    # A page that does not exist is logged by Django ("Not Found: …") during the request.
    assert alpha.client().get("/no-such-page-alpha/").status_code == 404
    assert beta.client().get("/no-such-page-beta/").status_code == 404
    assert public_client.get("/no-such-page-public/").status_code == 404

    [alpha_line] = _lines(console_log, "/no-such-page-alpha/")
    [beta_line] = _lines(console_log, "/no-such-page-beta/")
    [public_line] = _lines(console_log, "/no-such-page-public/")
    assert "WARNING [alpha] django.request: Not Found" in alpha_line
    assert "WARNING [beta] django.request: Not Found" in beta_line
    assert "[public]" in public_line


def test_application_logs_carry_the_workspace_of_the_current_schema(alpha, console_log):
    logger = logging.getLogger("tradepost.sales")
    with schema_context(alpha.schema):
        logger.warning("order %s held: credit limit reached", 42)
    logger.warning("nightly report late")

    [in_workspace] = _lines(console_log, "order 42 held")
    [outside] = _lines(console_log, "nightly report late")
    # Outside a request the workspace is named by its schema (there is no tenant row
    # at hand), inside one by its slug: either way, alpha and nothing else.
    assert re.search(r"WARNING \[(alpha|t_alpha)\] tradepost\.sales: order 42 held", in_workspace)
    assert "WARNING [public] tradepost.sales: nightly report late" in outside


def test_log_lines_never_carry_secrets(alpha, api_key, console_log, caplog):
    secret = api_key(alpha)
    body = secret.removeprefix("tp_").split("_", 1)[1]
    webhook_secret = "whsec_" + "LogLineSigningSecret0123456789"
    logger = logging.getLogger("tradepost.api")

    with caplog.at_level(logging.INFO):
        logger.info("request with Authorization: Bearer %s", secret)
        logger.warning("endpoint %s", {"url": "https://hooks.example/in", "secret": webhook_secret})
        try:
            raise ValueError(f"signature check failed for {webhook_secret}")
        except ValueError:
            logger.exception("delivery failed")

    # The lines are still there and still say what happened …
    for text in (console_log.getvalue(), caplog.text):
        assert "request with Authorization: Bearer [Filtered]" in text
        assert "https://hooks.example/in" in text
        assert "ValueError: signature check failed for whsec_…" in text
        # … without the key or the webhook secret.
        assert secret not in text and body not in text
        assert webhook_secret not in text
    assert all(secret not in record.getMessage() for record in caplog.records)


def test_the_secret_filter_is_on_the_console_handler():
    [handler] = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, TenantLogFilter) for f in handler.filters)
    ]
    assert any(isinstance(f, SecretLogFilter) for f in handler.filters)
