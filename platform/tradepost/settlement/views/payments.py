"""Payment pages (回款): the list, "Record payment" (choose the customer, then amount,
method, date, reference and how to allocate it: oldest invoices first, by hand on the
allocation screen listing the customer's open invoices, or leave it on account), the
payment's page (its allocations, removing one, allocating what is left, refunding
and cancelling)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tradepost.customers.models import Customer
from tradepost.customers.selectors import customers_visible_to
from tradepost.settlement import forms, payments, selectors
from tradepost.settlement.filters import PaymentListFilter
from tradepost.settlement.models import Allocation, Invoice, LedgerEntry, Payment
from tradepost.settlement.views.common import customer_in_scope, payment_get, post_or_back
from tradepost.workspace.forms import add_service_errors, service_call
from tradepost.workspace.lists import list_page, query_id

ROWS_PER_PAGE = 50
PICKER_ROWS = 20


@login_required
@permission_required("settlement.view_payment", raise_exception=True)
def payment_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.payment_list(request.user).order_by("-received_on", "-pk")
    context = list_page(request, rows, PaymentListFilter, per_page=ROWS_PER_PAGE)
    return render(request, "settlement/payments/list.html", context)


def open_invoices(customer_id: int) -> list[Invoice]:
    """The customer's issued invoices with money open, oldest due first (the order a
    payment settles them in), each with `open_amount`."""
    rows = list(
        Invoice.objects.filter(
            customer_id=customer_id,
            kind=Invoice.Kind.INVOICE,
            status=Invoice.Status.ISSUED,
            entry__open_amount__gt=0,
        )
        .select_related("entry")
        .order_by("entry__due_date", "entry__entry_date", "pk")
    )
    today = timezone.localdate()
    for invoice in rows:
        invoice.open_amount = invoice.entry.open_amount  # type: ignore[attr-defined,union-attr]
        invoice.overdue = bool(invoice.due_date and invoice.due_date < today)  # type: ignore[attr-defined]
    return rows


def _entered(data: Any, rows: list[Invoice]) -> None:
    for invoice in rows:
        invoice.entered = data.get(f"alloc-{invoice.pk}", "") if data is not None else ""  # type: ignore[attr-defined]


def _allocation(form: Any, data: Any, rows: list[Invoice]) -> Any:
    """The service's `allocate` from the form: "oldest", "none" or invoice → amount."""
    mode = form.cleaned_data["allocate"]
    if mode != "manual":
        return mode
    amounts = forms.allocation_amounts(data, [invoice.pk for invoice in rows])
    if not amounts:
        raise ValidationError({"allocations": [_("Enter an amount for at least one invoice.")]})
    return amounts


