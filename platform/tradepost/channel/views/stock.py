"""Sales pages: the dealers' stock reports (社会库存) — the latest report per dealer and
product, and a form to report. A dealer user sees and reports only its own stock.
Thin: parse, authorise, call `channel.stock`, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tradepost.channel import stock
from tradepost.channel.filters import DealerStockReportListFilter
from tradepost.channel.forms import StockReportForm
from tradepost.pricing.lines import decimal_text
from tradepost.workspace.forms import add_service_errors
from tradepost.workspace.lists import list_page


@login_required
@permission_required("channel.view_dealerstockreport", raise_exception=True)
@require_http_methods(["GET", "POST"])
def stock_reports(request: HttpRequest) -> HttpResponse:
    can_add = request.user.has_perm("channel.add_dealerstockreport")
    form = StockReportForm(request.POST or None, actor=request.user) if can_add else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                report = stock.stock_report_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                message = (
                    _("Stock saved: %(quantity)s of %(sku)s on %(day)s.")
                    if report.replaced_quantity is None  # type: ignore[attr-defined]
                    else _("Stock replaced: %(quantity)s of %(sku)s on %(day)s.")
                )
                messages.success(
                    request,
                    message
                    % {
                        "quantity": decimal_text(report.quantity),
                        "sku": report.product.sku,
                        "day": report.as_of.isoformat(),
                    },
                )
                return redirect("sales:stock_reports")
    context = list_page(
        request, stock.latest_stock_reports(request.user), DealerStockReportListFilter
    )
    context.update(
        form=form,
        can_add=can_add,
        has_dealers=bool(form is not None and form.fields["dealer"].queryset.exists()),  # type: ignore[attr-defined]
    )
    status = 400 if form is not None and form.errors else 200
    return render(request, "channel/stock/list.html", context, status=status)


urlpatterns = [
    path("stock-reports/", stock_reports, name="stock_reports"),
]
