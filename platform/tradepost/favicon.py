"""`/favicon.ico`, which browsers ask for whatever a page links: a permanent redirect
to the mark (an SVG among the static files), on the public site and every workspace."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    return HttpResponsePermanentRedirect(static("tradepost/favicon.svg"))
