"""The one view behind "E-mail to the customer" on a quote's and an order's page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from tradepost.sales.forms import DocumentEmailForm
from tradepost.workspace.forms import service_call


def email_view(
    *,
    permission: str,
    get: Callable[[Any, int], Any],
    send: Callable[..., Any],
    page: Callable[[Any], str],
    done: Callable[[str], str],
    failed: Callable[[HttpRequest, Any, DocumentEmailForm], HttpResponse],
) -> Callable[..., HttpResponse]:
    """POST `to` and `message` to e-mail the document `get(actor, id)` with
    `send(actor=…, document, to=…, message=…)`; success flashes `done(to)` and goes to
    `page(document)`, a refusal re-draws the document with the form (`failed`, 400). A
    GET — a reload of a refused attempt — goes back to the document."""

    @login_required
    @require_http_methods(["GET", "POST"])
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm(permission):
            raise PermissionDenied
        (document_id,) = kwargs.values()
        document = get(request.user, document_id)
        if request.method == "GET":
            return redirect(page(document))
        form = DocumentEmailForm(request.POST)
        if form.is_valid():
            to, message = form.cleaned_data["to"], form.cleaned_data["message"]
            if service_call(form, lambda: send(request.user, document, to, message)):
                messages.success(request, done(to))
                return redirect(page(document))
        return failed(request, get(request.user, document_id), form)

    return view
