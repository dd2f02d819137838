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
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tradepost.reports import customer_value, exports, rollup, sales_views
from tradepost.reports.forms import (
    CustomerValueSettingsForm,
    StockMonthlyForm,
    default_month,
    parse_month,
)
from tradepost.reports.models import FIGURES, CustomerValueSettings
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


CUSTOMER_VALUE = "reports.view_customervalue"
CUSTOMER_VALUE_SETTINGS = "reports.change_customervaluesettings"
CUSTOMER_VALUE_VIEWS = [
    ("top", pgettext_lazy("customer value", "TOP-N")),
    ("churn", pgettext_lazy("customer value", "Churn warnings")),
    ("all", pgettext_lazy("customer value", "All customers")),
]
CUSTOMER_VALUE_SORTS = [
    ("value", pgettext_lazy("customer value", "Lifetime value")),
    ("last_order", pgettext_lazy("customer value", "Last order")),
    ("referral", pgettext_lazy("customer value", "Referral value")),
]


def _customer_value_page(request: HttpRequest, form=None, status: int = 200) -> HttpResponse:
    """`/reports/customer-value/?view=top|churn|all&sort=value|last_order|referral`: the
    customers the user sees with their value figures (`reports.customer_value`), paged;
    `?format=csv` gives every row of the view as a file."""
    view = request.GET.get("view", "top")
    sort = request.GET.get("sort", "value")
    fmt = request.GET.get("format", "")
    settings = CustomerValueSettings.current()
    if (
        view not in customer_value.VIEWS
        or sort not in customer_value.SORTS
        or fmt not in ("", "csv")
    ):
        return render(
            request,
            "reports/customer_value.html",
            {
                "error": _("Choose one of the report's lines, sorts and files."),
                "views": CUSTOMER_VALUE_VIEWS,
            },
            status=400,
        )
    rows = customer_value.customer_value_list(
        request.user, today=timezone.localdate(), view=view, sort=sort, settings=settings
    )
    if fmt == "csv":
        response = HttpResponse(
            exports.customer_value_csv(rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True,
            filename=f"customer-value-{view}-{timezone.localdate():%Y-%m-%d}.csv",
        )
        return response
    context = {
        "view": view,
        "sort": sort,
        "views": CUSTOMER_VALUE_VIEWS,
        "sorts": CUSTOMER_VALUE_SORTS,
        "page": page_of(request, rows, ROWS_PER_PAGE),
        "query": query_without_page(request),
        "settings": settings,
        "settings_form": form or CustomerValueSettingsForm(instance=settings),
        "may_configure": request.user.has_perm(CUSTOMER_VALUE_SETTINGS),
    }
    return render(request, "reports/customer_value.html", context, status=status)


@login_required
@permission_required(CUSTOMER_VALUE, raise_exception=True)
@require_GET
def customer_value_report(request: HttpRequest) -> HttpResponse:
    return _customer_value_page(request)


@login_required
@permission_required(CUSTOMER_VALUE_SETTINGS, raise_exception=True)
@require_POST
def customer_value_settings(request: HttpRequest) -> HttpResponse:
    """Administrators set N (TOP-N) and k (churn factor) of this workspace."""
    form = CustomerValueSettingsForm(request.POST, instance=CustomerValueSettings.current())
    if not form.is_valid():
        return _customer_value_page(request, form=form, status=400)
    form.save()
    messages.success(request, _("Customer value settings saved."))
    return redirect("reports:customer_value")


urlpatterns = [
    path("sales/", sales_views.sales_drilldown_page, name="sales_drilldown"),
    path("sales/documents/", sales_views.sales_documents_page, name="sales_documents"),
    path("sales/rebuild/", sales_views.sales_rollup_rebuild_view, name="sales_rebuild"),
    path("customer-value/", customer_value_report, name="customer_value"),
    path("customer-value/settings/", customer_value_settings, name="customer_value_settings"),
    path("stock-monthly/", stock_monthly, name="stock_monthly"),
    path("stock-monthly/rebuild/", stock_monthly_rebuild, name="stock_monthly_rebuild"),
]
