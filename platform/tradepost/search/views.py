"""The search page, `/search/?q=`: the header's box and Ctrl/⌘-K land here; and the
type-ahead of the customer and product pickers, `/search/pick/<kind>/?q=`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tradepost.search import pickers, selectors


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q")
    context: dict[str, object] = {
        "query": query or "",
        "groups": None,
        "error": None,
        "found": False,
    }
    if query is None:  # the page opened without a search: just the box
        return render(request, "search/results.html", context)
    try:
        words = selectors.parse_query(query)
    except ValidationError as error:
        context["error"] = error.messages[0]
        return render(request, "search/results.html", context, status=400)
    groups = selectors.search(request.user, words)
    context.update(groups=groups, found=any(group.hits for group in groups))
    return render(request, "search/results.html", context)


@login_required
@require_GET
def pick(request: HttpRequest, kind: str) -> JsonResponse:
    """`/search/pick/<customer|product>/?q=`: a picker's type-ahead (`pickers.pick`) as
    JSON, `{"results": [{"id", "label", "secondary"}], "more"}`. An unknown picker is a
    404, one the caller may not use a 403, a bad `q` a 400 with the message."""
    picker = pickers.PICKERS.get(kind)
    if picker is None:
        raise Http404
    if not pickers.may_pick(request.user, picker):
        raise PermissionDenied
    query = (request.GET.get("q") or "").strip()
    try:
        words = selectors.parse_query(query) if query else []
    except ValidationError as error:
        return JsonResponse({"errors": {"q": error.messages}}, status=400)
    choices, more = pickers.pick(request.user, picker, words)
    return JsonResponse(
        {
            "results": [{"id": c.id, "label": c.label, "secondary": c.secondary} for c in choices],
            "more": more,
        }
    )
