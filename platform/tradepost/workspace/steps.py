"""The one view behind every document's step buttons (submit, approve, confirm …).

A document page posts its buttons to `<document url>/<step>/`. The app declares its
steps once, beside the view that draws the document:

    order_step = step_view(
        permission="sales.view_order",
        get=selectors.order_get,            # (actor, id) -> the document in scope, or 404
        steps={
            "confirm": Step(
                lambda request, order: services.order_confirm(actor=request.user, order=order),
                done=gettext_lazy("Order confirmed."),
            ),
            ...
        },
        page=lambda order: reverse("sales:order", args=[order.pk]),
        failed=_step_failed,                # (request, fresh document, step, error) -> page
    )

The view: a step that is not declared is a 404; the service decides (and checks the
step's own permission: PermissionDenied is a 403); a ValidationError re-draws the
document with the error (400) through `failed`; success flashes `done` and goes to
`page(document)` (or to `Step.next(document, result)`). A GET — a reload of the
failed answer, a language switch — goes back to the document's page instead of
stranding the user on a URL that only takes POST.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods


@dataclass(frozen=True)
class Step:
    """What a button runs (`run(request, document)`, calling the service), the message
    it leaves (`done`) and, when not the document's page, where it leads
    (`next(document, result)`, a URL or None for the document's page)."""

    run: Callable[[HttpRequest, Any], Any]
    done: Any
    next: Callable[[Any, Any], str | None] | None = None


def step_view(
    *,
    permission: str,
    get: Callable[[Any, int], Any],
    steps: Mapping[str, Step],
    page: Callable[[Any], str],
    failed: Callable[[HttpRequest, Any, str, ValidationError], HttpResponse],
) -> Callable[..., HttpResponse]:
    """The view of one document type's steps (see the module docstring). Its URL takes
    the document's id as the first keyword argument and `step`."""

    @login_required
    @require_http_methods(["GET", "POST"])
    def view(request: HttpRequest, step: str, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm(permission):
            raise PermissionDenied
        (document_id,) = kwargs.values()
        if step not in steps:
            raise Http404
        document = get(request.user, document_id)
        if request.method == "GET":
            return redirect(page(document))
        declared = steps[step]
        try:
            result = declared.run(request, document)
        except ValidationError as exc:
            return failed(request, get(request.user, document_id), step, exc)
        messages.success(request, str(declared.done))
        target = declared.next(document, result) if declared.next is not None else None
        return redirect(target or page(document))

    return view
