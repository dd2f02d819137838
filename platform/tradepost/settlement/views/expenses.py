"""Expense claim pages (销售费用): the list (a salesperson's own claims; a reviewer's
and finance's also others', with the claimant filters), "New claim" (with the receipt),
changing a draft or rejected claim, the claim's page with its steps — Submit for the
claimant, Approve / Reject (with a comment) for a reviewer, Pay (with a reference) for
finance — and the receipt, served only through `expense_receipt` to whoever sees the
claim (`expenses_visible_to`), never as a /media link."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from tradepost.audit.selectors import audit_history
from tradepost.lifecycle import permitted
from tradepost.settlement import expenses, forms
from tradepost.settlement.expenses import EXPENSE_PAGES
from tradepost.settlement.filters import ExpenseListFilter, sees_others_claims
from tradepost.settlement.models import ExpenseClaim
from tradepost.settlement.money import base_currency
from tradepost.settlement.views.common import claim_get, post_or_back
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import list_page, query_id

ROWS_PER_PAGE = 50


def _require_expense_pages(request: HttpRequest) -> None:
    if not permitted(request.user, EXPENSE_PAGES):
        raise PermissionDenied


@login_required
@require_GET
def expense_list(request: HttpRequest) -> HttpResponse:
    _require_expense_pages(request)
    rows = (
        expenses.expenses_visible_to(request.user)
        .select_related("claimant", "customer", "branch")
        .order_by("-created_at", "-pk")
    )
    context = {
        **list_page(request, rows, ExpenseListFilter, per_page=ROWS_PER_PAGE),
        "others": sees_others_claims(request.user),
    }
    return render(request, "settlement/expenses/list.html", context)


def _claim_fields(form: forms.ExpenseClaimForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        name: data[name]
        for name in (
            "description",
            "category",
            "amount",
            "currency",
            "incurred_on",
            "customer",
            "order",
            "branch",
        )
    }


@login_required
@permission_required("settlement.add_expenseclaim", raise_exception=True)
@require_http_methods(["GET", "POST"])
def expense_create(request: HttpRequest) -> HttpResponse:
    """A draft claim; "Save and submit" sends it for review at once. `?customer=` or
    `?order=` (from a customer's or an order's page) preselects what it was for."""
    posted = request.method == "POST"
    initial: dict[str, Any] = {"incurred_on": timezone.localdate(), "currency": base_currency()}
    for name in ("customer", "order"):
        chosen = query_id(request, name)
        if chosen is not None:
            initial[name] = chosen
    form = forms.ExpenseClaimForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        actor=request.user,
        initial=initial,
    )
    if posted and form.is_valid():
        done = service_call(
            form,
            lambda: expenses.expense_create(
                actor=request.user, receipt=form.cleaned_data["receipt"], **_claim_fields(form)
            ),
        )
        if done:
            claim = done.result
            if "submit" in request.POST:
                return _submitted(request, claim)
            messages.success(
                request,
                _("Claim %(number)s saved as a draft: submit it when it is complete.")
                % {"number": claim.number},
            )
            return redirect("settlement:expense", claim_id=claim.pk)
    return render(
        request,
        "settlement/expenses/form.html",
        {"form": form, "claim": None},
        status=400 if posted else 200,
    )


def _submitted(request: HttpRequest, claim: ExpenseClaim) -> HttpResponse:
    try:
        expenses.expense_submit(actor=request.user, claim=claim)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Claim %(number)s submitted: a manager reviews it next.") % {"number": claim.number},
        )
    return redirect("settlement:expense", claim_id=claim.pk)


@login_required
@permission_required("settlement.add_expenseclaim", raise_exception=True)
@require_http_methods(["GET", "POST"])
def expense_edit(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Change a draft or rejected claim (its claimant only: anyone else who sees it is
    refused, 403). A new receipt replaces the one sent; none keeps it."""
    claim = claim_get(request.user, claim_id)
    if claim.claimant_id != request.user.pk:
        raise PermissionDenied
    if not expenses.LIFECYCLE.allows("edit", request.user, claim):
        messages.error(request, _("Only a draft or a rejected claim can be changed."))
        return redirect("settlement:expense", claim_id=claim.pk)
    posted = request.method == "POST"
    form = forms.ExpenseClaimForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        actor=request.user,
        claim=claim,
        initial={
            "description": claim.description,
            "category": claim.category,
            "amount": claim.amount,
            "currency": claim.currency,
            "incurred_on": claim.incurred_on,
            "customer": claim.customer_id,
            "order": claim.order_id,
            "branch": claim.branch_id,
        },
    )
    if posted and form.is_valid():
        done = service_call(
            form,
            lambda: expenses.expense_update(
                actor=request.user,
                claim=claim,
                receipt=form.cleaned_data["receipt"],
                **_claim_fields(form),
            ),
        )
        if done:
            if "submit" in request.POST:
                return _submitted(request, claim)
            messages.success(request, _("Claim saved."))
            return redirect("settlement:expense", claim_id=claim.pk)
    return render(
        request,
        "settlement/expenses/form.html",
        {"form": form, "claim": claim},
        status=400 if posted else 200,
    )


