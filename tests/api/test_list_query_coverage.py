"""Every list endpoint of the API has a pinned query count (tests/support/queries.py).

The router knows every list; this test knows every test module that calls
`assert_list_queries`. A list whose path no such module names fails here, so a new
endpoint cannot arrive without its query-count test.
"""

from __future__ import annotations

from pathlib import Path

from api.urls import router

TESTS = Path(__file__).resolve().parent.parent


def _modules_counting_list_queries() -> list[str]:
    texts = (path.read_text(encoding="utf-8") for path in TESTS.rglob("test_*.py"))
    return [text for text in texts if "assert_list_queries(" in text]


def _list_paths() -> list[str]:
    paths = []
    for prefix, viewset, _basename in router.registry:
        if hasattr(viewset, "list"):
            paths.append(f"/api/v1/{prefix}/")
    return paths


def test_every_api_list_has_a_query_count_test():
    modules = _modules_counting_list_queries()

    missing = [path for path in _list_paths() if not any(path in text for text in modules)]

    assert _list_paths(), "the router lists no endpoints: the test would check nothing"
    assert missing == []
