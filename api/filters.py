"""Filtering conventions: every list takes `?updated_since=` (ISO 8601) for sync."""

from __future__ import annotations

import datetime

import django_filters
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError


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
    updated_since = UtcIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label="Only objects changed at or after this time (ISO 8601).",
    )


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, but a filter parameter that is empty, repeated or (for yes/no
    filters) not `true`/`false` is a 400 instead of being silently ignored."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        errors: dict[str, list[str]] = {}
        for name, filter_ in filterset.filters.items():
            values = request.query_params.getlist(name)
            if not values:
                continue
            if len(values) > 1:
                errors[name] = [_("Give this parameter once.")]
            elif values[0] == "":
                errors[name] = [_("Must not be empty; leave the parameter out instead.")]
            elif isinstance(filter_, django_filters.BooleanFilter) and values[0].lower() not in (
                "true",
                "false",
            ):
                errors[name] = [_("Must be true or false.")]
        if errors:
            raise ValidationError(errors)
        return filterset
