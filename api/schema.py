"""OpenAPI generation: every operation documents the error responses it can give."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from api import idempotency
from api.serializers import ErrorSerializer

_ERRORS = {
    400: "Invalid input (malformed JSON, wrong types, unknown fields, bad query parameters).",
    401: "Missing, invalid or revoked credentials.",
    403: "The caller's role does not allow this, or the workspace is read-only.",
    404: "No such object in this workspace.",
    405: "Method not allowed.",
    406: "Not acceptable (only JSON is served).",
    413: "Request body too large.",
    415: "Unsupported media type (send JSON).",
    429: "Too many requests; retry after the `Retry-After` header's seconds.",
}
_WRITE_ERRORS = {422: "The Idempotency-Key was already used with a different request."}


class TradepostAutoSchema(AutoSchema):
    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters.append(
                OpenApiParameter(
                    idempotency.HEADER,
                    {"type": "string", "minLength": 1, "maxLength": idempotency.KEY_MAX_LENGTH},
                    OpenApiParameter.HEADER,
                    required=False,
                    description="Send the same key again to replay the first response "
                    "instead of writing twice (24 hours).",
                )
            )
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(_ERRORS)
        if self.method in ("POST", "PUT", "PATCH"):
            errors.update(_WRITE_ERRORS)
        for code, description in errors.items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description), str(code)
                )
        return responses


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key of the workspace: `Authorization: Bearer tp_…`.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.SessionAuthentication"
    name = "Session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
