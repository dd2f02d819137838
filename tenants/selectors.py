"""What the operator console reads about workspaces beyond their `Tenant` rows: the
usage kept inside each workspace's schema, read for many workspaces in one query."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from tenants.models import Tenant


@dataclass(frozen=True)
class WorkspaceUsage:
    users: int  # active users
    last_activity: datetime.datetime | None  # the latest sign-in of any of them


def workspace_usage(tenants: Iterable[Tenant]) -> dict[str, WorkspaceUsage]:
    """Schema name → usage, for `tenants` (a page of the console's list): one UNION
    ALL over their schemas' user tables, whatever their number. Schema names come
    from our own rows and are quoted; a schema without the table yet is skipped."""
    schemas = sorted({tenant.schema_name for tenant in tenants})
    if not schemas:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'accounts_user' AND table_schema = ANY(%s)",
            [schemas],
        )
        present = sorted(row[0] for row in cursor.fetchall())
        if not present:
            return {}
        quote = connection.ops.quote_name
        parts = [
            f"SELECT %s, count(*) FILTER (WHERE is_active), max(last_login) "  # noqa: S608
            f"FROM {quote(schema)}.accounts_user"
            for schema in present
        ]
        cursor.execute(" UNION ALL ".join(parts), present)
        return {
            schema: WorkspaceUsage(users=users, last_activity=last)
            for schema, users, last in cursor.fetchall()
        }
