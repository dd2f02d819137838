"""django-tenants' PostgreSQL backend, safe on pooled connections and with each
connection's catalogue memory bounded.

django-tenants selects a workspace with `SET search_path` and, with
`TENANT_LIMIT_SET_CALLS`, remembers on the connection wrapper which path it last set
so it is not re-sent before every query. That memory describes one physical
connection. With a pool (Django's psycopg pool, `DATABASE_POOL=1`) the wrapper is
handed a different physical connection after every close, one whose search_path is
whatever its previous user, maybe another workspace, left. So the memory is dropped
each time a connection is taken (from the pool or newly opened), and the next query
sets the path again. django-tenants also drops it on `close()`; doing it where the
connection changes hands keeps that true whatever path leads there.

PostgreSQL keeps, for the life of a connection, catalogue entries of every table it
has touched, per schema. A connection that served hundreds of workspaces holds
hundreds of copies. `CONN_MAX_SCHEMAS` (settings: `DB_CONN_MAX_SCHEMAS`) bounds it:
a connection that has had more distinct workspace schemas set is closed at the next
request or task boundary (`close_if_unusable_or_obsolete`), and a pooled one is closed
rather than put back, so the pool opens a fresh one.
"""

from __future__ import annotations

from typing import Any

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from django_tenants.utils import get_public_schema_name

# The workspace schemas a physical connection has had set, kept on the psycopg
# connection itself: with a pool it outlives the wrapper that set them.
SCHEMAS_ATTRIBUTE = "_tradepost_schemas"


def schemas_on(raw_connection: Any) -> set[str]:
    """The workspace schemas `raw_connection` (a psycopg connection) has served."""
    schemas = getattr(raw_connection, SCHEMAS_ATTRIBUTE, None)
    if schemas is None:
        schemas = set()
        setattr(raw_connection, SCHEMAS_ATTRIBUTE, schemas)
    return schemas


class DatabaseWrapper(TenantDatabaseWrapper):
    def get_new_connection(self, conn_params):
        raw = super().get_new_connection(conn_params)
        # Whatever search_path this connection carries is not ours: set it again.
        self.search_path_set_schemas = None
        schemas_on(raw)
        return raw

    def _handle_search_path(self, cursor=None):
        super()._handle_search_path(cursor)
        if (
            self.search_path_set_schemas
            and self.connection is not None
            and self.schema_name != get_public_schema_name()
        ):
            schemas_on(self.connection).add(self.schema_name)

    @property
    def schemas_served(self) -> int:
        """How many workspace schemas the current physical connection has served."""
        return 0 if self.connection is None else len(schemas_on(self.connection))

    def over_schema_limit(self) -> bool:
        limit = self.settings_dict.get("CONN_MAX_SCHEMAS") or 0
        return bool(limit) and self.schemas_served > limit

    def close_if_unusable_or_obsolete(self):
        super().close_if_unusable_or_obsolete()
        if self.connection is not None and not self.in_atomic_block and self.over_schema_limit():
            self.close()

    def _close(self):
        if self.connection is not None and self.pool and self.over_schema_limit():
            # Closed before it goes back: the pool drops a closed connection and opens
            # a fresh one in its place.
            with self.wrap_database_errors:
                self.connection.close()
        return super()._close()
