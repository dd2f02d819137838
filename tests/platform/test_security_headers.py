"""Every page carries the Content-Security-Policy and the Permissions-Policy, and no
template brings back what the policy refuses (inline script, on*= handlers, inline
styles, javascript: URLs) — also on pages no browser test opens."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"

# A <script> without src= (a JSON data block would be type="application/json": allowed).
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\s(?:on[a-z]+|hx-on[:\w-]*)\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"javascript:", re.I)


def _templates():
    return sorted(TEMPLATES.rglob("*.html"))


def test_no_template_has_inline_script_handlers_or_styles():
    found = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for name, pattern in (
            ("inline script", INLINE_SCRIPT),
            ("inline handler", INLINE_HANDLER),
            ("inline style", INLINE_STYLE),
            ("javascript: URL", JAVASCRIPT_URL),
        ):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(settings.BASE_DIR)}:{line}: {name}")

    assert len(_templates()) > 50  # the scan sees the templates
    assert found == []


def test_pages_carry_the_policies(alpha, public_client):
    for response in (alpha.client().get("/accounts/login/"), public_client.get("/")):
        assert response.status_code == 200
        policy = dict(
            directive.strip().split(" ", 1)
            for directive in response["Content-Security-Policy"].split(";")
        )
        assert policy["script-src"] == "'self'"
        assert policy["style-src"] == "'self'"
        assert policy["object-src"] == "'none'"
        assert policy["frame-ancestors"] == "'none'"
        assert policy["base-uri"] == "'self'"
        # Sign-up hands over to the new workspace's subdomain; billing to Stripe.
        assert f"*.{settings.TRADEPOST_BASE_DOMAIN}" in policy["form-action"]
        assert "https://checkout.stripe.com" in policy["form-action"]
        features = response["Permissions-Policy"]
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert f"{feature}=()" in features
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"


def test_the_csrf_cookie_is_http_only_and_same_site(alpha):
    response = alpha.client().get("/accounts/login/")

    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_the_api_docs_load_their_start_up_script_as_a_file(alpha):
    client = alpha.client()
    page = client.get("/api/v1/docs/").content.decode()
    script = client.get("/api/v1/docs/?script=")

    assert not INLINE_SCRIPT.search(page) and not INLINE_STYLE.search(page)
    assert 'src="/api/v1/docs/?script="' in page
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
