"""Run the processes of `tradepost demo` on one console, and stop all of them.

Every process gets a prefix on the console (`web |`, `worker |` …); a log file can be
followed the same way (the embedded PostgreSQL writes to one). Each process starts in
a session of its own, so the terminal's Ctrl-C reaches only the supervising process,
which then stops them in reverse order of start — web, worker and beat before the
Redis they use — each with its own stop signal, and kills whatever is left of each
process group after a grace period. On Linux a child also gets SIGKILL when the
supervisor dies without cleaning up (`PR_SET_PDEATHSIG`), so even `kill -9` of the
supervisor leaves no server behind.

honcho would do the prefixing, but stops everything at once and kills after a fixed
wait; here the order matters (the database and Redis go last) and the embedded
PostgreSQL is not our child (pgserver starts it with `pg_ctl`).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

_PR_SET_PDEATHSIG = 1
# Looked up now: between fork and exec the child must not load anything.
_prctl = getattr(ctypes.CDLL(None), "prctl", None) if sys.platform == "linux" else None


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    stop_signal: int


@dataclass
class Supervisor:
    width: int = 8
    children: list[Child] = field(default_factory=list)
    _print_lock: threading.Lock = field(default_factory=threading.Lock)
    _stop_following: threading.Event = field(default_factory=threading.Event)

    def say(self, name: str, line: str) -> None:
        with self._print_lock:
            sys.stdout.write(f"{name:>{self.width}} | {line.rstrip()}\n")
            sys.stdout.flush()

    def start(
        self,
        name: str,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        stop_signal: int = signal.SIGTERM,
    ) -> subprocess.Popen:
        """Start `argv` in a session of its own, its output prefixed with `name`."""
        process = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if _prctl else None,  # noqa: PLW1509
        )
        self.children.append(Child(name, process, stop_signal))
        threading.Thread(target=self._relay, args=(name, process), daemon=True).start()
        return process

    def _relay(self, name: str, process: subprocess.Popen) -> None:
        assert process.stdout is not None  # started with stdout=PIPE
        for raw in iter(process.stdout.readline, b""):
            self.say(name, raw.decode(errors="replace"))

    def follow(self, name: str, path: Path) -> None:
        """Print the lines appended to `path` from now on, prefixed with `name`."""
        threading.Thread(target=self._follow, args=(name, path), daemon=True).start()

    def _follow(self, name: str, path: Path) -> None:
        with contextlib.suppress(OSError), path.open("rb") as log:
            log.seek(0, os.SEEK_END)
            while not self._stop_following.is_set():
                raw = log.readline()
                if raw:
                    self.say(name, raw.decode(errors="replace"))
                else:
                    time.sleep(0.2)

    def exited(self) -> Child | None:
        """A child that has stopped on its own, if any."""
        return next((child for child in self.children if child.process.poll() is not None), None)

    def stop(self, grace: float = 10.0) -> None:
        """Stop every child, last started first: its stop signal to the process, then
        after `grace` seconds (or once it exited) SIGKILL to what is left of its group."""
        for child in reversed(self.children):
            process = child.process
            if process.poll() is None:
                self.say(child.name, "stopping")
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(child.stop_signal)
                try:
                    process.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    self.say(child.name, f"did not stop within {grace:.0f} s: killed")
            # Its own children (gunicorn's and Celery's workers) share its group.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self._stop_following.set()
