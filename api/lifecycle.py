"""`allowed_actions`: the steps of a document's life the caller may take now, read from
the document's declared lifecycle (`tradepost.lifecycle`) — the same answer the page's
buttons give, so an integrator need not re-state who may do what."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tradepost.lifecycle import Lifecycle


@extend_schema_field({"type": "array", "items": {"type": "string"}, "readOnly": True})
class AllowedActionsField(serializers.Field):
    """Read-only list of step names (e.g. `["submit", "cancel"]`) for the request's user.
    A step is `POST /<documents>/{id}/<step>/`; `edit` is `PATCH /<documents>/{id}/`."""

    def __init__(self, lifecycle: Lifecycle, **kwargs: Any) -> None:
        self.lifecycle = lifecycle
        kwargs.setdefault(
            "help_text",
            "The steps the caller may take on this document now (permission, status and "
            "the step's rules), in the order of its life.",
        )
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Any) -> list[str]:
        request = self.context.get("request")
        return self.lifecycle.allowed(getattr(request, "user", None), value)
