"""Transfer pages: the list, asking for one (on a phone, with the scan box), its page
with the steps "Ship", "Receive" and "Cancel"."""

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
from tradepost.inventory import transfers as services
from tradepost.inventory.filters import TransferListFilter
from tradepost.inventory.models import Transfer
from tradepost.principals import Actor
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import list_page
from tradepost.workspace.steps import Step, step_view

ROWS_PER_PAGE = 50


def transfer_get(actor: Actor, transfer_id: int) -> Transfer:
    return get_object_or_404(
        Transfer.objects.select_related("source", "destination", "created_by"), pk=transfer_id
    )


@login_required
@permission_required("inventory.view_transfer", raise_exception=True)
def transfer_list(request: HttpRequest) -> HttpResponse:
    rows = Transfer.objects.select_related("source", "destination").order_by("-created_at", "-pk")
    context = list_page(request, rows, TransferListFilter, per_page=ROWS_PER_PAGE)
    return render(request, "inventory/transfers/list.html", context)


@login_required
@permission_required("inventory.add_transfer", raise_exception=True)
@require_http_methods(["GET", "POST"])
def transfer_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = forms.TransferForm(data)
    formset = forms.line_formset("transfer", data)
    if data is not None and form.is_valid() & formset.is_valid():
        fields = form.cleaned_data
        transfer = service_call(
            form,
            lambda: services.transfer_create(
                actor=request.user,
                source=fields["source"],
                destination=fields["destination"],
                notes=fields.get("notes", ""),
                lines=formset.line_items(),
            ),
            formset=formset,
        ).result
        if transfer is not None:
            messages.success(
                request,
                _("Transfer %(number)s requested. Ship it when the goods leave.")
                % {"number": transfer.number},
            )
            return redirect("inventory:transfer", transfer_id=transfer.pk)
    status = 400 if data is not None else 200
    context = {"form": form, "formset": formset}
    return render(request, "inventory/transfers/form.html", context, status=status)


def _detail_context(request: HttpRequest, transfer: Transfer, **extra) -> dict:
    return {
        "transfer": transfer,
        "lines": list(transfer.lines.select_related("product", "lot")),
        "can": services.LIFECYCLE.buttons(request.user, transfer),
        "history": audit_history(transfer),
        **extra,
    }


@login_required
@permission_required("inventory.view_transfer", raise_exception=True)
def transfer_detail(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = transfer_get(request.user, transfer_id)
    return render(request, "inventory/transfers/detail.html", _detail_context(request, transfer))


def _step_failed(
    request: HttpRequest, transfer: Transfer, step: str, exc: ValidationError
) -> HttpResponse:
    context = _detail_context(request, transfer, step_errors=exc.messages)
    return render(request, "inventory/transfers/detail.html", context, status=400)


transfer_step = step_view(
    permission="inventory.view_transfer",
    get=transfer_get,
    steps={
        "ship": Step(
            lambda request, transfer: services.transfer_ship(actor=request.user, transfer=transfer),
            done=gettext_lazy("Transfer shipped: the goods are in transit."),
        ),
        "receive": Step(
            lambda request, transfer: services.transfer_receive(
                actor=request.user, transfer=transfer
            ),
            done=gettext_lazy("Transfer received: the goods are on hand."),
        ),
        "cancel": Step(
            lambda request, transfer: services.transfer_cancel(
                actor=request.user, transfer=transfer
            ),
            done=gettext_lazy("Transfer cancelled."),
        ),
    },
    page=lambda transfer: reverse("inventory:transfer", args=[transfer.pk]),
    failed=_step_failed,
)

urlpatterns = [
    path("transfers/", transfer_list, name="transfers"),
    path("transfers/new/", transfer_create, name="transfer_create"),
    path("transfers/<int:transfer_id>/", transfer_detail, name="transfer"),
    path("transfers/<int:transfer_id>/<slug:step>/", transfer_step, name="transfer_step"),
]
