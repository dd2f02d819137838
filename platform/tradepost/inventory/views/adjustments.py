"""Adjustment pages: the list and posting one (a correction with a reason, or a
location's opening stock) — warehouse managers only (`inventory.add_stockadjustment`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tradepost.inventory import adjustments as services
from tradepost.inventory import forms
from tradepost.inventory.filters import StockAdjustmentListFilter
from tradepost.inventory.models import StockAdjustment, StockAdjustmentLine
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import list_page

ROWS_PER_PAGE = 50


@login_required
@permission_required("inventory.view_stockadjustment", raise_exception=True)
def adjustment_list(request: HttpRequest) -> HttpResponse:
    rows = StockAdjustment.objects.select_related("location", "created_by").order_by(
        "-created_at", "-pk"
    )
    context = list_page(request, rows, StockAdjustmentListFilter, per_page=ROWS_PER_PAGE)
    # The page's lines, in one query.
    shown = [adjustment.pk for adjustment in context["page"]]
    lines: dict[int, list[StockAdjustmentLine]] = {}
    for line in StockAdjustmentLine.objects.filter(adjustment_id__in=shown).select_related(
        "product", "lot"
    ):
        lines.setdefault(line.adjustment_id, []).append(line)
    for adjustment in context["page"]:
        adjustment.shown_lines = lines.get(adjustment.pk, [])
    return render(request, "inventory/adjustments/list.html", context)


@login_required
@permission_required("inventory.add_stockadjustment", raise_exception=True)
@require_http_methods(["GET", "POST"])
def adjustment_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = forms.AdjustmentForm(data)
    formset = forms.line_formset("adjustment", data)
    if data is not None and form.is_valid() & formset.is_valid():
        fields = form.cleaned_data
        adjustment = service_call(
            form,
            lambda: services.adjustment_post(
                actor=request.user,
                location=fields["location"],
                reason=fields["reason"],
                opening=fields.get("opening", False),
                lines=formset.line_items(),
            ),
            formset=formset,
        ).result
        if adjustment is not None:
            messages.success(
                request,
                _("Adjustment %(number)s posted to the stock.") % {"number": adjustment.number},
            )
            return redirect("inventory:adjustments")
    status = 400 if data is not None else 200
    context = {"form": form, "formset": formset}
    return render(request, "inventory/adjustments/form.html", context, status=status)


urlpatterns = [
    path("adjustments/", adjustment_list, name="adjustments"),
    path("adjustments/new/", adjustment_create, name="adjustment_create"),
]
