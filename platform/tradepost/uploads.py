"""Every upload is capped by size before it is read, and while it streams.

`UploadLimitMiddleware` answers 413 to a request whose Content-Length is over
settings.MAX_UPLOAD_BYTES without reading its body, and parses a multipart body
itself (before the CSRF check or a view would) so that `CappedUploadHandler`,
first in settings.FILE_UPLOAD_HANDLERS, can stop it when the bytes received pass the
cap: a body's declared length is only a claim. Files past
FILE_UPLOAD_MAX_MEMORY_SIZE stream to a temporary file rather than memory; an
oversized upload leaves nothing behind (the temporary file goes with the request).

The refusal is a page for the browser and the API's error shape under /api/:
`{"code": "payload_too_large", "message": …, "errors": {"file": [...]}}`.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class UploadTooLarge(RequestDataTooBig):
    """The request's body is over settings.MAX_UPLOAD_BYTES. `user_message` says so in
    the caller's language (the API's error handler answers with it)."""

    @property
    def user_message(self) -> str:
        return too_large_message()


def _limit() -> int:
    return settings.MAX_UPLOAD_BYTES


class CappedUploadHandler(FileUploadHandler):
    """Counts the uploaded files' bytes as they arrive and stops past the cap; the
    handlers after it (memory, temporary file) store what it lets through."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        if content_length > _limit():
            raise UploadTooLarge(_limit())

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received = getattr(self, "received", 0) + len(raw_data)
        if self.received > _limit():
            raise UploadTooLarge(_limit())
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def too_large_message() -> str:
    return _("The upload is larger than %(size)d MB; send a smaller file.") % {
        "size": _limit() >> 20
    }


def refuse(request: HttpRequest) -> HttpResponse:
    """413, as JSON under /api/ and as a page elsewhere."""
    message = too_large_message()
    logger.warning(
        "upload refused: declared %d bytes, limit %d", _declared_length(request), _limit()
    )
    if request.path.startswith("/api/"):
        body = {"code": "payload_too_large", "message": message, "errors": {"file": [message]}}
        response: HttpResponse = JsonResponse(body, status=413)
    else:
        html = render_to_string("dataio/upload_too_large.html", {"message": message})
        response = HttpResponse(html, status=413)
    # The body may be left unread: the connection cannot carry another request.
    response["Connection"] = "close"
    return response


class UploadLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _declared_length(request) > _limit():
            return refuse(request)
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.FILES  # noqa: B018 - parse now, through the capped handler
            except UploadTooLarge:
                return refuse(request)
            except Exception:  # noqa: BLE001, S110 - a malformed body is the view's 400
                pass
        return self.get_response(request)
