"""The search page, `/search/?q=`: the header's box and Ctrl/⌘-K land here."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tradepost.search import selectors


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
