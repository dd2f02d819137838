"""Profitability (`/finance/profitability/`): revenue, cost of goods, rebates, expenses
and what is left, by branch, salesperson or product line over a period, with a totals
row, quick periods (this month, quarter, year) and the same table as CSV or Excel
(`?format=csv|xlsx`). The figures and who sees which are `settlement.profitability`'s;
a bad period or breakdown is the page again with the error (400)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tradepost.dataio import files
from tradepost.lifecycle import permitted
from tradepost.settlement import profitability
from tradepost.settlement.filters import ProfitabilityForm
from tradepost.workspace.forms import add_service_errors

QUICK_PERIODS = (
    ("month", gettext_lazy("This month"), profitability.month_of),
    ("quarter", gettext_lazy("This quarter"), profitability.quarter_of),
    ("year", gettext_lazy("This year"), profitability.year_of),
)


def _download(report: profitability.Report, fmt: str) -> HttpResponse:
    name = profitability.export_name(report, fmt)
    if fmt == files.CSV:
        response = StreamingHttpResponse(
            profitability.export_csv(report), content_type=files.CONTENT_TYPES[fmt]
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response  # type: ignore[return-value]
    return FileResponse(  # type: ignore[return-value]
        profitability.export_xlsx(report),
        as_attachment=True,
        filename=name,
        content_type=files.CONTENT_TYPES[fmt],
    )


@login_required
@require_GET
def profitability_report(request: HttpRequest) -> HttpResponse:
    """The report of the period asked (default this month) by `by` (default branch)."""
    if not permitted(request.user, profitability.PROFITABILITY):
        raise PermissionDenied
    form = ProfitabilityForm(request.GET)
    report = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = profitability.profitability(
                request.user, start=data["start"], end=data["end"], by=data["by"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if report is not None and form.cleaned_data.get("format"):
        return _download(report, form.cleaned_data["format"])
    today = timezone.localdate()
    by = form.cleaned_data.get("by") if report is not None else profitability.BRANCH
    shown = {"start": report.start, "end": report.end} if report is not None else {}
    quick = []
    for key, label, period in QUICK_PERIODS:
        start, end = period(today)
        quick.append(
            {
                "key": key,
                "label": label,
                "query": urlencode({"start": start, "end": end, "by": by}),
                "current": shown == {"start": start, "end": end},
            }
        )
    lines = []
    if report is not None:
        for row in [*report.rows, report.totals]:
            figures = row.figures()
            cells = [
                (name, profitability.FIGURE_LABELS[name], figures[name]) for name in report.columns
            ]
            lines.append({"row": row, "cells": cells})
    query = urlencode({"start": report.start, "end": report.end}) if report is not None else ""
    if report is not None:  # the fields show the period shown
        form = ProfitabilityForm(initial={"start": report.start, "end": report.end, "by": by})
    context = {
        "form": form,
        "report": report,
        "by": by,
        "dimensions": list(profitability.DIMENSIONS.items()),
        "quick": quick,
        "query": query,
        "lines": lines[:-1],
        "total": lines[-1] if lines else None,
        "columns": [
            (name, profitability.FIGURE_LABELS[name])
            for name in (report.columns if report is not None else ())
        ],
    }
    return render(request, "settlement/profitability.html", context, status=200 if report else 400)


urlpatterns = [
    path("profitability/", profitability_report, name="profitability"),
]
