"""`tradepost demo` runs the production topology and stops all of it on a signal.

The demo is started as a newcomer's `make demo` would start it, on a machine with
nothing else: its own embedded PostgreSQL (a data folder of its own under var/) and
its own Redis, on a free port. Once it serves, its whole process tree is noted —
gunicorn's master and workers, the Celery worker and its pool, beat, redis-server,
and the embedded PostgreSQL (not a child: pgserver starts it with pg_ctl) — then one
signal goes to the `tradepost demo` process alone, as a process manager (SIGTERM) or
a terminal's Ctrl-C (SIGINT) would send it, and not one of those processes may be
left. The second start reuses the first one's data, so only the first migrates.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tradepost import devservices

pytestmark = [pytest.mark.demo, pytest.mark.timeout(420)]

REPO = Path(__file__).resolve().parents[2]
TRADEPOST = Path(sys.executable).with_name("tradepost")
READY_SECONDS = 300
STOP_SECONDS = 60


@pytest.fixture(scope="module")
def var_dir():
    path = REPO / "var" / f"test-demo-{os.getpid()}"
    path.mkdir(parents=True, exist_ok=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


class Demo:
    def __init__(self, var_dir: Path):
        self.port = devservices.free_port()
        self.var_dir = var_dir
        env = {
            key: value
            for key, value in os.environ.items()
            # The demo resolves its own services and loads the real settings.
            if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PUBLIC_URL"}
        }
        env.update(TRADEPOST_VAR_DIR=str(var_dir), TENANT_POOL_SIZE="0", PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            [
                str(TRADEPOST),
                "demo",
                "--port",
                str(self.port),
                "--workers",
                "2",
                "--embedded-redis",
            ],  # fmt: skip
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # like a terminal's foreground job: a group of its own
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for raw in iter(self.process.stdout.readline, b""):
            self.lines.append(raw.decode(errors="replace"))

    def output(self) -> str:
        return "".join(self.lines[-200:])

    def said(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))

    def serves(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"tradepost demo exited early:\n{self.output()}")
            if self.serves() and self.said("celery@") and self.said("beat: Starting"):
                return
            time.sleep(0.5)
        self.kill()
        pytest.fail(f"tradepost demo not ready in {READY_SECONDS} s:\n{self.output()}")

    def processes(self) -> list[psutil.Process]:
        """Every process the demo runs: its descendants and the embedded PostgreSQL."""
        found = psutil.Process(self.process.pid).children(recursive=True)
        postmaster = (self.var_dir / "postgres" / "postmaster.pid").read_text().split()[0]
        found.append(psutil.Process(int(postmaster)))
        return found

    def kill(self) -> None:
        """Leave nothing behind when the test itself fails."""
        for proc in self.processes() if self.process.poll() is None else []:
            proc.kill()
        self.process.kill()


def _command(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return "?"


def _all_started(demo: Demo, expected: int = 8, seconds: float = 60) -> list[psutil.Process]:
    """The demo's processes once all have started: serving and Celery's banner come
    before gunicorn's second worker and the worker pool have forked on a busy machine."""
    deadline = time.monotonic() + seconds
    while True:
        processes = demo.processes()
        if len(processes) >= expected or time.monotonic() > deadline:
            return processes
        time.sleep(0.5)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_the_demo_process_stops_every_process_it_started(var_dir, signum):
    demo = Demo(var_dir)
    demo.wait_ready()
    try:
        processes = _all_started(demo)
        commands = [_command(proc) for proc in processes]
        for part in ("gunicorn", "celery -A tradepost worker", "celery -A tradepost beat"):
            assert any(part in command for command in commands), (part, commands)
        assert any("redis-server" in command for command in commands), commands
        assert any(proc.name() == "postgres" for proc in processes), commands
        # gunicorn's master and 2 workers, Celery's worker and its pool of 2, beat, redis, pg
        assert len(processes) >= 8, commands
    except BaseException:
        demo.kill()  # the next start must not find this one's PostgreSQL running
        raise

    os.kill(demo.process.pid, signum)  # the demo process alone, not its group
    try:
        status = demo.process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        demo.kill()
        pytest.fail(f"tradepost demo still running {STOP_SECONDS} s after {signum!r}")
    gone, alive = psutil.wait_procs(processes, timeout=5)
    left = [f"{proc.pid} {_command(proc)}" for proc in alive]
    assert left == [], f"left running after {signum!r}:\n{demo.output()}"
    assert status == 0
    assert demo.said("[demo] stopped")
