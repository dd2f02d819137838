"""`manage.py check --deploy` is clean for a production configuration, and the
production security settings follow PUBLIC_URL.

Settings are read from the environment when the module is imported, so each case runs
manage.py in a subprocess with the real settings module and a production-like
environment (no development or test switches)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]


def _production_env(**overrides: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "DJANGO_SETTINGS_MODULE": "tradepost.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PUBLIC_URL": "https://tradepost.example.com",
        # Settings only parse these; no connection is made by the checks.
        "DATABASE_URL": "postgresql://tradepost@db.internal:5432/tradepost",
        "REDIS_URL": "redis://redis.internal:6379/0",
    }
    env.update(overrides)
    return env


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO_DIR / "manage.py"), *args],
        cwd=REPO_DIR,
        env=_production_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


NAMES = (
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CONTENT_SECURITY_POLICY",
)


def _settings(**env: str) -> dict:
    code = (
        "from django.conf import settings; "
        f"print(repr({{name: getattr(settings, name) for name in {NAMES!r}}}))"
    )
    result = _manage("shell", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    # (the last line: the shell first says what it imported)
    return eval(result.stdout.strip().splitlines()[-1])  # noqa: S307 - our own repr()


def test_the_deploy_checks_pass_in_production():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_checks_catch_a_site_without_https():
    """The check above can fail: over plain HTTP there is no HSTS, redirect or secure
    cookie, and the checks say so."""
    result = _manage("check", "--deploy", "--fail-level", "WARNING", PUBLIC_URL="http://x.test")

    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr, result.stderr


def test_https_settings_follow_the_public_url():
    https = _settings()
    plain = _settings(PUBLIC_URL="http://tradepost.example.com")

    assert https["SECURE_SSL_REDIRECT"] and not plain["SECURE_SSL_REDIRECT"]
    assert https["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600 and plain["SECURE_HSTS_SECONDS"] == 0
    assert https["SECURE_HSTS_INCLUDE_SUBDOMAINS"]  # workspaces are subdomains
    assert not https["SECURE_HSTS_PRELOAD"]  # the operator's explicit choice
    assert https["SESSION_COOKIE_SECURE"] and https["CSRF_COOKIE_SECURE"]
    assert not plain["SESSION_COOKIE_SECURE"] and not plain["CSRF_COOKIE_SECURE"]
    assert https["CSRF_COOKIE_HTTPONLY"] and https["SESSION_COOKIE_SAMESITE"] == "Lax"
    # Forms may reach the workspaces and Stripe's hosted pages, and nothing else.
    policy = https["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert policy["form-action"] == [
        "'self'",
        "https://tradepost.example.com",
        "https://*.tradepost.example.com",
        "https://checkout.stripe.com",
        "https://billing.stripe.com",
    ]
    assert policy["upgrade-insecure-requests"] is True
    assert "upgrade-insecure-requests" not in plain["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
