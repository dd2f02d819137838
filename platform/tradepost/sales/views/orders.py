"""Order pages: the list, entering and editing an order, its page with every step of
its life as a button the user may press, shipments and returns."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tradepost.customers import selectors as customer_selectors
from tradepost.sales import forms, fulfilment, selectors, settlement
from tradepost.sales import orders as services
from tradepost.sales.filters import OrderListFilter
from tradepost.sales.models import Order
from tradepost.sales.pdf import order_pdf, order_pdf_filename
from tradepost.sales.views.emailing import email_view
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import list_page, query_id
from tradepost.workspace.steps import Step, step_view

ROWS_PER_PAGE = 50


@login_required
@permission_required("sales.view_order", raise_exception=True)
def order_list(request: HttpRequest) -> HttpResponse:
    context = list_page(
        request,
        selectors.order_list(request.user),
        OrderListFilter,
        per_page=ROWS_PER_PAGE,
        saved_filters="orders",
    )
    return render(request, "sales/orders/list.html", context)


@login_required
@permission_required("sales.add_order", raise_exception=True)
@require_http_methods(["GET", "POST"])
def order_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = forms.OrderForm(
        data,
        actor=request.user,
        initial={
            "customer": customer_selectors.visible_customer_id(
                request.user, query_id(request, "customer")
            )
        },
    )
    formset = forms.line_formset(data)
    if data is not None and form.is_valid() & formset.is_valid():
        fields = form.cleaned_data
        order = service_call(
            form,
            lambda: services.order_create(
                actor=request.user,
                customer=fields["customer"],
                currency=fields.get("currency") or None,
                requested_delivery_date=fields.get("requested_delivery_date"),
                deposit=fields.get("deposit"),
                notes=fields.get("notes", ""),
                agreement=fields.get("agreement"),
                warehouse=fields.get("warehouse"),
                lines=formset.line_items(),
            ),
            formset=formset,
        ).result
        if order is not None:
            messages.success(request, _("Order saved as a draft. Submit it for review when ready."))
            return redirect("sales:order", order_id=order.pk)
    status = 400 if data is not None else 200
    context = {"form": form, "formset": formset, "order": None}
    return render(request, "sales/orders/form.html", context, status=status)


@login_required
@permission_required("sales.change_order", raise_exception=True)
@require_http_methods(["GET", "POST"])
def order_edit(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.order_get(request.user, order_id)
    if not services.LIFECYCLE.allows("edit", request.user, order):
        messages.error(request, _("Only a draft or a rejected order can be changed."))
        return redirect("sales:order", order_id=order.pk)
    data = request.POST if request.method == "POST" else None
    initial = {
        "requested_delivery_date": order.requested_delivery_date,
        "deposit": order.deposit,
        "notes": order.notes,
        "warehouse": order.warehouse_id,
    }
    form = forms.OrderForm(data, actor=request.user, editing=True, initial=initial)
    formset = forms.line_formset(data, lines=order.lines.all())
    if data is not None and form.is_valid() & formset.is_valid():
        fields = form.cleaned_data
        updated = service_call(
            form,
            lambda: services.order_update(
                actor=request.user,
                order=order,
                lines=formset.line_items(),
                requested_delivery_date=fields.get("requested_delivery_date"),
                deposit=fields.get("deposit"),
                notes=fields.get("notes", ""),
                # Left empty: the order keeps where it ships from.
                **({"warehouse": fields["warehouse"]} if fields.get("warehouse") else {}),
            ),
            formset=formset,
        ).result
        if updated is not None:
            messages.success(request, _("Changes saved."))
            return redirect("sales:order", order_id=order.pk)
    status = 400 if data is not None else 200
    context = {"form": form, "formset": formset, "order": order}
    return render(request, "sales/orders/form.html", context, status=status)


@login_required
@permission_required("sales.view_order", raise_exception=True)
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.order_get(request.user, order_id)
    return render(request, "sales/orders/detail.html", _detail_context(request, order))


def _detail_context(request: HttpRequest, order: Order, **extra) -> dict:
    lines = list(order.lines.all())
    available = fulfilment.available_for(order) if order.warehouse_id else {}
    for line in lines:
        line.available = available.get(line.pk)  # type: ignore[attr-defined]
    return {
        "order": order,
        "lines": lines,
        "show_available": bool(available),
        "can": services.LIFECYCLE.buttons(request.user, order),
        "returns": list(order.returns.all()),
        "comment_form": extra.pop("comment_form", None) or forms.CommentForm(),
        "reason_form": extra.pop("reason_form", None) or forms.ReasonForm(),
        "can_email": order.status in services.CONFIRMED
        and request.user.has_perm("sales.change_order"),
        "email_form": extra.pop("email_form", None)
        or forms.DocumentEmailForm(initial={"to": order.customer.email}),
        "credit": _credit(request, order),
        "can_invoice": order.status in services.CONFIRMED
        and request.user.has_perm("settlement.add_invoice"),
        **extra,
    }


def _credit(request: HttpRequest, order: Order) -> dict | None:
    """The customer's credit position (settlement's, through the seam) for those who
    read receivables; `refused`: the order, approved, would go over the credit rules."""
    if not request.user.has_perm("settlement.view_customeraccount"):
        return None
    position = settlement.position_for(order.customer)
    if position is None:
        return None
    available = position["available"]
    position["refused"] = order.status == Order.Status.APPROVED and (
        position["overdue_hold"] or (available is not None and available < order.gross_total)
    )
    return position


def _quantities(request: HttpRequest, order: Order) -> dict[int, Decimal]:
    return forms.line_quantities(request.POST, order.lines.all())


def _reason(request: HttpRequest) -> str:
    return request.POST.get("reason", "")


def _comment(request: HttpRequest) -> str:
    return request.POST.get("comment", "")


def _step_failed(
    request: HttpRequest, order: Order, step: str, exc: ValidationError
) -> HttpResponse:
    context = _detail_context(request, order, step_errors=exc.messages, failed_step=step)
    return render(request, "sales/orders/detail.html", context, status=400)


order_step = step_view(
    permission="sales.view_order",
    get=selectors.order_get,
    steps={
        "submit": Step(
            lambda request, order: services.order_submit(actor=request.user, order=order),
            done=gettext_lazy("Order submitted for review."),
        ),
        "approve": Step(
            lambda request, order: services.order_approve(
                actor=request.user, order=order, comment=_comment(request)
            ),
            done=gettext_lazy("Order approved."),
        ),
        "reject": Step(
            lambda request, order: services.order_reject(
                actor=request.user, order=order, comment=_comment(request)
            ),
            done=gettext_lazy("Order sent back to the salesperson."),
        ),
        "confirm": Step(
            lambda request, order: services.order_confirm(actor=request.user, order=order),
            done=gettext_lazy("Order confirmed."),
        ),
        "ship": Step(
            lambda request, order: services.order_ship(
                actor=request.user,
                order=order,
                quantities=_quantities(request, order) if request.POST.get("partial") else None,
            ),
            done=gettext_lazy("Shipment recorded."),
        ),
        "deliver": Step(
            lambda request, order: services.order_deliver(actor=request.user, order=order),
            done=gettext_lazy("Delivery recorded."),
        ),
        "close": Step(
            lambda request, order: services.order_close(actor=request.user, order=order),
            done=gettext_lazy("Order closed."),
        ),
        "cancel": Step(
            lambda request, order: services.order_cancel(
                actor=request.user, order=order, reason=_reason(request)
            ),
            done=gettext_lazy("Order cancelled."),
        ),
        "return": Step(
            lambda request, order: services.order_return_create(
                actor=request.user,
                order=order,
                quantities=_quantities(request, order),
                reason=_reason(request),
            ),
            done=gettext_lazy("Return recorded; the customer is credited."),
        ),
    },
    page=lambda order: reverse("sales:order", args=[order.pk]),
    failed=_step_failed,
)


@login_required
@permission_required("sales.view_order", raise_exception=True)
def order_pdf_download(request: HttpRequest, order_id: int) -> HttpResponse:
    """The order confirmation as a PDF, shown in the browser (saved as `<number>.pdf`)."""
    order = selectors.order_get(request.user, order_id)
    response = HttpResponse(order_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(  # type: ignore[assignment]
        as_attachment=False, filename=order_pdf_filename(order)
    )
    return response


def _email_failed(request: HttpRequest, order: Order, form) -> HttpResponse:
    context = _detail_context(request, order, email_form=form)
    return render(request, "sales/orders/detail.html", context, status=400)


order_email = email_view(
    permission="sales.view_order",
    get=selectors.order_get,
    send=lambda actor, order, to, message: services.order_email(
        actor=actor, order=order, to=to, message=message
    ),
    page=lambda order: reverse("sales:order", args=[order.pk]),
    done=lambda to: _("The order confirmation is on its way to %(to)s.") % {"to": to},
    failed=_email_failed,
)


urlpatterns = [
    path("orders/", order_list, name="orders"),
    path("orders/new/", order_create, name="order_create"),
    path("orders/<int:order_id>/", order_detail, name="order"),
    path("orders/<int:order_id>/edit/", order_edit, name="order_edit"),
    path("orders/<int:order_id>/pdf/", order_pdf_download, name="order_pdf"),
    path("orders/<int:order_id>/email/", order_email, name="order_email"),
    path("orders/<int:order_id>/<slug:step>/", order_step, name="order_step"),
]
