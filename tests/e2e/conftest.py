"""Browser tests: headless Chromium against a real threaded WSGI server.

The server runs in this process on 127.0.0.1 and a free port, serving the same
Django app (and /static/) as production does, against the worker's test database.
It sees committed data only, so these tests do not use the `db` fixture (its
transaction would be invisible to the server): whatever they create is committed
and removed again at teardown.

Two things need care:

* pytest-django blocks database access unless a test asks for it, and the block is
  global, server threads included: `_database_open_to_the_server` lifts it for the
  duration of every test here.
* Playwright's sync API keeps an asyncio loop running in the main thread, so Django
  refuses ORM calls there (SynchronousOnlyOperation). Checks and clean-up go
  through `run_db`, which runs them in a short-lived thread of their own.

Every page any browser test opens is watched for Content-Security-Policy violations
(the policy is enforced in tests too): a test during which the browser refused a
script, a style, a form target … fails, naming what was refused. The report hook
below, re-exported by every browser package's conftest, does the check.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.db import connections
from django.test.testcases import LiveServerThread

REPO_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ENSURE_CHROMIUM = REPO_DIR / "scripts" / "ensure-chromium"
RESULTS_DIR = REPO_DIR / "test-results"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]
# Playwright waits at most this long for a page, an element or a navigation.
TIMEOUT_MS = 10_000

# What the browser refused under the Content-Security-Policy while the current test
# ran: Chromium's console message ("Refused to … because it violates the following
# Content Security Policy directive …") and each `securitypolicyviolation` event.
CSP_VIOLATIONS: list[str] = []
_CSP_EVENT_MARK = "securitypolicyviolation:"
_REPORT_CSP_EVENTS = f"""
document.addEventListener("securitypolicyviolation", (event) => {{
  console.error("{_CSP_EVENT_MARK} " + event.effectiveDirective + " refused "
    + (event.blockedURI || "inline") + " on " + event.documentURI);
}});
"""

T = TypeVar("T")


@dataclass(frozen=True)
class LiveServer:
    """Where the browser finds the platform: the public site and each workspace."""

    port: int
    base_domain: str

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def public_url(self, path: str = "/") -> str:
        return self.url(self.base_domain, path)

    def workspace_url(self, slug: str, path: str = "/") -> str:
        return self.url(f"{slug}.{self.base_domain}", path)


@pytest.fixture(scope="session")
def web_server(platform_workspaces, django_db_blocker) -> Iterator[LiveServer]:
    """A threaded WSGI server with the Django app, one per test process.

    Not pytest-django's `live_server` (nor named like it: pytest-django switches any
    test that uses a fixture of that name to `transactional_db`), whose flush
    would wipe the tenant registry `platform_workspaces` committed.
    """
    from django.db import connection

    # These tests commit what they create: never let them near a real database.
    # (tests/conftest.py's django_db_setup creates the test database even though no
    # test here requests `db`; pytest-django's own would not.)
    if connection.settings_dict["NAME"] != connection.creation._get_test_db_name():
        pytest.fail(f"not on the test database: {connection.settings_dict['NAME']}")
    with django_db_blocker.unblock():
        thread = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
        thread.daemon = True
        thread.start()
        if not thread.is_ready.wait(timeout=30):
            pytest.fail("the live server did not start within 30 s")
        if thread.error:
            raise thread.error
    try:
        yield LiveServer(port=thread.port, base_domain=settings.TRADEPOST_BASE_DOMAIN)
    finally:
        thread.terminate()


@pytest.fixture(autouse=True)
def _database_open_to_the_server(django_db_blocker) -> Iterator[None]:
    """The server's request threads need the database while a test drives the browser."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="session")
def run_db(django_db_blocker) -> Callable[..., Any]:
    """`run_db(fn, *args)`: call `fn` with database access, outside Playwright's loop.

    Each call runs in a fresh thread with its own connection (autocommit, public
    schema), closed afterwards.
    """

    def run(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        def call() -> T:
            try:
                return fn(*args, **kwargs)
            finally:
                connections.close_all()

        with django_db_blocker.unblock(), ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(call).result(timeout=120)

    return run


def _chromium_missing_reason() -> str | None:
    """None when Chromium is there (installing it if we can), else why it is not."""
    if os.access(CHROMIUM, os.X_OK):
        return None
    if ENSURE_CHROMIUM.exists():
        # One installer at a time when several pytest workers get here together.
        with open("/tmp/tradepost-ensure-chromium.lock", "w") as lock:  # noqa: S108
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                subprocess.run(["bash", str(ENSURE_CHROMIUM)], check=False, timeout=600)
            except subprocess.TimeoutExpired:
                pass
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    if os.access(CHROMIUM, os.X_OK):
        return None
    return f"{CHROMIUM} is missing and could not be installed (see scripts/ensure-chromium)"


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed if missing and we can. Without it the browser tests
    fail, loudly: a browser test that quietly skips proves nothing."""
    if reason := _chromium_missing_reason():
        pytest.fail(reason)
    return CHROMIUM


def _watch_csp(context) -> None:
    """Record every CSP violation of the context's pages in CSP_VIOLATIONS."""

    def on_console(message) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith(_CSP_EVENT_MARK):
            CSP_VIOLATIONS.append(f"{text} ({message.page.url if message.page else '?'})")

    context.add_init_script(_REPORT_CSP_EVENTS)
    context.on("console", on_console)


class CspWatchingBrowser:
    """The Playwright browser, whose every new context is watched for CSP violations
    (tests that make their own context, e.g. with a phone's viewport, included)."""

    def __init__(self, browser) -> None:
        self._browser = browser

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    def new_context(self, **kwargs: Any):
        context = self._browser.new_context(**kwargs)
        _watch_csp(context)
        return context


@pytest.fixture
def csp_violations() -> list[str]:
    """The CSP violations seen so far in this test (a test that provokes one on purpose
    checks it and empties the list)."""
    return CSP_VIOLATIONS


@pytest.fixture(scope="package")
def browser(chromium, web_server):
    """Headless Chromium, shared by the tests of this package."""
    from playwright.sync_api import sync_playwright

    base = web_server.base_domain
    # <anything>.<base domain> is the live server (Chromium would resolve *.localhost
    # to loopback anyway; this also covers another TRADEPOST_BASE_DOMAIN).
    resolve_to_server = f"--host-resolver-rules=MAP {base} 127.0.0.1,MAP *.{base} 127.0.0.1"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium),
            headless=True,
            args=[*CHROMIUM_ARGS, resolve_to_server],
        )
        try:
            yield CspWatchingBrowser(browser)
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the item, for the screenshot on failure; fail
    a test during which the browser reported a Content-Security-Policy violation."""
    report = yield
    if report.when == "call" and CSP_VIOLATIONS:
        refused = "\n".join(dict.fromkeys(CSP_VIOLATIONS))
        CSP_VIOLATIONS.clear()
        if report.passed:
            report.outcome = "failed"
            report.longrepr = f"The page broke the Content-Security-Policy:\n{refused}"
        else:
            report.sections.append(("CSP violations", refused))
    elif report.when == "teardown":
        CSP_VIOLATIONS.clear()  # the next test starts with none
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, request):
    """A fresh browser context (no cookies) and page; a screenshot if the test fails."""
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            RESULTS_DIR.mkdir(exist_ok=True)
            name = "".join(c if c.isalnum() or c in "-_" else "_" for c in request.node.name)
            try:
                page.screenshot(path=str(RESULTS_DIR / f"{name}.png"), full_page=True)
            except Exception as exc:  # the screenshot must not hide the real failure
                print(f"screenshot failed: {exc}")
        context.close()
