"""Pooled connections (DATABASE_POOL=1: Django's psycopg pool) never carry one
workspace's search_path into another workspace's work, and a connection that has served
many workspace schemas is recycled (tradepost.postgresql_backend).

Real threads, each with its own connection wrapper, share a pool of one or two
PostgreSQL connections, so every connection serves both workspaces in turn. The rows
read here are committed (the other threads' connections must see them) and removed
afterwards.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper
from django.test.client import RequestFactory
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from django_tenants.utils import schema_context

from api.keys import api_key_create
from api.models import ApiKey
from tradepost.customers.models import Customer
from tradepost.postgresql_backend.base import DatabaseWrapper


def _in_threads(*targets: Callable[[], None], timeout: float = 120) -> None:
    """Run each target in its own thread (its own connection wrapper), all at once;
    re-raise the first failure. Each thread hands its connection back when done."""
    failures: list[BaseException] = []

    def run(target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a thread did not finish (a pool timeout?)"
    if failures:
        raise failures[0]


@pytest.fixture
def pool_of(platform_workspaces, django_db_blocker) -> Iterator[Callable[..., None]]:
    """`pool_of(n, **options)`: from now on, connections threads open come from a psycopg
    pool of at most n connections (the settings DATABASE_POOL=1 writes). The test's own
    thread keeps the connection it has; everything is put back afterwards."""
    settings_dict = connection.settings_dict
    saved = {key: settings_dict.get(key) for key in ("OPTIONS", "CONN_MAX_AGE", "CONN_MAX_SCHEMAS")}

    def configure(size: int, **overrides: Any) -> None:
        pool = {"min_size": 1, "max_size": size, "timeout": 30}
        settings_dict["OPTIONS"] = {**(saved["OPTIONS"] or {}), "pool": pool}
        settings_dict["CONN_MAX_AGE"] = 0
        settings_dict.update(overrides)

    with django_db_blocker.unblock():
        yield configure
        for key, value in saved.items():
            settings_dict[key] = value
        pool = DatabaseWrapper._connection_pools.pop("default", None)
        if pool is not None:
            pool.close()
        connection.set_schema_to_public()


@pytest.fixture
def keys(platform_workspaces, django_db_blocker) -> Iterator[dict[str, str]]:
    """A committed API key and customer in alpha and in beta, each named after its
    workspace: schema name -> the key's secret."""
    secrets: dict[str, str] = {}
    with django_db_blocker.unblock():
        for workspace in platform_workspaces.values():
            with schema_context(workspace.schema):
                secrets[workspace.schema] = api_key_create(
                    actor=None, name=f"key of {workspace.schema}", role="system_administrator"
                ).secret
                Customer.objects.create(
                    code="POOLTEST",
                    name=f"customer of {workspace.schema}",
                    name_sort=f"customer of {workspace.schema}",
                )
        yield secrets
        for schema in secrets:
            with schema_context(schema):
                ApiKey.objects.filter(name=f"key of {schema}").delete()
                Customer.objects.filter(code="POOLTEST").delete()
        connection.set_schema_to_public()


def _search_path() -> str:
    """The connection's search_path as PostgreSQL has it, not as the wrapper believes."""
    raw = connection.connection
    assert raw is not None
    row = raw.execute("SHOW search_path").fetchone()
    assert row is not None
    return row[0]


def _key_names() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM api_apikey WHERE name LIKE 'key of %%'")
        return [name for (name,) in cursor.fetchall()]


# --- Requests of two workspaces, interleaved on two pooled connections ---------------


