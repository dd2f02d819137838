"""The one client tests speak `/api/v1/` with.

`ApiClient` is Django's test client on a workspace's domain that sends JSON bodies
(unless the body carries a file: imports are multipart uploads), an API key as
`Authorization: Bearer …` when given one, and an `Idempotency-Key` when asked. Its
`count` and `rows` read a paginated list. The `api_client` fixture (tests/conftest.py)
makes one; so does `Workspace.api()`.
"""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.test.client import MULTIPART_CONTENT

JSON = "application/json"


def _carries_a_file(data: Any) -> bool:
    return isinstance(data, dict) and any(hasattr(value, "read") for value in data.values())


class ApiClient(Client):
    """A test client for the JSON API (see the module docstring)."""

    def __init__(self, host: str, key: str | None = None, **defaults: Any) -> None:
        if key:
            defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        super().__init__(HTTP_HOST=host, **defaults)

    def _body(self, method, path, data, content_type, idempotency_key, extra):
        if content_type is None:
            content_type = MULTIPART_CONTENT if _carries_a_file(data) else JSON
        if idempotency_key is not None:
            extra["HTTP_IDEMPOTENCY_KEY"] = idempotency_key
        if data is None and content_type == JSON:
            data = {}
        return method(path, data, content_type=content_type, **extra)

    def post(self, path, data=None, content_type=None, *, idempotency_key=None, **extra):
        return self._body(super().post, path, data, content_type, idempotency_key, extra)

    def patch(self, path, data=None, content_type=None, *, idempotency_key=None, **extra):
        return self._body(super().patch, path, data, content_type, idempotency_key, extra)

    def put(self, path, data=None, content_type=None, *, idempotency_key=None, **extra):
        return self._body(super().put, path, data, content_type, idempotency_key, extra)

    def page(self, path: str, **params: Any) -> dict:
        """The first page of a list, asserting it answered 200."""
        response = self.get(path, params)
        assert response.status_code == 200, (path, response.status_code, response.content[:500])
        return response.json()

    def count(self, path: str, **params: Any) -> int:
        """How many rows a list holds (its `count`, over every page)."""
        return self.page(path, **params)["count"]

    def rows(self, path: str, **params: Any) -> list[dict]:
        """The rows of a list's first page."""
        return self.page(path, **params)["results"]


def list_count(response) -> int:
    """The `count` of a paginated API list response."""
    return response.json()["count"]
