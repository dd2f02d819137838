"""FilterSet building blocks shared by a resource's list page and its API list.

A resource has ONE django-filter FilterSet (`<app>/filters.py`): the API viewset names
it as `filterset_class`, and the list page filters with it through
`tradepost.workspace.lists.filter_rows`. The API refuses a bad value (400, see
`api.filters.StrictFilterBackend`); the page leaves it out and shows the list.
"""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


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


# --- Filters only a list page has ----------------------------------------------------
# A list page filters with its resource's FilterSet extended by these (the page's
# `<Resource>ListFilter` in `<app>/filters.py`): the search box, "only mine" and such
# shortcuts that the API spells differently (`?search=`, `?owner=`). The bound
# FilterSet's `form` is what `includes/filter_form.html` draws.

SEARCH_MAX_LENGTH = 100


class _CheckboxField(forms.BooleanField):
    """Ticked or not, never "unknown": an unticked box filters nothing."""


class TextSearchFilter(django_filters.CharFilter):
    """The search box (`?q=`): the text typed, matched case-insensitively in any of
    `fields` (NUL characters dropped, 100 characters at most)."""

    def __init__(self, *fields: str, placeholder: Any = "", **kwargs):
        self.search_fields = fields
        kwargs.setdefault("label", gettext_lazy("Search"))
        kwargs.setdefault("max_length", SEARCH_MAX_LENGTH)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"type": "search", "placeholder": placeholder})
        )
        super().__init__(**kwargs)

    def filter(self, qs, value):
        text = (value or "").replace("\x00", "").strip()
        if not text:
            return qs
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": text})
        return qs.filter(condition)


class CheckboxFilter(django_filters.BooleanFilter):
    """A tick box (`?<name>=1`): ticked filters (with `method`), unticked does nothing."""

    field_class = _CheckboxField

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxInput)
        super().__init__(**kwargs)


class MineFilter(CheckboxFilter):
    """ "Only mine" (`?mine=1`): the rows whose `field_name` (the owner) is the caller."""

    def __init__(self, field_name: str = "owner_id", **kwargs):
        kwargs.setdefault("label", gettext_lazy("Only mine"))
        super().__init__(field_name=field_name, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        user = getattr(self.parent.request, "user", None)
        return qs.filter(**{self.field_name: getattr(user, "pk", None)})


def choice_filter(choices, *, empty_label, **kwargs) -> django_filters.ChoiceFilter:
    """A choice among `choices` whose empty option reads `empty_label` ("Any status")."""
    return django_filters.ChoiceFilter(choices=choices, empty_label=empty_label, **kwargs)


class SortFilter(django_filters.ChoiceFilter):
    """A list's column sort (`?sort=<column>`, `-<column>` for descending), drawn as
    the column headers' links (`{% sort_th %}`, workspace/templatetags/lists.py):
    `columns` maps each column to the model fields it sorts by; the id comes last, so
    pages never overlap. An unknown value is left out, as any bad filter value is."""

    def __init__(self, columns: dict[str, tuple[str, ...]], **kwargs):
        self.columns = columns
        choices = [
            *((name, name) for name in columns),
            *((f"-{name}", f"-{name}") for name in columns),
        ]
        kwargs.setdefault("label", gettext_lazy("Sort by"))
        super().__init__(choices=choices, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        descending = value.startswith("-")
        fields = self.columns[value.removeprefix("-")]
        sign = "-" if descending else ""
        return qs.order_by(*(f"{sign}{field}" for field in fields), f"{sign}pk")
