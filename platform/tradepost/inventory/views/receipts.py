"""Receipt pages: the list, entering one (on a phone, with the scan box), changing a
draft (the same form, filled in), its page with the steps "Receive" and "Cancel"."""

from __future__ import annotations

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
from tradepost.inventory import receipts as services
from tradepost.inventory.filters import ReceiptListFilter
from tradepost.inventory.models import Receipt
from tradepost.principals import Actor
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import list_page
from tradepost.workspace.steps import Step, step_view

ROWS_PER_PAGE = 50


def receipt_get(actor: Actor, receipt_id: int) -> Receipt:
    return get_object_or_404(
        Receipt.objects.select_related("supplier", "location", "created_by"), pk=receipt_id
    )


@login_required
@permission_required("inventory.view_receipt", raise_exception=True)
def receipt_list(request: HttpRequest) -> HttpResponse:
    rows = Receipt.objects.select_related("supplier", "location").order_by("-created_at", "-pk")
    context = list_page(request, rows, ReceiptListFilter, per_page=ROWS_PER_PAGE)
    return render(request, "inventory/receipts/list.html", context)


@login_required
@permission_required("inventory.add_receipt", raise_exception=True)
@require_http_methods(["GET", "POST"])
def receipt_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = forms.ReceiptForm(data)
    formset = forms.line_formset("receipt", data)
    if data is not None and form.is_valid() & formset.is_valid():
        fields = form.cleaned_data
        receipt = service_call(
            form,
            lambda: services.receipt_create(
                actor=request.user,
                location=fields["location"],
                supplier=fields.get("supplier"),
                supplier_reference=fields.get("supplier_reference", ""),
                notes=fields.get("notes", ""),
                lines=formset.line_items(),
            ),
            formset=formset,
        ).result
        if receipt is not None:
            messages.success(
                request,
                _("Receipt %(number)s saved. Receive it when the goods are checked in.")
                % {"number": receipt.number},
            )
            return redirect("inventory:receipt", receipt_id=receipt.pk)
    status = 400 if data is not None else 200
    context = {"form": form, "formset": formset}
    return render(request, "inventory/receipts/form.html", context, status=status)


@login_required
@permission_required("inventory.change_receipt", raise_exception=True)
@require_http_methods(["GET", "POST"])
def receipt_edit(request: HttpRequest, receipt_id: int) -> HttpResponse:
    """A draft's header and lines, changed before it is received (the service refuses
    a receipt past draft; the page then says so on the receipt)."""
    receipt = receipt_get(request.user, receipt_id)
    if not services.LIFECYCLE.allows("edit", request.user, receipt):
        refusal = services.LIFECYCLE.status_refusal(receipt, services.LIFECYCLE["edit"].verb)
        if request.method == "GET":
            messages.error(request, " ".join(refusal.messages))
            return redirect("inventory:receipt", receipt_id=receipt.pk)
        context = _detail_context(request, receipt, step_errors=refusal.messages)
        return render(request, "inventory/receipts/detail.html", context, status=400)
    data = request.POST if request.method == "POST" else None
    form = forms.ReceiptForm(data, receipt=receipt, initial=forms.receipt_initial(receipt))
    formset = forms.line_formset(
        "receipt",
        data,
        initial=forms.receipt_line_initial(receipt.lines.select_related("product")),
    )
    if data is not None and form.is_valid() & formset.is_valid():
        fields = form.cleaned_data
        done = service_call(
            form,
            lambda: services.receipt_update(
                actor=request.user,
                receipt=receipt,
                location=fields["location"],
                supplier=fields.get("supplier"),
                supplier_reference=fields.get("supplier_reference", ""),
                notes=fields.get("notes", ""),
                lines=formset.line_items(),
            ),
            formset=formset,
        )
        if done:
            messages.success(request, _("Changes saved."))
            return redirect("inventory:receipt", receipt_id=receipt.pk)
    status = 400 if data is not None else 200
    context = {"form": form, "formset": formset, "receipt": receipt}
    return render(request, "inventory/receipts/form.html", context, status=status)


def _detail_context(request: HttpRequest, receipt: Receipt, **extra) -> dict:
    return {
        "receipt": receipt,
        "lines": list(receipt.lines.select_related("product")),
        "can": services.LIFECYCLE.buttons(request.user, receipt),
        "history": audit_history(receipt),
        "show_cost": request.user.has_perm("inventory.view_stock_cost"),
        **extra,
    }


@login_required
@permission_required("inventory.view_receipt", raise_exception=True)
def receipt_detail(request: HttpRequest, receipt_id: int) -> HttpResponse:
    receipt = receipt_get(request.user, receipt_id)
    return render(request, "inventory/receipts/detail.html", _detail_context(request, receipt))


def _step_failed(
    request: HttpRequest, receipt: Receipt, step: str, exc: ValidationError
) -> HttpResponse:
    context = _detail_context(request, receipt, step_errors=exc.messages)
    return render(request, "inventory/receipts/detail.html", context, status=400)


receipt_step = step_view(
    permission="inventory.view_receipt",
    get=receipt_get,
    steps={
        "receive": Step(
            lambda request, receipt: services.receipt_receive(actor=request.user, receipt=receipt),
            done=gettext_lazy("Goods received: the stock is updated."),
        ),
        "cancel": Step(
            lambda request, receipt: services.receipt_cancel(actor=request.user, receipt=receipt),
            done=gettext_lazy("Receipt cancelled."),
        ),
    },
    page=lambda receipt: reverse("inventory:receipt", args=[receipt.pk]),
    failed=_step_failed,
)

urlpatterns = [
    path("receipts/", receipt_list, name="receipts"),
    path("receipts/new/", receipt_create, name="receipt_create"),
    path("receipts/<int:receipt_id>/", receipt_detail, name="receipt"),
    path("receipts/<int:receipt_id>/edit/", receipt_edit, name="receipt_edit"),
    path("receipts/<int:receipt_id>/<slug:step>/", receipt_step, name="receipt_step"),
]
