"""Dealer pages: master agreements (the list, drawing one up, its usage per line and
the orders placed under it, activation and closing).

Thin: parse a form, call a service of `channel.agreements`, render. Every agreement is
looked up through the actor's customer scope; an id outside the scope is a 404.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tradepost.channel import agreements as agreement_services
from tradepost.channel.agreements import quantity_text
from tradepost.channel.filters import AgreementListFilter
from tradepost.channel.forms import (
    AgreementForm,
    AgreementLineFormSet,
    bound_rows,
)
from tradepost.channel.models import Agreement
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import list_page, page_of
from tradepost.workspace.steps import Step, step_view


# --- Agreements ----------------------------------------------------------------------
@login_required
@permission_required("channel.view_agreement", raise_exception=True)
def agreement_list(request: HttpRequest) -> HttpResponse:
    context = list_page(
        request,
        agreement_services.agreement_list(request.user),
        AgreementListFilter,
        saved_filters="agreements",
    )
    return render(request, "channel/agreements/agreements.html", context)


def _agreement_lines_initial(agreement: Agreement) -> list[dict]:
    return [
        {
            "product": line.product_id,
            "unit_price": line.unit_price,
            "max_quantity": quantity_text(line.max_quantity) if line.max_quantity else None,
        }
        for line in agreement.lines.all()
    ]


@login_required
@permission_required("channel.add_agreement", raise_exception=True)
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    initial = {}
    customer_id = request.GET.get("customer", "")
    if customer_id.isascii() and customer_id.isdigit() and len(customer_id) < 10:
        initial["customer"] = int(customer_id)
    form = AgreementForm(data, actor=request.user, initial=initial)
    formset = bound_rows(AgreementLineFormSet, data)
    if data is not None and form.is_valid() & formset.is_valid():
        fields = form.cleaned_data
        agreement = service_call(
            form,
            lambda: agreement_services.agreement_create(
                actor=request.user,
                customer=fields["customer"],
                name=fields["name"],
                currency=fields.get("currency") or None,
                starts_on=fields["starts_on"],
                ends_on=fields["ends_on"],
                notes=fields.get("notes", ""),
                lines=formset.line_items(),
            ),
            formset=formset,
        ).result
        if agreement is not None:
            messages.success(
                request,
                _("Agreement %(number)s saved as a draft. Activate it to take orders.")
                % {"number": agreement.number},
            )
            return redirect("sales:agreement", agreement_id=agreement.pk)
    context = {"form": form, "formset": formset, "agreement": None}
    return render(
        request,
        "channel/agreements/agreement_form.html",
        context,
        status=400 if data is not None else 200,
    )


@login_required
@permission_required("channel.change_agreement", raise_exception=True)
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = agreement_services.agreement_get(request.user, agreement_id)
    if not agreement_services.LIFECYCLE.allows("edit", request.user, agreement):
        messages.error(request, _("A closed agreement does not change."))
        return redirect("sales:agreement", agreement_id=agreement.pk)
    draft = agreement.status == Agreement.Status.DRAFT
    data = request.POST if request.method == "POST" else None
    initial = {
        name: getattr(agreement, name)
        for name in ("name", "currency", "starts_on", "ends_on", "notes")
    }
    form = AgreementForm(data, actor=request.user, agreement=agreement, initial=initial)
    formset = (
        bound_rows(AgreementLineFormSet, data, initial=_agreement_lines_initial(agreement))
        if draft
        else None
    )
    if data is not None and form.is_valid() & (formset is None or formset.is_valid()):
        changes = dict(form.cleaned_data)
        if formset is not None:
            changes["lines"] = formset.line_items()
        updated = service_call(
            form,
            lambda: agreement_services.agreement_update(
                actor=request.user, agreement=agreement, **changes
            ),
            formset=formset,
        ).result
        if updated is not None:
            messages.success(request, _("Changes saved."))
            return redirect("sales:agreement", agreement_id=agreement.pk)
    context = {"form": form, "formset": formset, "agreement": agreement}
    return render(
        request,
        "channel/agreements/agreement_form.html",
        context,
        status=400 if data is not None else 200,
    )


def _agreement_context(request: HttpRequest, agreement: Agreement, **extra) -> dict:
    user = request.user
    lines = list(agreement.lines.all())
    usage = []
    for line in lines:
        remaining = agreement_services.line_remaining(line)
        usage.append(
            {
                "line": line,
                "cap": quantity_text(line.max_quantity) if line.max_quantity else None,
                "ordered": quantity_text(line.ordered),  # type: ignore[attr-defined]
                "remaining": None if remaining is None else quantity_text(remaining),
                "percent": min(line.ordered * 100 / line.max_quantity, Decimal("100"))  # type: ignore[attr-defined]
                if line.max_quantity
                else None,
            }
        )
    orders = agreement_services.agreement_orders(agreement)
    page = page_of(request, orders)
    return {
        "agreement": agreement,
        "usage": usage,
        "page": page,
        "query": "",
        "can": agreement_services.LIFECYCLE.buttons(user, agreement),
        **extra,
    }


@login_required
@permission_required("channel.view_agreement", raise_exception=True)
def agreement_detail(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = agreement_services.agreement_get(request.user, agreement_id)
    return render(
        request, "channel/agreements/agreement.html", _agreement_context(request, agreement)
    )


def _agreement_step_failed(
    request: HttpRequest, agreement: Agreement, step: str, exc: ValidationError
) -> HttpResponse:
    context = _agreement_context(request, agreement, step_errors=exc.messages)
    return render(request, "channel/agreements/agreement.html", context, status=400)


agreement_step = step_view(
    permission="channel.view_agreement",
    get=agreement_services.agreement_get,
    steps={
        "activate": Step(
            lambda request, agreement: agreement_services.agreement_activate(
                actor=request.user, agreement=agreement
            ),
            done=gettext_lazy("Agreement active: orders may now be placed under it."),
        ),
        "close": Step(
            lambda request, agreement: agreement_services.agreement_close(
                actor=request.user, agreement=agreement
            ),
            done=gettext_lazy("Agreement closed: it takes no more orders."),
        ),
    },
    page=lambda agreement: reverse("sales:agreement", args=[agreement.pk]),
    failed=_agreement_step_failed,
)


urlpatterns = [
    path("agreements/", agreement_list, name="agreements"),
    path("agreements/new/", agreement_create, name="agreement_create"),
    path("agreements/<int:agreement_id>/", agreement_detail, name="agreement"),
    path("agreements/<int:agreement_id>/edit/", agreement_edit, name="agreement_edit"),
    path("agreements/<int:agreement_id>/<slug:step>/", agreement_step, name="agreement_step"),
]
