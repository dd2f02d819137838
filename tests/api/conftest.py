from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from api.keys import api_key_create


@pytest.fixture
def api_key():
    """Create an API key with `role` in a workspace; returns the secret."""

    def make(workspace, role: str = "system_administrator", name: str = "test") -> str:
        with schema_context(workspace.schema):
            return api_key_create(actor=None, name=name, role=role).secret

    return make


@pytest.fixture
def api_client():
    """A client on the workspace's domain sending `Authorization: Bearer <key>`."""

    def make(workspace, key: str | None = None) -> Client:
        headers = {"HTTP_HOST": workspace.domain}
        if key:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        return Client(**headers)

    return make
