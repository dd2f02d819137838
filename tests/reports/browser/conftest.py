"""The browser fixtures of tests/e2e (live server, Chromium, pages), for the report
pages' browser tests."""

from tests.e2e.conftest import (  # noqa: F401 - fixtures and the report hook, re-exported
    _database_open_to_the_server,
    browser,
    chromium,
    page,
    pytest_runtest_makereport,
    run_db,
    web_server,
)
