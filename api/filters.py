"""Filtering conventions: every list takes `?updated_since=` (ISO 8601) for sync."""

from __future__ import annotations

import django_filters


class UpdatedSinceFilterSet(django_filters.FilterSet):
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label="Only objects changed at or after this time (ISO 8601).",
    )
