"""Every upload (imports, product images, anything to come) is capped by size before
it is read, and while it streams.

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
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import translation
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


def size_text(size: int) -> str:
    """A byte count as people read it in a limit: "20 MB", or "9.8 KB" below a MB."""
    if size >= 1 << 20 and size % (1 << 20) == 0:
        return _("%(size)d MB") % {"size": size >> 20}
    return filesizeformat(size)


def too_large_message() -> str:
    return _("The upload is larger than %(size)s; send a smaller file.") % {
        "size": size_text(_limit())
    }


def refuse(request: HttpRequest) -> HttpResponse:
    """413, as JSON under /api/ and as a page elsewhere, in the caller's language
    (this runs before LocaleMiddleware has chosen it)."""
    with translation.override(translation.get_language_from_request(request)):
        return _refusal(request)


def _refusal(request: HttpRequest) -> HttpResponse:
    message = too_large_message()
    logger.warning(
        "upload refused: declared %d bytes, limit %d", _declared_length(request), _limit()
    )
    if request.path.startswith("/api/"):
        body = {"code": "payload_too_large", "message": message, "errors": {"file": [message]}}
        response: HttpResponse = JsonResponse(body, status=413)
    else:
        context = {"message": message, "LANGUAGE_CODE": translation.get_language()}
        html = render_to_string("413.html", context)
        response = HttpResponse(html, status=413)
    # No `Connection: close` here: WSGI forbids hop-by-hop headers from the application
    # (wsgiref refuses them with a 500); the server closes a connection whose body was
    # left unread.
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
