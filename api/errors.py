"""One error shape for every 4xx the API returns:

    {"code": "invalid", "message": "Human sentence.", "errors": {"field": ["..."]}}

`errors` is present for validation failures and maps field names (or
"non_field_errors") to lists of messages.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The request body is too large."


class PlanLimitExceeded(exceptions.APIException):
    """The next one would go over the workspace plan's limit; the message names the
    limit and how to upgrade."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "plan_limit_reached"
    default_detail = "This would go over your plan's limit."


def _field_errors(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            key: [str(item) for item in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
        }
    items = detail if isinstance(detail, list) else [detail]
    return {"non_field_errors": [str(item) for item in items]}


def error_body(code: str, message: str, errors: dict[str, list[str]] | None = None) -> dict:
    body = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return body


def exception_handler(exc, context):
    """Map domain and DRF exceptions to the one error shape."""
    from api import idempotency
    from billing.access import PlanLimitReached

    if isinstance(exc, idempotency.IdempotentReplay):
        return idempotency.replay(exc.record)
    if isinstance(exc, PlanLimitReached):
        exc = PlanLimitExceeded(" ".join(exc.messages))
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(
            _("The request body is larger than %(limit)d bytes.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let it be a 500 and reach Sentry
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            "invalid", _("The request has invalid fields."), _field_errors(exc.detail)
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = error_body(code if isinstance(code, str) else "error", str(detail))
    return response


def error_response(code: str, message: str, http_status: int = status.HTTP_400_BAD_REQUEST):
    return Response(error_body(code, message), status=http_status)
