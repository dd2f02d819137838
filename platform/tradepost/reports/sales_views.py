"""The sales drill-down pages.

`/reports/sales/`: choose the measure (sales, gross margin, receivables), what to group
by and the months; filter by the other dimensions. A bar chart of the grouped figures
and a line of the trend by period (Apache ECharts, served from this app's static
files), the table under them; a click on a row filters by it and groups by the next
dimension (breadcrumbs lead back), down to the documents. `?format=csv|xlsx` gives the
grouped rows as a file. Bad input is the page again with the message (400).

`/reports/sales/documents/`: the confirmed orders of a slice, linking to each order.
`/reports/sales/rebuild/` (POST): recompute the rollups from the documents.

The figures and who sees which are `reports.sales_drilldown`'s."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_POST

from tradepost.customers.models import Channel
from tradepost.customers.selectors import (
    branches_visible_to,
    regions_visible_to,
    users_visible_to,
)
from tradepost.dataio import files
from tradepost.masterdata.models import ProductCategory
from tradepost.reports import sales_drilldown as drill
from tradepost.reports.sales_rollup import sales_rollup_rebuild
from tradepost.workspace.lists import page_of

ROWS_PER_PAGE = 50
CHART_ROWS = 15
FIGURE_LABELS: dict[str, Any] = {
    "quantity": gettext_lazy("Quantity"),
    "sales": gettext_lazy("Net sales"),
    "cost": gettext_lazy("Cost of goods"),
    "gross_margin": gettext_lazy("Gross margin"),
    "margin_percent": gettext_lazy("Margin %"),
    "receivables": gettext_lazy("Receivables"),
}


def figure_names(report: drill.Drilldown) -> list[str]:
    """The columns of the measure chosen (cost figures only for who may see them)."""
    if report.query.measure == "receivables":
        return ["receivables"]
    names = ["quantity", "sales"]
    if report.show_cost:
        names += ["cost", "gross_margin", "margin_percent"]
    return names


def chart_measure(report: drill.Drilldown) -> str:
    return {"sales": "sales", "margin": "gross_margin", "receivables": "receivables"}[
        report.query.measure
    ]


def _params(query: drill.DrilldownQuery, **changes: Any) -> list[tuple[str, str]]:
    """The query as URL parameters, with `changes` (None drops one)."""
    values: dict[str, Any] = {
        "measure": query.measure,
        "dimensions": ",".join(query.dimensions),
        "period": query.period,
        "start": f"{query.start:%Y-%m}",
        "end": f"{query.end:%Y-%m}",
    }
    for name, value in query.filters:
        values[name] = drill.NONE if value is None else str(value)
    for name, value in changes.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return [(name, str(value)) for name, value in values.items()]


def _url(name: str, params: list[tuple[str, str]]) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


def _drill_url(query: drill.DrilldownQuery, row: drill.DrillRow) -> str:
    """Where a click on `row` leads: filtered by its keys, grouped by the next
    dimension; the documents when no dimension is left."""
    changes: dict[str, Any] = {}
    last = row.keys[-1].dimension
    for key in row.keys:
        if key.dimension == "period":
            changes["start"] = key.param
            changes["end"] = f"{drill.period_end(query.period, key.value):%Y-%m}"
        else:
            changes[key.dimension] = key.param
    narrowed = drill.DrilldownQuery(
        measure=query.measure,
        dimensions=query.dimensions,
        period=query.period,
        start=query.start,
        end=query.end,
        filters=tuple(
            [*query.filters, *((k.dimension, k.value) for k in row.keys if k.dimension != "period")]
        ),
    )
    following = drill.next_dimension(narrowed, last)
    if following is None or (following == "period" and last == "period"):
        return _url("reports:sales_documents", _params(query, **changes))
    return _url("reports:sales_drilldown", _params(query, dimensions=following, **changes))


def _breadcrumbs(query: drill.DrilldownQuery, labels: dict[str, str]) -> list[dict[str, Any]]:
    """All, then each filter in the order it was applied: each links to the report
    filtered up to it, grouped by the dimension that came after."""
    crumbs: list[dict[str, Any]] = []
    removed = {name: None for name, _value in query.filters}
    first_dimension = query.filters[0][0] if query.filters else query.dimensions[0]
    crumbs.append(
        {
            "label": _("All"),
            "url": _url(
                "reports:sales_drilldown", _params(query, dimensions=first_dimension, **removed)
            ),
        }
    )
    for index, (name, _value) in enumerate(query.filters):
        later = {n: None for n, _v in query.filters[index + 1 :]}
        grouped = query.filters[index + 1][0] if index + 1 < len(query.filters) else None
        crumbs.append(
            {
                "label": f"{drill.DIMENSIONS[name]}: {labels.get(name, '')}",
                "url": _url(
                    "reports:sales_drilldown",
                    _params(query, dimensions=grouped or ",".join(query.dimensions), **later),
                ),
            }
        )
    return crumbs


def _cells(row: drill.DrillRow, names: list[str]) -> list[tuple[str, Any, Any]]:
    return [(name, FIGURE_LABELS[name], getattr(row, name)) for name in names]


def _chart(report: drill.Drilldown) -> dict[str, Any]:
    """What the charts draw: the first rows' figure (bars) and the trend (line)."""
    measure = chart_measure(report)
    rows = report.rows[:CHART_ROWS]
    trend = report.trend
    data: dict[str, Any] = {
        "measure": str(FIGURE_LABELS[measure]),
        "currency": report.currency,
        "labels": [row.label for row in rows],
        "values": [str(getattr(row, measure) or 0) for row in rows],
        "trend": {
            "labels": [row.label for row in trend],
            "series": [
                {"name": str(FIGURE_LABELS["sales"]), "values": [str(r.sales) for r in trend]}
            ],
        },
    }
    if report.show_cost and trend:
        data["trend"]["series"].append(
            {
                "name": str(FIGURE_LABELS["gross_margin"]),
                "values": [str(r.gross_margin) for r in trend],
            }
        )
    return data