def _customer_picker(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    found: list[Customer] = []
    if text:
        found = list(
            customers_visible_to(request.user)
            .filter(Q(name__icontains=text) | Q(code__icontains=text))
            .order_by("name", "pk")[:PICKER_ROWS]
        )
    return render(request, "settlement/payments/pick_customer.html", {"q": text, "found": found})


@login_required
@permission_required("settlement.add_payment", raise_exception=True)
@require_http_methods(["GET", "POST"])
def payment_create(request: HttpRequest) -> HttpResponse:
    customer_id = query_id(request, "customer")
    if customer_id is None:
        return _customer_picker(request)
    customer = customer_in_scope(request.user, customer_id)
    rows = open_invoices(customer.pk)
    data = request.POST if request.method == "POST" else None
    form = forms.PaymentForm(
        data, initial={"received_on": timezone.localdate(), "currency": customer.currency}
    )
    _entered(data, rows)
    if data is not None and form.is_valid():
        fields = form.cleaned_data
        try:
            allocate = _allocation(form, data, rows)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            done = service_call(
                form,
                lambda: payments.payment_receive(
                    actor=request.user,
                    customer=customer,
                    amount=fields["amount"],
                    method=fields["method"],
                    received_on=fields["received_on"],
                    currency=fields["currency"],
                    reference=fields.get("reference", ""),
                    notes=fields.get("notes", ""),
                    allocate=allocate,
                ),
            )
            if done:
                messages.success(
                    request,
                    _("Payment %(number)s recorded.") % {"number": done.result.number},
                )
                return redirect("settlement:payment", payment_id=done.result.pk)
    context = {"customer": customer, "form": form, "open_invoices": rows}
    return render(
        request, "settlement/payments/form.html", context, status=400 if data is not None else 200
    )


def _detail_context(request: HttpRequest, payment: Payment, **extra: Any) -> dict:
    entry = payment.entry
    allocations = list(
        Allocation.objects.filter(credit_id=entry.pk).select_related("debit").order_by("pk")
        if entry.amount < 0
        else Allocation.objects.filter(debit_id=entry.pk).select_related("credit").order_by("pk")
    )
    invoice_ids = {
        row["entry_id"]: row["pk"]
        for row in Invoice.objects.filter(entry_id__in=[a.debit_id for a in allocations]).values(
            "entry_id", "pk"
        )
    }
    for allocation in allocations:
        allocation.invoice_id = invoice_ids.get(allocation.debit_id)  # type: ignore[attr-defined]
    posted = payment.status == Payment.Status.POSTED
    receipt = payment.kind == Payment.Kind.RECEIPT
    may_change = request.user.has_perm("settlement.change_payment") and posted and receipt
    open_rows = open_invoices(payment.customer_id) if may_change and entry.open_amount > 0 else []
    _entered(extra.pop("allocate_data", None), open_rows)
    return {
        "payment": payment,
        "allocations": allocations,
        "refunds": list(payment.refunds.order_by("pk")) if receipt else [],
        "may_change": may_change,
        "open_invoices": open_rows,
        "allocate_form": extra.pop("allocate_form", None) or forms.AllocateForm(),
        "refund_form": extra.pop("refund_form", None)
        or forms.RefundForm(
            initial={"amount": entry.open_amount, "refunded_on": timezone.localdate()}
        ),
        "cancel_form": extra.pop("cancel_form", None) or forms.ReasonForm(),
        "can_cancel": may_change and entry.open_amount == abs(entry.amount),
        **extra,
    }


@login_required
@permission_required("settlement.view_payment", raise_exception=True)
def payment_detail(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = payment_get(request.user, payment_id)
    return render(request, "settlement/payments/detail.html", _detail_context(request, payment))


def _failed(request: HttpRequest, payment_id: int, **extra: Any) -> HttpResponse:
    payment = payment_get(request.user, payment_id)
    context = _detail_context(request, payment, **extra)
    return render(request, "settlement/payments/detail.html", context, status=400)


@login_required
@permission_required("settlement.change_payment", raise_exception=True)
@post_or_back(lambda payment_id: reverse("settlement:payment", args=[payment_id]))
def payment_allocate(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = payment_get(request.user, payment_id)
    form = forms.AllocateForm(request.POST)
    if form.is_valid():
        rows = open_invoices(payment.customer_id)
        try:
            allocate = _allocation(form, request.POST, rows)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            done = service_call(
                form,
                lambda: payments.payment_allocate(
                    actor=request.user, payment=payment, allocate=allocate
                ),
            )
            if done:
                messages.success(request, _("Allocated."))
                return redirect("settlement:payment", payment_id=payment.pk)
    return _failed(request, payment_id, allocate_form=form, allocate_data=request.POST)


@login_required
@permission_required("settlement.change_payment", raise_exception=True)
@post_or_back(lambda payment_id: reverse("settlement:payment", args=[payment_id]))
def payment_refund(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = payment_get(request.user, payment_id)
    form = forms.RefundForm(request.POST)
    if form.is_valid():
        fields = form.cleaned_data
        done = service_call(
            form,
            lambda: payments.payment_refund(
                actor=request.user,
                payment=payment,
                amount=fields["amount"],
                refunded_on=fields["refunded_on"],
                reference=fields.get("reference", ""),
            ),
        )
        if done:
            messages.success(
                request, _("Refund %(number)s recorded.") % {"number": done.result.number}
            )
            return redirect("settlement:payment", payment_id=payment.pk)
    return _failed(request, payment_id, refund_form=form)


@login_required
@permission_required("settlement.change_payment", raise_exception=True)
@post_or_back(lambda payment_id: reverse("settlement:payment", args=[payment_id]))
def payment_cancel(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = payment_get(request.user, payment_id)
    form = forms.ReasonForm(request.POST)
    if form.is_valid():
        done = service_call(
            form,
            lambda: payments.payment_cancel(
                actor=request.user, payment=payment, reason=form.cleaned_data["reason"]
            ),
        )
        if done:
            messages.success(request, _("Payment cancelled."))
            return redirect("settlement:payment", payment_id=payment.pk)
    return _failed(request, payment_id, cancel_form=form)


@login_required
@permission_required("settlement.change_payment", raise_exception=True)
@post_or_back(lambda allocation_id: reverse("settlement:payments"))
def allocation_remove(request: HttpRequest, allocation_id: int) -> HttpResponse:
    """Remove one allocation; back to the page it was removed from (`next`: the
    payment's or the invoice's)."""
    allocation = get_object_or_404(
        Allocation.objects.filter(
            debit__in=selectors.ledger_entries_visible_to(request.user)
        ).select_related("debit", "credit"),
        pk=allocation_id,
    )
    try:
        payments.allocation_remove(actor=request.user, allocation=allocation)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Allocation removed: both are open again by its amount."))
    return redirect(_back_to(allocation.debit, allocation.credit, request.POST.get("back", "")))


def _back_to(debit: LedgerEntry, credit: LedgerEntry, back: str) -> str:
    payment = Payment.objects.filter(entry_id=credit.pk).only("pk").first()
    if payment is not None and back != "invoice":
        return reverse("settlement:payment", args=[payment.pk])
    invoice = Invoice.objects.filter(entry_id=debit.pk).only("pk").first()
    if invoice is not None:
        return reverse("settlement:invoice", args=[invoice.pk])
    return reverse("settlement:payments")


urlpatterns = [
    path("payments/", payment_list, name="payments"),
    path("payments/new/", payment_create, name="payment_create"),
    path("payments/<int:payment_id>/", payment_detail, name="payment"),
    path("payments/<int:payment_id>/allocate/", payment_allocate, name="payment_allocate"),
    path("payments/<int:payment_id>/refund/", payment_refund, name="payment_refund"),
    path("payments/<int:payment_id>/cancel/", payment_cancel, name="payment_cancel"),
    path("allocations/<int:allocation_id>/remove/", allocation_remove, name="allocation_remove"),
]
