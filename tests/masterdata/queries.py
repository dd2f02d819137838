"""Counting the SQL statements a block runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