def export_headers(report: drill.Drilldown) -> list[str]:
    return [
        *(str(drill.DIMENSIONS[name]) for name in report.query.dimensions),
        *(str(FIGURE_LABELS[name]) for name in figure_names(report)),
        _("Currency"),
    ]


def export_rows(report: drill.Drilldown) -> list[list[Any]]:
    names = figure_names(report)
    rows = [
        [*(key.label for key in row.keys), *(getattr(row, n) for n in names), report.currency]
        for row in report.rows
    ]
    padding = [""] * (len(report.query.dimensions) - 1)
    rows.append(
        [_("Total"), *padding, *(getattr(report.totals, n) for n in names), report.currency]
    )
    return rows


def export_name(report: drill.Drilldown, fmt: str) -> str:
    query = report.query
    by = "-".join(query.dimensions)
    return f"sales-{query.measure}-{by}-{query.start:%Y%m}-{query.end:%Y%m}.{fmt}"


def _download(report: drill.Drilldown, fmt: str) -> HttpResponse:
    name = export_name(report, fmt)
    if fmt == files.CSV:
        response = StreamingHttpResponse(
            files.csv_chunks(export_headers(report), export_rows(report)),
            content_type=files.CONTENT_TYPES[fmt],
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response  # type: ignore[return-value]
    return FileResponse(  # type: ignore[return-value]
        files.xlsx_file(
            export_headers(report),
            export_rows(report),
            title=f"{report.query.start:%Y%m}-{report.query.end:%Y%m}",
        ),
        as_attachment=True,
        filename=name,
        content_type=files.CONTENT_TYPES[fmt],
    )


def _choices(request: HttpRequest) -> dict[str, Any]:
    """The filter boxes' options, each within what the user sees."""
    user = request.user
    measures = [
        (key, label)
        for key, label in drill.MEASURES.items()
        if (key != "margin" or user.has_perm(drill.COST))
        and (key != "receivables" or user.has_perm(drill.RECEIVABLES))
    ]
    return {
        "measures": measures,
        "dimensions": list(drill.DIMENSIONS.items()),
        "periods": list(drill.PERIODS.items()),
        "regions": list(regions_visible_to(user).values_list("pk", "name")),
        "branches": list(branches_visible_to(user).values_list("pk", "name")),
        "salespeople": [
            (u.pk, u.get_full_name() or u.email)
            for u in users_visible_to(user).only("pk", "full_name", "email")
        ],
        "categories": list(ProductCategory.objects.order_by("path").values_list("pk", "name")),
        "channels": list(Channel.choices),
    }


def _error_page(request: HttpRequest, errors: dict[str, list[str]]) -> HttpResponse:
    labels = {
        **drill.DIMENSIONS,
        "measure": _("Measure"),
        "start": pgettext("drill-down months", "From"),
        "end": pgettext("drill-down months", "To"),
    }
    context = {
        "errors": [
            f"{labels.get(name, name)}: {message}"
            for name, found in errors.items()
            for message in found
        ],
        "choices": _choices(request),
        "values": request.GET,
    }
    return render(request, "reports/sales_drilldown.html", context, status=400)


def _query(request: HttpRequest) -> drill.DrilldownQuery | HttpResponse:
    params = request.GET.copy()
    fmt = params.pop("format", [""])[-1]
    params.pop("page", None)
    try:
        query = drill.drilldown_query(params, page=True)
    except ValidationError as exc:
        return _error_page(request, exc.message_dict)
    if fmt not in ("", files.CSV, files.XLSX):
        return _error_page(request, {"format": [_("Choose CSV or Excel.")]})
    return query


@login_required
@permission_required(drill.VIEW, raise_exception=True)
@require_GET
def sales_drilldown_page(request: HttpRequest) -> HttpResponse:
    query = _query(request)
    if isinstance(query, HttpResponse):
        return query
    report = drill.sales_drilldown(request.user, query)  # PermissionDenied: a 403
    fmt = request.GET.get("format", "")
    if fmt:
        return _download(report, fmt)
    names = figure_names(report)
    labels = drill.filter_labels(request.user, query)
    page = page_of(request, report.rows, ROWS_PER_PAGE)
    lines = [
        {
            "row": row,
            "cells": _cells(row, names),
            "drill": _drill_url(query, row),
            "documents": _url(
                "reports:sales_documents",
                _params(
                    query,
                    **{k.dimension: k.param for k in row.keys if k.dimension != "period"},
                    **(
                        {
                            "start": row.keys[-1].param,
                            "end": f"{drill.period_end(query.period, row.keys[-1].value):%Y-%m}",
                        }
                        if row.keys[-1].dimension == "period"
                        else {}
                    ),
                ),
            )
            if query.measure != "receivables"
            else "",
        }
        for row in page
    ]
    context = {
        "report": report,
        "query": query,
        "page": page,
        "lines": lines,
        "total_cells": _cells(report.totals, names),
        "columns": [(name, FIGURE_LABELS[name]) for name in names],
        "by_labels": [drill.DIMENSIONS[name] for name in query.dimensions],
        "crumbs": _breadcrumbs(query, labels),
        "chart": _chart(report),
        "choices": _choices(request),
        "values": dict(_params(query)),
        "page_query": urlencode(_params(query)),
        "documents_url": _url("reports:sales_documents", _params(query))
        if query.measure != "receivables"
        else "",
        "hidden_filters": [
            (name, drill.NONE if value is None else value)
            for name, value in query.filters
            if name in ("customer", "product")
        ],
        "filter_labels": labels,
    }
    return render(request, "reports/sales_drilldown.html", context)


@login_required
@permission_required(drill.VIEW, raise_exception=True)
@require_GET
def sales_documents_page(request: HttpRequest) -> HttpResponse:
    """The confirmed orders of a slice of the drill-down, 50 a page."""
    query = _query(request)
    if isinstance(query, HttpResponse):
        return query
    if query.measure == "receivables":
        query = drill.DrilldownQuery(
            measure="sales",
            dimensions=("region",),
            period=query.period,
            start=query.start,
            end=query.end,
            filters=query.filters,
        )
    orders = drill.sales_documents(request.user, query)
    labels = drill.filter_labels(request.user, query)
    context = {
        "query": query,
        "page": page_of(request, orders, ROWS_PER_PAGE),
        "crumbs": _breadcrumbs(query, labels),
        "back": _url("reports:sales_drilldown", _params(query)),
        "page_query": urlencode(_params(query)),
    }
    return render(request, "reports/sales_documents.html", context)


@login_required
@permission_required("reports.rebuild_salesmonthly", raise_exception=True)
@require_POST
def sales_rollup_rebuild_view(request: HttpRequest) -> HttpResponse:
    """Recompute the sales rollups from the orders, returns and stock moves."""
    rows = sales_rollup_rebuild()
    messages.success(
        request, _("Sales figures rebuilt from the documents: %(rows)d rows.") % {"rows": rows}
    )
    return redirect("reports:sales_drilldown")
