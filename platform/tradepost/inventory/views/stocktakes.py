"""Stocktake pages: the list, starting a count of a location, and its count sheet:
counts entered per line (a scanner adds one per scan; a product the sheet did not list
is added below it as found), saved, then posted with a reason; or cancelled."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tradepost.audit.selectors import audit_history
from tradepost.inventory import forms
from tradepost.inventory import stocktakes as services
from tradepost.inventory.filters import StocktakeListFilter
from tradepost.inventory.models import Stocktake
from tradepost.pricing.lines import decimal_text
from tradepost.principals import Actor
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import list_page
from tradepost.workspace.steps import Step, step_view

ROWS_PER_PAGE = 50


def stocktake_get(actor: Actor, stocktake_id: int) -> Stocktake:
    return get_object_or_404(
        Stocktake.objects.select_related("location", "created_by"), pk=stocktake_id
    )


@login_required
@permission_required("inventory.view_stocktake", raise_exception=True)
def stocktake_list(request: HttpRequest) -> HttpResponse:
    rows = Stocktake.objects.select_related("location").order_by("-created_at", "-pk")
    context = list_page(request, rows, StocktakeListFilter, per_page=ROWS_PER_PAGE)
    return render(request, "inventory/stocktakes/list.html", context)


@login_required
@permission_required("inventory.add_stocktake", raise_exception=True)
@require_http_methods(["GET", "POST"])
def stocktake_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = forms.StocktakeForm(data)
    if data is not None and form.is_valid():
        fields = form.cleaned_data
        stocktake = service_call(
            form,
            lambda: services.stocktake_create(
                actor=request.user, location=fields["location"], reason=fields.get("reason", "")
            ),
        ).result
        if stocktake is not None:
            messages.success(
                request,
                _("Count sheet %(number)s started. Enter what is on the shelves.")
                % {"number": stocktake.number},
            )
            return redirect("inventory:stocktake", stocktake_id=stocktake.pk)
    status = 400 if data is not None else 200
    return render(request, "inventory/stocktakes/form.html", {"form": form}, status=status)


def _lines(stocktake: Stocktake, posted=None) -> list[Any]:
    """The sheet's lines with what their count box shows: what was just typed when a
    save failed, else the saved count."""
    lines: list[Any] = list(stocktake.lines.select_related("product", "lot"))
    for line in lines:
        codes = [line.product.sku, line.product.barcode]
        line.codes = " ".join(code for code in codes if code and " " not in code)
        line.label = forms.count_label(line)
        line.difference = None if line.counted is None else line.counted - line.expected
        line.entered = (
            posted.get(f"count-{line.pk}", "")
            if posted is not None
            else ("" if line.counted is None else decimal_text(line.counted))
        )
    return lines


def _detail_context(request: HttpRequest, stocktake: Stocktake, **extra) -> dict:
    can = services.LIFECYCLE.buttons(request.user, stocktake)
    posted = extra.pop("posted_data", None)
    found = None
    if can["count"]:
        bound = posted is not None and "found-TOTAL_FORMS" in posted
        found = forms.found_formset(posted if bound else None)
        if bound:
            found.is_valid()  # its rows show their errors again
    return {
        "stocktake": stocktake,
        "lines": _lines(stocktake, posted),
        "found_formset": found,
        "can": can,
        "history": audit_history(stocktake),
        **extra,
    }


@login_required
@permission_required("inventory.view_stocktake", raise_exception=True)
def stocktake_detail(request: HttpRequest, stocktake_id: int) -> HttpResponse:
    stocktake = stocktake_get(request.user, stocktake_id)
    return render(request, "inventory/stocktakes/detail.html", _detail_context(request, stocktake))


def _count(request: HttpRequest, stocktake: Stocktake) -> Stocktake:
    """The sheet's `count-<line id>` fields (a blank one is left as it was) and the
    products found that it did not list (`found-<n>-…`, blank rows ignored)."""
    lines = list(stocktake.lines.select_related("product", "lot"))
    values = forms.line_quantities(
        request.POST, [(line.pk, forms.count_label(line)) for line in lines], prefix="count"
    )
    counts = {pk: value for pk, value in values.items() if value is not None}
    found: list[services.FoundCount] = []
    if "found-TOTAL_FORMS" in request.POST:
        formset = forms.found_formset(request.POST)
        if not formset.is_valid():
            raise ValidationError({"found": formset.messages()})
        found = formset.found_items()
    return services.stocktake_count(
        actor=request.user, stocktake=stocktake, counts=counts, add=found
    )


def _step_failed(
    request: HttpRequest, stocktake: Stocktake, step: str, exc: ValidationError
) -> HttpResponse:
    # A refused save keeps what was typed; a refused post shows the saved counts.
    typed = request.POST if step == "count" else None
    context = _detail_context(request, stocktake, step_errors=exc.messages, posted_data=typed)
    return render(request, "inventory/stocktakes/detail.html", context, status=400)


stocktake_step = step_view(
    permission="inventory.view_stocktake",
    get=stocktake_get,
    steps={
        "count": Step(_count, done=gettext_lazy("Counts saved.")),
        "post": Step(
            lambda request, stocktake: services.stocktake_post(
                actor=request.user,
                stocktake=stocktake,
                reason=request.POST.get("reason", "").strip(),
            ),
            done=gettext_lazy("Stocktake posted: the differences are in the stock."),
        ),
        "cancel": Step(
            lambda request, stocktake: services.stocktake_cancel(
                actor=request.user, stocktake=stocktake
            ),
            done=gettext_lazy("Stocktake cancelled."),
        ),
    },
    page=lambda stocktake: reverse("inventory:stocktake", args=[stocktake.pk]),
    failed=_step_failed,
)

urlpatterns = [
    path("stocktakes/", stocktake_list, name="stocktakes"),
    path("stocktakes/new/", stocktake_create, name="stocktake_create"),
    path("stocktakes/<int:stocktake_id>/", stocktake_detail, name="stocktake"),
    path("stocktakes/<int:stocktake_id>/<slug:step>/", stocktake_step, name="stocktake_step"),
]
