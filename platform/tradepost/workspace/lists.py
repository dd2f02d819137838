"""The plumbing of every list page: the resource's FilterSet applied to the rows,
paging, and the query string the page links (and saved filters) keep.

A list view reads like this:

    rows, filterset = filter_rows(request, selectors.order_list(request.user), OrderFilter)
    page = page_of(request, rows)
    context = {"page": page, "query": query_without_page(request), ...}

and its template ends the table with `{% include "includes/pagination.html" %}`, which
keeps `query` in the previous/next links.
"""

from __future__ import annotations

from urllib.parse import urlencode

import django_filters
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict

ROWS_PER_PAGE = 50


def page_of(request: HttpRequest, rows, per_page: int = ROWS_PER_PAGE) -> Page:
    """The page `?page=` asks for; a number out of range or not a number gives the
    last or the first page, never an error."""
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The page's filter as a query string, without `page` and empty values: what the
    page links and a saved filter keep."""
    return urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])


def query_id(request: HttpRequest, name: str) -> int | None:
    """`?<name>=` as an id (digits only, fewer than 10), or None: for a link that
    preselects something (`?customer=12`). Whether the caller may see it is the
    caller's check."""
    value = request.GET.get(name, "")
    if value.isascii() and value.isdigit() and len(value) < 10:
        return int(value)
    return None


def filter_rows(
    request: HttpRequest, rows: QuerySet, filterset_class: type[django_filters.FilterSet]
) -> tuple[QuerySet, django_filters.FilterSet]:
    """`rows` filtered by `filterset_class` (the resource's FilterSet, the one its API
    list uses) with the page's query string. A value the FilterSet refuses is left
    out, as an empty one is: the page shows the list instead of an error (the API
    answers 400). Returns the rows and the bound FilterSet (its `form.cleaned_data`
    holds the values that applied)."""
    data = QueryDict(mutable=True)
    for name in filterset_class.base_filters:
        value = request.GET.get(name, "")
        if value:
            data[name] = value
    filterset = filterset_class(data, queryset=rows, request=request)
    try:
        return filterset.qs, filterset
    except ValidationError:
        return rows, filterset
