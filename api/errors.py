"""One error shape for every 4xx the API returns:

    {"code": "invalid", "message": "Human sentence.", "errors": {"field": ["..."]}}

`errors` is present for validation failures and maps field names (or
"non_field_errors") to lists of plain-string messages. Nested input is named by its
path, one level deep: `lines[0].quantity` for the quantity of the first line,
`address.city` for a field of a nested object, `lines[0]` for a line as a whole.
A message is always text a person can read, never a Python repr.
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
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from tradepost.errors import DOMAIN_ERROR_CODES, error_body


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


NON_FIELD_ERRORS = "non_field_errors"
# Keys that mean "the object as a whole": DRF's and Django's (`__all__`).
_WHOLE_OBJECT_KEYS = frozenset({NON_FIELD_ERRORS, api_settings.NON_FIELD_ERRORS_KEY, "__all__"})


def _field_errors(detail) -> dict[str, list[str]]:
    """Flatten a validation error's detail (DRF's nested dicts and lists of
    ErrorDetail, or a Django message_dict) into `{path: [message, …]}`.

    Lists of objects (many=True serializers) and ListField children give indexed
    paths, nested objects and DictField children dotted ones; an object's own
    non-field errors are filed under its path; whole-body errors under
    `non_field_errors`. Valid items of a list (empty dicts) leave no key.
    """
    errors: dict[str, list[str]] = {}

    def walk(node, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _WHOLE_OBJECT_KEYS:
                    walk(value, path)
                elif isinstance(key, int):
                    walk(value, f"{path}[{key}]")  # ListField child errors: {0: [...]}
                else:
                    walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list | tuple):
            if any(isinstance(item, dict | list | tuple) for item in node):
                for index, item in enumerate(node):  # one entry per item of a list
                    if isinstance(item, dict | list | tuple):
                        walk(item, f"{path}[{index}]")
                    else:
                        walk(item, path)
            else:
                for item in node:
                    walk(item, path)
        elif node is not None:
            errors.setdefault(path or NON_FIELD_ERRORS, []).append(str(node))

    walk(detail, "")
    return errors


def _domain_code(exc: DjangoValidationError) -> str | None:
    """The code every message of a service's ValidationError shares, when the service
    named one (`ValidationError(msg, code="insufficient_stock")`), else None."""
    codes = (
        {getattr(error, "code", None) for error in exc.error_list}
        if not hasattr(exc, "error_dict")
        else {
            getattr(error, "code", None) for errors in exc.error_dict.values() for error in errors
        }
    )
    if len(codes) == 1:
        code = codes.pop()
        if code in DOMAIN_ERROR_CODES:
            return str(code)
    return None


def exception_handler(exc, context):
    """Map domain and DRF exceptions to the one error shape."""
    from api import idempotency
    from billing.access import PlanLimitReached

    if isinstance(exc, idempotency.IdempotentReplay):
        return idempotency.replay(exc.record)
    domain_code = _domain_code(exc) if isinstance(exc, DjangoValidationError) else None
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
        # An upload refused while streaming names the upload limit; any other body the
        # general request limit.
        exc = PayloadTooLarge(
            getattr(exc, "user_message", None)
            or _("The request body is larger than %(limit)d bytes.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let it be a 500 and reach Sentry
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        if domain_code is not None:
            # A rule with a name of its own (insufficient_stock …): the code says which,
            # the message is the rule's first sentence.
            first = next(iter(errors.values()))[0]
            response.data = error_body(domain_code, first, errors)
        else:
            response.data = error_body("invalid", _("The request has invalid fields."), errors)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = error_body(code if isinstance(code, str) else "error", str(detail))
    return response


def error_response(code: str, message: str, http_status: int = status.HTTP_400_BAD_REQUEST):
    return Response(error_body(code, message), status=http_status)
