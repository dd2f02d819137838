"""The webhooks page in the workspace (administrators): endpoints, a form to add one,
the recent deliveries with a Redeliver button. Thin: parse, authorise, call a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from api.webhooks import selectors, services
from api.webhooks.forms import WebhookEndpointForm
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from api.webhooks.signing import SIGNATURE_HEADER
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import page_of

DELIVERIES_PER_PAGE = 25


@login_required
@permission_required("webhooks.view_webhookendpoint", raise_exception=True)
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    form = WebhookEndpointForm(request.POST or None)
    created = None
    if request.method == "POST":
        if not request.user.has_perm("webhooks.add_webhookendpoint"):
            return render(request, "403.html", status=403)
        if form.is_valid():
            done = service_call(
                form,
                lambda: services.webhook_endpoint_create(actor=request.user, **form.cleaned_data),
            )
            if done:
                created = done.result
                form = WebhookEndpointForm()
    page = page_of(request, selectors.delivery_list(), DELIVERIES_PER_PAGE)
    context = {
        "form": form,
        "created": created,
        "endpoints": selectors.endpoint_list(),
        "page": page,
        "signature_header": SIGNATURE_HEADER,
    }
    return render(request, "webhooks/webhooks.html", context, status=400 if form.errors else 200)


@login_required
@permission_required("webhooks.change_webhookendpoint", raise_exception=True)
@require_POST
def webhook_endpoint_ping(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    services.webhook_ping(actor=request.user, endpoint=endpoint)
    messages.success(request, _("A test event is on its way to %(url)s.") % {"url": endpoint.url})
    return redirect("webhooks:list")


@login_required
@permission_required("webhooks.change_webhookendpoint", raise_exception=True)
@require_POST
def webhook_endpoint_active(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    active = request.POST.get("active") == "1"
    services.webhook_endpoint_update(actor=request.user, endpoint=endpoint, is_active=active)
    if active:
        messages.success(request, _("%(url)s receives events again.") % {"url": endpoint.url})
    else:
        messages.success(request, _("%(url)s is disabled.") % {"url": endpoint.url})
    return redirect("webhooks:list")


@login_required
@permission_required("webhooks.delete_webhookendpoint", raise_exception=True)
@require_POST
def webhook_endpoint_delete(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    services.webhook_endpoint_delete(actor=request.user, endpoint=endpoint)
    messages.success(request, _("%(url)s is deleted.") % {"url": endpoint.url})
    return redirect("webhooks:list")


@login_required
@permission_required("webhooks.change_webhookdelivery", raise_exception=True)
@require_POST
def webhook_delivery_redeliver(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_id)
    try:
        services.webhook_redeliver(actor=request.user, delivery=delivery)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.success(request, _("The event is being sent again."))
    return redirect("webhooks:list")
