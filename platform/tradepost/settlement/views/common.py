"""What the finance views share: scoped look-ups, and the permissions of the pages
that more than one permission opens."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect

from tradepost.customers.models import Customer
from tradepost.customers.selectors import customers_visible_to
from tradepost.principals import Actor
from tradepost.settlement import selectors
from tradepost.settlement.expenses import expenses_visible_to
from tradepost.settlement.models import ExpenseClaim, Invoice, Payment


def invoice_get(actor: Actor, invoice_id: int) -> Invoice:
    """The invoice, if its customer is in the actor's scope; otherwise 404."""
    return get_object_or_404(
        selectors.invoices_visible_to(actor).select_related(
            "customer", "order", "delivery", "entry", "credited_invoice", "created_by"
        ),
        pk=invoice_id,
    )


def payment_get(actor: Actor, payment_id: int) -> Payment:
    return get_object_or_404(
        selectors.payments_visible_to(actor).select_related(
            "customer", "entry", "order", "refund_of", "created_by"
        ),
        pk=payment_id,
    )


def claim_get(actor: Actor, claim_id: int) -> ExpenseClaim:
    """The expense claim, if the actor sees it (`expenses_visible_to`); otherwise 404."""
    return get_object_or_404(
        expenses_visible_to(actor).select_related(
            "claimant", "customer", "order", "branch", "reviewed_by", "paid_by"
        ),
        pk=claim_id,
    )


def customer_in_scope(actor: Actor, customer_id: int) -> Customer:
    return get_object_or_404(
        customers_visible_to(actor).select_related("owner", "branch", "region"), pk=customer_id
    )


def post_or_back(
    page: Callable[..., str],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """An action that takes POST; a GET of its URL (a reload of its refused answer, a
    language switch) goes back to the page it belongs to, `page(**url_kwargs)`, instead
    of stranding the user on a URL that only takes POST."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            if request.method == "GET":
                return redirect(page(**kwargs))
            if request.method != "POST":
                return HttpResponseNotAllowed(["GET", "POST"])
            return view(request, **kwargs)

        return wrapped

    return decorate
