"""FilterSet building blocks shared by a resource's list page and its API list.

A resource has ONE django-filter FilterSet (`<app>/filters.py`): the API viewset names
it as `filterset_class`, and the list page filters with it through
`tradepost.workspace.lists.filter_rows`. The API refuses a bad value (400, see
`api.filters.StrictFilterBackend`); the page leaves it out and shows the list.
"""

from __future__ import annotations

import datetime

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601 date-time, compared in UTC: any offset Python accepts works, even ones
    PostgreSQL's literals do not (beyond ±15:59)."""

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(datetime.UTC)
            except OverflowError as exc:
                raise ValidationError({self.field_name: [_("Date out of range.")]}) from exc
        return super().filter(qs, value)


class UpdatedSinceFilterSet(django_filters.FilterSet):
    """Every list takes `?updated_since=` (ISO 8601) for sync."""

    updated_since = UtcIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label="Only objects changed at or after this time (ISO 8601).",
    )