def _detail_context(request: HttpRequest, claim: ExpenseClaim, **extra: Any) -> dict:
    return {
        "claim": claim,
        "can": expenses.LIFECYCLE.buttons(request.user, claim),
        "review_form": extra.pop("review_form", None) or forms.ReviewForm(),
        "pay_form": extra.pop("pay_form", None) or forms.PayForm(),
        "history": audit_history(claim),
        "can_see_order": request.user.has_perm("sales.view_order"),
        "can_see_account": request.user.has_perm("settlement.view_customeraccount"),
        **extra,
    }


@login_required
@require_GET
def expense_detail(request: HttpRequest, claim_id: int) -> HttpResponse:
    _require_expense_pages(request)
    claim = claim_get(request.user, claim_id)
    return render(request, "settlement/expenses/detail.html", _detail_context(request, claim))


@login_required
@require_GET
def expense_receipt(request: HttpRequest, claim_id: int) -> HttpResponseBase:
    """The claim's receipt, to whoever sees the claim. A photo shows in the browser; a
    PDF downloads. Either way the response may run nothing (a sandboxing policy)."""
    _require_expense_pages(request)
    claim = claim_get(request.user, claim_id)
    receipt = expenses.receipt_open(claim)
    if receipt is None:
        raise Http404
    response = FileResponse(
        receipt.file,
        as_attachment=not receipt.content_type.startswith("image/"),
        filename=receipt.filename,
        content_type=receipt.content_type,
    )
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@dataclass(frozen=True)
class ClaimStep:
    """A button of the claim's page: what it runs and the message it leaves."""

    run: Callable[[HttpRequest, ExpenseClaim], Any]
    done: Any


def _approve(request: HttpRequest, claim: ExpenseClaim) -> ExpenseClaim:
    return expenses.expense_approve(
        actor=request.user, claim=claim, comment=request.POST.get("review_comment", "")[:300]
    )


def _reject(request: HttpRequest, claim: ExpenseClaim) -> ExpenseClaim:
    return expenses.expense_reject(
        actor=request.user, claim=claim, comment=request.POST.get("review_comment", "")[:300]
    )


def _pay(request: HttpRequest, claim: ExpenseClaim) -> ExpenseClaim:
    return expenses.expense_pay(
        actor=request.user, claim=claim, reference=request.POST.get("reference", "")[:100]
    )


CLAIM_STEPS = {
    "submit": ClaimStep(
        lambda request, claim: expenses.expense_submit(actor=request.user, claim=claim),
        gettext_lazy("Submitted: a manager reviews it next."),
    ),
    "approve": ClaimStep(_approve, gettext_lazy("Approved: finance pays it next.")),
    "reject": ClaimStep(
        _reject, gettext_lazy("Rejected: the claimant can change it and submit it again.")
    ),
    "pay": ClaimStep(_pay, gettext_lazy("Marked paid.")),
}


@login_required
@post_or_back(lambda claim_id, step: reverse("settlement:expense", args=[claim_id]))
def expense_step(request: HttpRequest, claim_id: int, step: str) -> HttpResponse:
    """A step of the claim's page. Who may take it is the lifecycle's to say (its
    refusal is a 403, a wrong state or a missing comment the page again with the
    error, 400). Not `workspace.steps.step_view`: that opens on one permission, and
    these steps belong to people holding different ones (EXPENSE_PAGES)."""
    _require_expense_pages(request)
    declared = CLAIM_STEPS.get(step)
    if declared is None:
        raise Http404
    claim = claim_get(request.user, claim_id)
    try:
        declared.run(request, claim)
    except ValidationError as exc:
        extra: dict[str, Any] = {"step_errors": exc.messages}
        if step in ("approve", "reject"):
            review = forms.ReviewForm(request.POST)
            review.is_valid()
            extra["review_form"] = review
        fresh = claim_get(request.user, claim_id)
        return render(
            request,
            "settlement/expenses/detail.html",
            _detail_context(request, fresh, **extra),
            status=400,
        )
    messages.success(request, str(declared.done))
    return redirect("settlement:expense", claim_id=claim.pk)


urlpatterns = [
    path("expenses/", expense_list, name="expenses"),
    path("expenses/new/", expense_create, name="expense_create"),
    path("expenses/<int:claim_id>/", expense_detail, name="expense"),
    path("expenses/<int:claim_id>/edit/", expense_edit, name="expense_edit"),
    path("expenses/<int:claim_id>/receipt/", expense_receipt, name="expense_receipt"),
    path("expenses/<int:claim_id>/<slug:step>/", expense_step, name="expense_step"),
]
