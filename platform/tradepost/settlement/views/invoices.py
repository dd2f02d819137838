"""Invoice pages: the list (filters: status, type, overdue, customer), invoicing a
confirmed order (a quantity per line, for partial invoicing) or a shipped delivery,
a credit note for a customer, the invoice's page (lines, tax per rate, what is open,
the allocations, "Edit" while a draft, "Issue" and "Cancel"), changing a draft (its
notes and, on an order's invoice, the quantities per line) and its PDF."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tradepost.audit.selectors import audit_history
from tradepost.inventory.forms import line_quantities
from tradepost.inventory.models import Delivery
from tradepost.inventory.selectors import deliveries_visible_to
from tradepost.pricing.lines import decimal_text
from tradepost.sales.models import Order
from tradepost.sales.selectors import order_get
from tradepost.settlement import forms, invoices, selectors
from tradepost.settlement.filters import InvoiceListFilter
from tradepost.settlement.models import Allocation, Invoice
from tradepost.settlement.pdf import invoice_pdf, invoice_pdf_filename, tax_lines
from tradepost.settlement.views.common import customer_in_scope, invoice_get
from tradepost.workspace.forms import add_service_errors, service_call
from tradepost.workspace.lists import list_page
from tradepost.workspace.steps import Step, step_view

ROWS_PER_PAGE = 50


@login_required
@permission_required("settlement.view_invoice", raise_exception=True)
def invoice_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.invoice_list(request.user).order_by("-created_at", "-pk")
    context = list_page(request, rows, InvoiceListFilter, per_page=ROWS_PER_PAGE)
    return render(request, "settlement/invoices/list.html", context)


def _invoice_lines(request: HttpRequest, order: Order, *, entering: bool) -> list[Any]:
    lines: list[Any] = list(order.lines.select_related("product").order_by("position", "pk"))
    left = invoices.order_invoiceable(order)
    for line in lines:
        line.left = left.get(line.pk, Decimal(0))
        line.label = _("Line %(position)s (%(sku)s)") % {
            "position": line.position,
            "sku": line.product.sku,
        }
        if entering:
            line.entered = request.POST.get(f"line-{line.pk}", "")
        else:
            line.entered = decimal_text(line.left) if line.left else ""
    return lines


@login_required
@permission_required("settlement.add_invoice", raise_exception=True)
@require_http_methods(["GET", "POST"])
def invoice_from_order(request: HttpRequest, order_id: int) -> HttpResponse:
    """What is left to invoice per line of the order, pre-filled; lower a quantity
    (or enter 0) to invoice part of it."""
    order = order_get(request.user, order_id)
    data = request.POST if request.method == "POST" else None
    lines = _invoice_lines(request, order, entering=data is not None)
    form = forms.NotesForm(data)
    if data is not None and form.is_valid():
        try:
            typed = forms_line_quantities(data, lines)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            done = service_call(
                form,
                lambda: invoices.invoice_from_order(
                    actor=request.user,
                    order=order,
                    quantities=typed,
                    notes=form.cleaned_data.get("notes", ""),
                ),
            )
            if done:
                messages.success(request, _("Draft invoice made: check it, then issue it."))
                return redirect("settlement:invoice", invoice_id=done.result.pk)
    context = {
        "order": order,
        "lines": lines,
        "form": form,
        "invoiceable": order.status in invoices.INVOICEABLE_ORDER_STATUSES,
        "nothing_left": not any(line.left for line in lines),
    }
    return render(
        request,
        "settlement/invoices/from_order.html",
        context,
        status=400 if data is not None else 200,
    )


def forms_line_quantities(data, lines) -> dict[int, Decimal]:
    typed = line_quantities(data, [(line.pk, line.label) for line in lines], prefix="line")
    return {pk: value for pk, value in typed.items() if value}


@login_required
@permission_required("settlement.add_invoice", raise_exception=True)
@require_http_methods(["GET", "POST"])
def invoice_from_delivery(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """What the shipped delivery carried and is not invoiced yet; "Make the draft"
    invoices all of it."""
    delivery = get_object_or_404(
        deliveries_visible_to(request.user).select_related("order", "order__customer"),
        pk=delivery_id,
    )
    left = invoices.delivery_invoiceable(delivery)
    lines: list[Any] = list(delivery.lines.select_related("product").order_by("pk"))
    for line in lines:
        line.left = left.get(line.pk, Decimal(0))
    data = request.POST if request.method == "POST" else None
    form = forms.NotesForm(data)
    if data is not None and form.is_valid():
        done = service_call(
            form,
            lambda: invoices.invoice_from_delivery(
                actor=request.user, delivery=delivery, notes=form.cleaned_data.get("notes", "")
            ),
        )
        if done:
            messages.success(request, _("Draft invoice made: check it, then issue it."))
            return redirect("settlement:invoice", invoice_id=done.result.pk)
    context = {
        "delivery": delivery,
        "lines": lines,
        "form": form,
        "shipped": delivery.status in (Delivery.Status.SHIPPED, Delivery.Status.DELIVERED),
        "nothing_left": not left,
    }
    return render(
        request,
        "settlement/invoices/from_delivery.html",
        context,
        status=400 if data is not None else 200,
    )


@login_required
@permission_required("settlement.add_invoice", raise_exception=True)
@require_http_methods(["GET", "POST"])
def credit_note_create(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customer_in_scope(request.user, customer_id)
    credited = Invoice.objects.filter(
        customer=customer, kind=Invoice.Kind.INVOICE, status=Invoice.Status.ISSUED
    ).order_by("-issue_date", "-pk")[:100]
    data = request.POST if request.method == "POST" else None
    initial = {}
    chosen = request.GET.get("invoice", "")
    if chosen.isdigit():
        initial["credited_invoice"] = int(chosen)
    form = forms.CreditNoteForm(data, invoices=credited, initial=initial)
    if data is not None and form.is_valid():
        fields = form.cleaned_data
        invoice = None
        if fields["credited_invoice"]:
            invoice = next((i for i in credited if i.pk == fields["credited_invoice"]), None)
        done = service_call(
            form,
            lambda: invoices.credit_note_create(
                actor=request.user,
                customer=customer,
                amount=fields["amount"],
                reason=fields["reason"],
                tax_rate=fields["tax_rate"] or Decimal(0),
                credited_invoice=invoice,
                currency=invoice.currency if invoice is not None else None,
            ),
        )
        if done:
            messages.success(request, _("Draft credit note made: check it, then issue it."))
            return redirect("settlement:invoice", invoice_id=done.result.pk)
    context = {"customer": customer, "form": form}
    return render(
        request,
        "settlement/invoices/credit_note_form.html",
        context,
        status=400 if data is not None else 200,
    )


def _draft_lines(request: HttpRequest, invoice: Invoice, *, entering: bool) -> list[Any]:
    """The order's lines with what may be on this draft (what is not invoiced elsewhere:
    `left`) and what is on it now, for the draft's form."""
    order = invoice.order
    if order is None or invoice.is_credit_note or invoice.delivery_id is not None:
        return []
    own = dict(
        invoice.lines.filter(order_line__isnull=False).values_list("order_line_id", "quantity")
    )
    lines = _invoice_lines(request, order, entering=entering)
    for line in lines:
        line.on_draft = own.get(line.pk, Decimal(0))
        line.left += line.on_draft
        if not entering:
            line.entered = decimal_text(line.on_draft) if line.on_draft else ""
    return lines


