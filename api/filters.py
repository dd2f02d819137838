"""Filtering conventions of the API: a bad filter value is a 400. The FilterSets
themselves (and their base, `UpdatedSinceFilterSet`: every list takes
`?updated_since=`) live with the resource and in `tradepost.workspace.filters`, since
the list page filters with the same one."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

from tradepost.workspace.filters import UpdatedSinceFilterSet, UtcIsoDateTimeFilter

__all__ = ["StrictFilterBackend", "UpdatedSinceFilterSet", "UtcIsoDateTimeFilter"]


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
