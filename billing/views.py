"""The billing page of a workspace (administrators): plan, usage against limits,
invoices and the next charge, with the way to Stripe Checkout and the Customer Portal.
Thin: parse, authorise, call a service or selector, render."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import stripe
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing import selectors, services
from billing.models import Subscription
from billing.services import MANAGE_PERMISSION


@login_required
@permission_required(MANAGE_PERMISSION, raise_exception=True)
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    outcome = request.GET.get("checkout")
    if outcome == "success":
        messages.success(
            request,
            _("Thank you! Your plan changes as soon as Stripe confirms the payment."),
        )
    elif outcome == "canceled":
        messages.info(request, _("Nothing was changed."))
    context = {
        # set by django-tenants' middleware
        "overview": selectors.billing_overview(actor=request.user, tenant=request.tenant),  # type: ignore[attr-defined]
        # Sent back with the buttons: a double click reuses it, so Stripe sees one request.
        "client_key": uuid.uuid4().hex,
        "intervals": Subscription.Interval.choices,
    }
    return render(request, "billing/billing.html", context)


def _to_stripe(request: HttpRequest, start: Callable[[], str]) -> HttpResponse:
    """Redirect to the Stripe page `start()` returns, or back here saying why not."""
    try:
        url = start()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("billing:overview")
    except stripe.StripeError:
        messages.error(request, _("Stripe could not be reached just now. Please try again."))
        return redirect("billing:overview")
    return redirect(url)


@login_required
@permission_required(MANAGE_PERMISSION, raise_exception=True)
@require_POST
def checkout(request: HttpRequest) -> HttpResponse:
    page = request.build_absolute_uri(reverse("billing:overview"))
    return _to_stripe(
        request,
        lambda: services.checkout_start(
            actor=request.user,
            # set by django-tenants' middleware
            tenant=request.tenant,  # type: ignore[attr-defined]
            plan_code=request.POST.get("plan", ""),
            interval=request.POST.get("interval", "month"),
            client_key=request.POST.get("client_key", ""),
            success_url=f"{page}?checkout=success",
            cancel_url=f"{page}?checkout=canceled",
        ),
    )


@login_required
@permission_required(MANAGE_PERMISSION, raise_exception=True)
@require_POST
def portal(request: HttpRequest) -> HttpResponse:
    return _to_stripe(
        request,
        lambda: services.portal_start(
            actor=request.user,
            # set by django-tenants' middleware
            tenant=request.tenant,  # type: ignore[attr-defined]
            client_key=request.POST.get("client_key", ""),
            return_url=request.build_absolute_uri(reverse("billing:overview")),
        ),
    )
