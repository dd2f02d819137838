"""Cached values and uploaded files belong to the workspace that wrote them."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context


@pytest.fixture
def cache_key(alpha, beta):
    key = f"dashboard-totals-{uuid.uuid4().hex}"
    yield key
    for schema in ("public", alpha.schema, beta.schema):
        with schema_context(schema):
            cache.delete(key)


def test_a_value_cached_in_one_workspace_is_not_served_to_another(alpha, beta, cache_key):
    with schema_context(alpha.schema):
        cache.set(cache_key, {"open_orders": 7}, timeout=60)

    with schema_context(beta.schema):
        assert cache.get(cache_key) is None
        assert not cache.has_key(cache_key)
        # Beta writing the same key leaves alpha's value alone …
        cache.set(cache_key, {"open_orders": 99}, timeout=60)
        cache.delete(cache_key)
    assert cache.get(cache_key) is None  # … and the public schema has none either.

    with schema_context(alpha.schema):
        assert cache.get(cache_key) == {"open_orders": 7}


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    # django-tenants' storage caches MEDIA_ROOT joined with this setting and forgets it
    # only when this one changes: setting it again makes it take the new MEDIA_ROOT.
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = settings.MULTITENANT_RELATIVE_MEDIA_ROOT
    return tmp_path


def test_files_are_stored_under_the_workspaces_own_folder(alpha, beta, media_root):
    with schema_context(alpha.schema):
        name = default_storage.save("invoices/INV-0001.pdf", ContentFile(b"%PDF alpha invoice"))
        url = default_storage.url(name)

    assert (media_root / alpha.schema / name).read_bytes() == b"%PDF alpha invoice"
    assert [p.relative_to(media_root).parts[0] for p in media_root.rglob("*.pdf")] == [alpha.schema]
    assert url == f"/media/{alpha.schema}/{name}"

    with schema_context(beta.schema):
        assert not default_storage.exists(name)
        assert default_storage.listdir("invoices") == ([], [])
        with pytest.raises(FileNotFoundError):
            default_storage.open(name)
        # The same name saved by beta is a different file in beta's folder.
        default_storage.save(name, ContentFile(b"%PDF beta invoice"))

    assert (media_root / beta.schema / name).read_bytes() == b"%PDF beta invoice"
    with schema_context(alpha.schema), default_storage.open(name) as stored:
        assert stored.read() == b"%PDF alpha invoice"
