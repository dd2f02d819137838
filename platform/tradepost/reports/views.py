"""The monthly stock report page (`/reports/stock-monthly/`): a month (default last
month), a location, a category and a product search; the rows of the month paged, the
totals of all of them; `?format=csv|xlsx|pdf` gives the same rows as a file. Values
show only to who may see what stock cost (`inventory.view_stock_cost`). `rebuild/`
(POST) recomputes the month from the stock ledger."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tradepost.reports import exports, rollup
from tradepost.reports.forms import StockMonthlyForm, default_month, parse_month
from tradepost.reports.models import FIGURES
from tradepost.reports.selectors import figure_cells, stock_monthly_report
from tradepost.workspace.lists import page_of, query_without_page

ROWS_PER_PAGE = 50
VIEW = "reports.view_stockmonthly"
COST = "inventory.view_stock_cost"
FILES = {
    "csv": ("text/csv; charset=utf-8", exports.stock_monthly_csv),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.stock_monthly_xlsx,
    ),
    "pdf": ("application/pdf", exports.stock_monthly_pdf),
}


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def stock_monthly(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    if not data.get("month"):
        data["month"] = f"{default_month():%Y-%m}"  # the month picker shows the month read
    form = StockMonthlyForm(data)
    show_cost = request.user.has_perm(COST)
    fmt = request.GET.get("format", "")
    if not form.is_valid() or (fmt and fmt not in FILES):
        if fmt and fmt not in FILES:
            form.add_error(None, _("Choose CSV, Excel or PDF."))
        context = {"form": form, "show_cost": show_cost}
        return render(request, "reports/stock_monthly.html", context, status=400)
    chosen = form.report_filter()
    report = stock_monthly_report(chosen)
    if fmt:
        content_type, write = FILES[fmt]
        kwargs = {"show_cost": show_cost}
        if fmt == "pdf" and form.cleaned_data.get("location"):
            kwargs["location"] = form.cleaned_data["location"].name
        response = HttpResponse(write(report, **kwargs), content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=exports.filename(chosen.month, fmt)
        )
        return response
    query = query_without_page(request)
    context = {
        "form": form,
        "month": chosen.month,
        "page": page_of(request, report, ROWS_PER_PAGE),
        "totals": report.totals,
        "total_cells": figure_cells(report.totals),
        "figures": FIGURES,
        "query": query,
        "file_query": urlencode(
            [("month", f"{chosen.month:%Y-%m}")]
            + [(k, v) for k, v in request.GET.items() if k not in ("month", "page", "format") and v]
        ),
        "show_cost": show_cost,
        "filtered": bool(chosen.location_id or chosen.category_id or chosen.search),
        "is_current": chosen.month == rollup.current_month(),
    }
    return render(request, "reports/stock_monthly.html", context)


@login_required
@permission_required("reports.rebuild_stockmonthly", raise_exception=True)
@require_POST
def stock_monthly_rebuild(request: HttpRequest) -> HttpResponse:
    """Recompute a month (and the months after it) from the stock ledger."""
    try:
        month = parse_month(request.POST.get("month", ""))
    except ValidationError as exc:
        form = StockMonthlyForm({})
        form.is_valid()
        form.add_error(None, exc)
        context = {"form": form, "show_cost": request.user.has_perm(COST)}
        return render(request, "reports/stock_monthly.html", context, status=400)
    rows = rollup.stock_monthly_rebuild(month=month)
    messages.success(
        request,
        _("%(month)s rebuilt from the stock ledger: %(rows)d rows.")
        % {"month": f"{month:%Y-%m}", "rows": rows},
    )
    return redirect(f"{reverse('reports:stock_monthly')}?month={month:%Y-%m}")


urlpatterns = [
    path("stock-monthly/", stock_monthly, name="stock_monthly"),
    path("stock-monthly/rebuild/", stock_monthly_rebuild, name="stock_monthly_rebuild"),
]