def test_requests_of_two_workspaces_interleaved_on_pooled_connections_never_cross(
    platform_workspaces, pool_of, keys
):
    """Four server threads, as gthread workers have, serve alpha and beta alternately
    (a customer list, read from the workspace's schema on every request) through
    Django's WSGI handler (request_started/finished close the connection, which
    hands it back to the pool) on a pool of two connections. Every query of every
    request runs with the search_path of that request's workspace (or public, while the
    domain is looked up), and every answer is that workspace's."""
    pool_of(2)
    workspaces = {w.schema: w for w in platform_workspaces.values()}
    handler = WSGIHandler()
    factory = RequestFactory()
    seen: list[tuple[str, str]] = []  # (request's schema, search_path of a query)
    backend_pids: set[int] = set()
    lock = threading.Lock()

    def server_thread(first: int) -> None:
        expected = {"schema": ""}

        def check_search_path(execute, sql, params, many, context):
            # django-tenants' own SET runs through this wrapper too: check the others.
            if not sql.startswith("SET search_path"):
                path = _search_path()
                with lock:
                    seen.append((expected["schema"], path))
            return execute(sql, params, many, context)

        connection.execute_wrappers.append(check_search_path)
        schemas = sorted(workspaces)
        for index in range(first, first + 12):
            schema = schemas[index % 2]
            expected["schema"] = schema
            environ = factory._base_environ(
                PATH_INFO="/api/v1/customers/",
                QUERY_STRING="search=POOLTEST",
                REQUEST_METHOD="GET",
                HTTP_HOST=workspaces[schema].domain,
                HTTP_AUTHORIZATION=f"Bearer {keys[schema]}",
            )
            environ["wsgi.input"] = io.BytesIO(b"")
            statuses: list[str] = []
            response = handler(environ, lambda status, _headers, out=statuses: out.append(status))
            body = b"".join(response)
            with lock:
                backend_pids.add(
                    connection.connection.info.backend_pid if connection.connection else 0
                )
            response.close()  # request_finished: the connection goes back to the pool
            assert statuses == ["200 OK"], (schema, statuses, body[:300])
            # Only this workspace's customer (search by code: the one the test made).
            assert body.count(b'"name":"customer of ') == 1, (schema, body[:300])
            assert f'"name":"customer of {schema}"'.encode() in body, (schema, body[:300])
            assert connection.connection is None, "the connection was not handed back"

    _in_threads(*(lambda first=first: server_thread(first) for first in range(4)))

    assert len(seen) >= 4 * 12 * 2
    alpha, beta = sorted(workspaces)
    crossed = [
        (schema, path)
        for schema, path in seen
        if path not in ("public", f"{schema}, public")
        or (alpha if schema == beta else beta) in path
    ]
    assert crossed == []
    # Both workspaces really ran on the same few connections.
    assert {path for _, path in seen} >= {f"{alpha}, public", f"{beta}, public"}
    assert len(backend_pids - {0}) <= 2


# --- One wrapper keeps its workspace while its connection changes hands ----------------


def _one_connection_changes_hands(alpha: str, beta: str) -> list[str]:
    """Thread A selects alpha and reads; hands its connection back. Thread B selects
    beta on the same (only) pooled connection and reads. Thread A, still in alpha, reads
    again without selecting it anew (a task or command that keeps its tenant across a
    connection close). Returns what thread A's second read saw: key names and path."""
    step_a_again = threading.Event()
    step_b = threading.Event()
    seen: list[str] = []

    def thread_a() -> None:
        connection.set_schema(alpha)
        assert _key_names() == [f"key of {alpha}"]
        connection.close()  # back to the pool; the wrapper keeps its tenant
        step_b.set()
        assert step_a_again.wait(30)
        seen.extend(_key_names())
        seen.append(_search_path())

    def thread_b() -> None:
        assert step_b.wait(30)
        connection.set_schema(beta)
        assert _key_names() == [f"key of {beta}"]
        connection.close()
        step_a_again.set()

    _in_threads(thread_a, thread_b)
    return seen


def test_a_wrapper_that_keeps_its_workspace_resets_the_path_on_the_next_pooled_connection(
    platform_workspaces, pool_of, keys
):
    pool_of(1)
    alpha, beta = (w.schema for w in platform_workspaces.values())

    seen = _one_connection_changes_hands(alpha, beta)

    assert seen == [f"key of {alpha}", f"{alpha}, public"]


