"""The plumbing of every list page: the resource's FilterSet applied to the rows,
paging, and the query string the page links (and saved filters) keep.

A list view reads like this:

    context = list_page(request, selectors.order_list(request.user), OrderListFilter)
    return render(request, "sales/orders/list.html", context)

where `OrderListFilter` (in `sales/filters.py`) is the API's `OrderFilter` plus the
page's own filters (search box, "only mine", see `workspace.filters`) and names in
`shown` the filters the page draws. The template draws the filter panel with
`{% include "includes/filter_form.html" with clear_url=... %}` and ends the table with
`{% include "includes/pagination.html" %}`, which keeps `query` in the previous/next
links. Filters the panel does not draw (`?customer=12` from a customer's page) still
apply, and the panel keeps them as hidden fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import django_filters
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.forms import BoundField
from django.http import HttpRequest, QueryDict

from tradepost.workspace.saved_filters import saved_filters_for

ROWS_PER_PAGE = 50
# The page sizes a list offers (`?per_page=`), besides its own default.
PAGE_SIZES = (25, 50, 100)


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
    return _filtered(request.GET, request, rows, filterset_class)


def filter_query(
    query: Mapping[str, Any],
    actor: Any,
    rows: QuerySet,
    filterset_class: type[django_filters.FilterSet],
) -> QuerySet:
    """`filter_rows` for work done outside the page's request (its export, a background
    job): `query` is the page's query string as a mapping, `actor` whose scope the
    FilterSet's choices follow."""
    return _filtered(query, SimpleNamespace(user=actor), rows, filterset_class)[0]


def _filtered(
    query: Mapping[str, Any], request: Any, rows: QuerySet, filterset_class
) -> tuple[QuerySet, django_filters.FilterSet]:
    data = QueryDict(mutable=True)
    for name in filterset_class.base_filters:
        value = query.get(name, "")
        if value:
            data[name] = value
    filterset = filterset_class(data, queryset=rows, request=request)
    try:
        return filterset.qs, filterset
    except ValidationError:
        return rows, filterset


def list_page(
    request: HttpRequest,
    rows: QuerySet,
    filterset_class: type[django_filters.FilterSet],
    *,
    per_page: int = ROWS_PER_PAGE,
    saved_filters: str | None = None,
) -> dict:
    """What every list template needs: `page` (the rows of this page, filtered by
    `filterset_class`; `?per_page=` picks 25, 50, 100 or the list's own `per_page`),
    `query` (the filter as a query string, for paging links and saved filters),
    `page_sizes` (the page-size choices), `filtered`, `filters` (the bound FilterSet),
    and the panel's
    `filter_fields` (the bound form fields the FilterSet's `shown` names, in that order)
    and `hidden_filters` (the other filters that have a value). With `saved_filters`
    (the list's key in `workspace.saved_filters`), the panel also offers the user's
    saved filters of this list (`saved_filters`, `saved_list`) and a "Save filter" box."""
    rows, filterset = filter_rows(request, rows, filterset_class)
    query = query_without_page(request)
    chosen = request.GET.get("per_page", "")
    sizes = sorted({per_page, *PAGE_SIZES})
    if chosen.isdigit() and int(chosen) in sizes:
        per_page = int(chosen)
    else:
        chosen = ""
    without_size = urlencode(
        [(k, v) for k, v in request.GET.items() if k not in ("page", "per_page") and v]
    )
    form = filterset.form
    # `shown` may be narrowed per caller by the FilterSet's __init__.
    shown: tuple[str, ...] = getattr(filterset, "shown", tuple(form.fields))
    hidden: list[BoundField] = [
        form[name] for name in form.fields if name not in shown and form[name].value()
    ]
    context = {
        "page": page_of(request, rows, per_page),
        "query": query,
        "per_page_param": chosen,
        "page_sizes": [
            {
                "size": size,
                "current": size == per_page,
                "query": "&".join(filter(None, [without_size, f"per_page={size}"])),
            }
            for size in sizes
        ],
        "filtered": bool(without_size),
        "filters": filterset,
        "filter_form": form,
        "filter_fields": [form[name] for name in shown],
        "hidden_filters": hidden,
    }
    if saved_filters is not None:
        context["saved_list"] = saved_filters
        context["saved_filters"] = saved_filters_for(request.user, saved_filters)
    return context