@login_required
@permission_required("settlement.change_invoice", raise_exception=True)
@require_http_methods(["GET", "POST"])
def invoice_edit(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Change a draft: its notes and, on an order's invoice, how much of each line it
    invoices (never more than is not invoiced elsewhere; 0 drops the line). Issued or
    cancelled: back to its page with the reason."""
    invoice = invoice_get(request.user, invoice_id)
    if not invoices.LIFECYCLE.allows("edit", request.user, invoice):
        messages.error(request, _("Only a draft can be changed."))
        return redirect("settlement:invoice", invoice_id=invoice.pk)
    data = request.POST if request.method == "POST" else None
    lines = _draft_lines(request, invoice, entering=data is not None)
    form = forms.NotesForm(data, initial={"notes": invoice.notes})
    if data is not None and form.is_valid():
        try:
            typed = forms_line_quantities(data, lines) if lines else None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            changes: dict[str, Any] = {"notes": form.cleaned_data.get("notes", "")}
            if typed is not None:
                changes["lines"] = typed
            done = service_call(
                form,
                lambda: invoices.invoice_update(actor=request.user, invoice=invoice, **changes),
            )
            if done:
                messages.success(request, _("Changes saved."))
                return redirect("settlement:invoice", invoice_id=invoice.pk)
    context = {"invoice": invoice, "lines": lines, "form": form}
    return render(
        request,
        "settlement/invoices/edit.html",
        context,
        status=400 if data is not None else 200,
    )


def _detail_context(request: HttpRequest, invoice: Invoice, **extra: Any) -> dict:
    lines = list(invoice.lines.select_related("product").order_by("position", "pk"))
    allocations: list[Allocation] = []
    if invoice.entry_id is not None:
        allocations = list(
            Allocation.objects.filter(debit_id=invoice.entry_id).select_related("credit")
            if not invoice.is_credit_note
            else Allocation.objects.filter(credit_id=invoice.entry_id).select_related("debit")
        )
    can = invoices.LIFECYCLE.buttons(request.user, invoice)
    return {
        "invoice": invoice,
        "lines": lines,
        "tax_lines": tax_lines(lines),
        "allocations": allocations,
        "can": can,
        "can_unallocate": request.user.has_perm("settlement.change_payment"),
        "cancel_form": extra.pop("cancel_form", None) or forms.OptionalReasonForm(),
        "history": audit_history(invoice),
        "can_see_order": request.user.has_perm("sales.view_order"),
        "credit_notes": list(invoice.credit_notes.order_by("pk"))
        if not invoice.is_credit_note
        else [],
        **extra,
    }


@login_required
@permission_required("settlement.view_invoice", raise_exception=True)
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = invoice_get(request.user, invoice_id)
    return render(request, "settlement/invoices/detail.html", _detail_context(request, invoice))


@login_required
@permission_required("settlement.view_invoice", raise_exception=True)
def invoice_pdf_download(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """The invoice as an A4 PDF, shown in the browser (saved as `<number>.pdf`)."""
    invoice = invoice_get(request.user, invoice_id)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(  # type: ignore[assignment]
        as_attachment=False, filename=invoice_pdf_filename(invoice)
    )
    return response


def _step_failed(
    request: HttpRequest, invoice: Invoice, step: str, exc: ValidationError
) -> HttpResponse:
    extra: dict[str, Any] = {"step_errors": exc.messages}
    if step == "cancel":
        form = forms.OptionalReasonForm(request.POST)
        form.is_valid()
        extra["cancel_form"] = form
    context = _detail_context(request, invoice, **extra)
    return render(request, "settlement/invoices/detail.html", context, status=400)


def _cancel(request: HttpRequest, invoice: Invoice) -> Invoice:
    return invoices.invoice_cancel(
        actor=request.user, invoice=invoice, reason=request.POST.get("reason", "")[:300]
    )


invoice_step = step_view(
    permission="settlement.view_invoice",
    get=invoice_get,
    steps={
        "issue": Step(
            lambda request, invoice: invoices.invoice_issue(actor=request.user, invoice=invoice),
            done=gettext_lazy("Issued: numbered and posted to the customer's account."),
        ),
        "cancel": Step(_cancel, done=gettext_lazy("Cancelled.")),
    },
    page=lambda invoice: reverse("settlement:invoice", args=[invoice.pk]),
    failed=_step_failed,
)


urlpatterns = [
    path("invoices/", invoice_list, name="invoices"),
    path("invoices/new/order/<int:order_id>/", invoice_from_order, name="invoice_from_order"),
    path(
        "invoices/new/delivery/<int:delivery_id>/",
        invoice_from_delivery,
        name="invoice_from_delivery",
    ),
    path(
        "invoices/new/credit-note/<int:customer_id>/",
        credit_note_create,
        name="credit_note_create",
    ),
    path("invoices/<int:invoice_id>/", invoice_detail, name="invoice"),
    path("invoices/<int:invoice_id>/pdf/", invoice_pdf_download, name="invoice_pdf"),
    path("invoices/<int:invoice_id>/edit/", invoice_edit, name="invoice_edit"),
    path("invoices/<int:invoice_id>/<slug:step>/", invoice_step, name="invoice_step"),
]