def test_without_the_reset_the_pooled_connection_would_carry_the_other_workspaces_path(
    platform_workspaces, pool_of, keys, monkeypatch
):
    """The hazard the backend guards against, shown: with the remembered search_path
    kept across a change of connection (neither django-tenants' close() nor our
    get_new_connection() forgetting it), thread A reads beta's rows."""
    monkeypatch.setattr(TenantDatabaseWrapper, "close", PostgresDatabaseWrapper.close)
    monkeypatch.setattr(
        DatabaseWrapper, "get_new_connection", TenantDatabaseWrapper.get_new_connection
    )
    pool_of(1)
    alpha, beta = (w.schema for w in platform_workspaces.values())

    seen = _one_connection_changes_hands(alpha, beta)

    assert seen == [f"key of {beta}", f"{beta}, public"]


# --- Catalogue memory: a connection is recycled after serving many schemas ------------


# Schema names only: the counter counts what search_path was set to, and PostgreSQL
# accepts a search_path naming schemas that do not exist.
SCHEMAS = [f"conn_limit_{n}" for n in range(1, 6)]


def _serve(schemas: list[str]) -> list[int]:
    """One request or task per schema (a query in it, then the boundary where Django
    closes obsolete connections): the backend pid each ran on."""
    pids = []
    for schema in schemas:
        connection.set_schema(schema)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pids.append(cursor.fetchone()[0])
        connection.close_if_unusable_or_obsolete()
    return pids


@pytest.mark.parametrize("pooled", [True, False], ids=["pool", "persistent"])
def test_a_connection_is_recycled_after_serving_more_schemas_than_the_limit(
    platform_workspaces, pool_of, pooled
):
    """CONN_MAX_SCHEMAS=3: the first three distinct schemas, and the same ones again,
    share one connection; after a fourth it is closed at the boundary (a pooled one is
    dropped, not put back) and the next schema gets a new backend."""
    if pooled:
        pool_of(1, CONN_MAX_SCHEMAS=3)
    else:  # DB_CONN_MAX_AGE=60, the default without a pool
        connection.settings_dict.update(CONN_MAX_AGE=60, CONN_MAX_SCHEMAS=3)
    s1, s2, s3, s4, s5 = SCHEMAS
    pids: list[int] = []

    _in_threads(lambda: pids.extend(_serve([s1, s2, s3, s1, s2, s3, s3, s4, s5, s1])))

    first, second = pids[0], pids[8]
    assert pids[:8] == [first] * 8  # three schemas, then the fourth: one connection
    assert second != first  # closed after s4, at its boundary
    assert pids[8:] == [second, second]  # the new one starts counting afresh


def test_without_a_limit_a_connection_serves_any_number_of_schemas(platform_workspaces, pool_of):
    pool_of(1, CONN_MAX_SCHEMAS=0)
    pids: list[int] = []

    _in_threads(lambda: pids.extend(_serve(SCHEMAS)))

    assert len(set(pids)) == 1


# --- The settings ------------------------------------------------------------------------

_SETTINGS_PROBE = (
    "import json; from tradepost import settings as s; d = s.DATABASES['default']; "
    "print(json.dumps([d['ENGINE'], d['CONN_MAX_AGE'], d['CONN_MAX_SCHEMAS'], "
    "d.get('OPTIONS', {}).get('pool')]))"
)


def _database_settings(**env: str) -> list:
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_POOL", "DB_CONN_"))
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", _SETTINGS_PROBE],
        env={
            **base,
            "PYTHONPATH": f"{root / 'platform'}:{root}",
            "DATABASE_URL": "postgresql://probe@127.0.0.1:1/unused",
            "TRADEPOST_DEV": "1",
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_pool_is_off_unless_database_pool_is_set():
    assert _database_settings() == ["tradepost.postgresql_backend", 60, 100, None]


def test_database_pool_turns_on_a_bounded_pool_without_persistent_connections():
    engine, max_age, max_schemas, pool = _database_settings(
        DATABASE_POOL="1", DATABASE_POOL_MAX="7", DB_CONN_MAX_AGE="60", DB_CONN_MAX_SCHEMAS="50"
    )

    assert engine == "tradepost.postgresql_backend"
    assert max_age == 0  # Django refuses persistent connections with a pool
    assert max_schemas == 50
    assert pool == {"min_size": 1, "max_size": 7, "max_lifetime": 1800, "timeout": 10}
