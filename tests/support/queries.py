"""Counting the SQL statements a block runs, and the list rule built on it.

Every list (API endpoint or page) answers with the same, pinned number of queries
whether it shows one row or many: `assert_list_queries` checks both. A list that
grows a query per row (N+1) fails it, and so does any change in the fixed count,
which then shows the statements so the new number is a decision, not an accident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """SQL statements run inside the block. Independent of Django's debug query log,
    which the test client resets at each request (and mid-block for streamed
    responses), so a count taken around a request is never silently empty."""
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield statements


def _read(response) -> Any:
    """Run a streamed response to its end, so its queries are counted."""
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return response


def _listing(statements: list[str]) -> str:
    return "\n".join(f"  {index}. {sql}" for index, sql in enumerate(statements, 1))


def assert_list_queries(
    fetch: Callable[[], Any],
    grow: Callable[[], object],
    *,
    queries: int,
    size: Callable[[Any], int] | None = None,
) -> Any:
    """Assert that `fetch()` (one request for a list) runs exactly `queries` SQL
    statements now, with the one row the caller made, and again after `grow()` has
    added many more. `size(response)` — rows shown, e.g. `list_count` for the API —
    must then be larger, so the second count is taken on a longer list. Returns the
    long list's response.

    The first request is not counted: it fills per-process caches (content types,
    permissions) that a running server keeps warm."""
    warm = _read(fetch())
    assert warm.status_code == 200, (warm.status_code, getattr(warm, "content", b"")[:500])
    with count_queries() as one_row:
        short = _read(fetch())
    grow()
    connection.set_schema_to_public()  # as between two requests of a real server
    with count_queries() as many_rows:
        long = _read(fetch())
    assert long.status_code == 200
    if size is not None:
        assert size(long) > size(short), (size(short), size(long))
    assert len(one_row) == len(many_rows) == queries, (
        f"expected {queries} queries for one row and for many, "
        f"ran {len(one_row)} and {len(many_rows)}\n"
        f"one row:\n{_listing(one_row)}\nmany rows:\n{_listing(many_rows)}"
    )
    return long
