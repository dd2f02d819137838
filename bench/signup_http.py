"""Sign-up over HTTP, as a newcomer meets it on `make demo`. Benchmark, not a test.

Starts `tradepost demo` itself (gunicorn, Celery worker and beat, its own Redis) on a
throwaway database, with the sign-up limits raised through the environment, and times

  direct     sign-ups with TENANT_POOL_SIZE=0: every one clones the template (the
             baseline: what a sign-up costs when the pool has run dry);
  pooled     the same sign-ups one after another with the pool filled, the worker
             refilling it after each;
  burst      sign-ups sent all at once from as many clients,

each from the request to the new workspace answering: `POST /api/v1/signup`, then
`GET /accounts/login/` on the workspace's own host until it answers 200. Passwords are
hashed with the real hasher. The pool size is sampled throughout, and the server's log
is searched for sign-ups that found the pool empty.

    .venv/bin/python bench/signup_http.py [--runs 30] [--burst 10] [--direct-runs 10]
    .venv/bin/python bench/signup_http.py --url http://localhost:8000   # a running server

See bench/README.md for what the figures mean.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
TRADEPOST = Path(sys.executable).with_name("tradepost")

PASSWORD = "Sturdy-Password-2026"  # noqa: S105 (the bench owners' password)
TARGET_P95_MS = 500.0
POOL_EMPTY_LINE = "schema pool empty: cloning the template"
READY_SECONDS = 600


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- The server ---------------------------------------------------------------------------


def server_url() -> str:
    """DATABASE_URL, else the local PostgreSQL on 127.0.0.1:5432 (as bench/provisioning.py)."""
    from tradepost import devservices

    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    if devservices.local_postgres_url() is not None:
        return "postgresql://postgres@127.0.0.1:5432/postgres"
    log("no PostgreSQL on 127.0.0.1:5432; starting the embedded one")
    return devservices.embedded_postgres_url()


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    import psycopg

    url = server_url()
    name = f"tradepost_bench_signup_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    log(f"created database {name}")
    try:
        yield urlunsplit(urlsplit(url)._replace(path="/" + name))
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        log(f"dropped database {name}")


@dataclass
class Server:
    """`tradepost demo` as a subprocess; its console goes to a log file."""

    base_url: str
    database_url: str | None
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def pool_empty_count(self) -> int:
        return self.log_text().count(POOL_EMPTY_LINE)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()


def demo_start(*, database_url: str, var_dir: Path, pool_size: int, workers: int) -> Server:
    from tradepost import devservices

    port = devservices.free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "FAST_PASSWORD_HASHER", "DJANGO_SETTINGS_MODULE", "PUBLIC_URL"}
    }
    env.update(
        DATABASE_URL=database_url,
        TRADEPOST_VAR_DIR=str(var_dir),
        TENANT_POOL_SIZE=str(pool_size),
        # Every sign-up of the run comes from this one address.
        SIGNUP_RATE_PER_HOUR="100000",
        SIGNUP_RATE_PER_DAY="100000",
        PYTHONUNBUFFERED="1",
    )
    log_path = var_dir / f"demo-pool{pool_size}.log"
    log(f"starting tradepost demo on port {port}, pool {pool_size} (console: {log_path})")
    process = subprocess.Popen(
        [str(TRADEPOST), "demo", "--port", str(port), "--workers", str(workers),
         "--embedded-redis"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = Server(f"http://localhost:{port}", database_url, process, log_path)
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"tradepost demo exited:\n{server.log_text()[-3000:]}")
        text = server.log_text()
        if "celery@" in text and " ready." in text and answers(server.base_url, "/healthz"):
            return server
        time.sleep(0.5)
    server.stop()
    raise SystemExit(f"tradepost demo not ready in {READY_SECONDS} s")


# --- HTTP ---------------------------------------------------------------------------------


def _request(base_url: str, method: str, path: str, host: str | None = None, body=None):
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection("127.0.0.1", parts.port or 80, timeout=60)
    headers = {"Host": host or parts.netloc}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def answers(base_url: str, path: str, host: str | None = None) -> bool:
    try:
        return _request(base_url, "GET", path, host)[0] == 200
    except OSError:
        return False


@dataclass
class Signup:
    slug: str
    ms: float = 0.0
    status: int = 0
    workspace_answered: bool = False
    error: str = ""


def signup(base_url: str, slug: str) -> Signup:
    """One sign-up, timed from the request to the workspace's first 200."""
    result = Signup(slug)
    started = time.perf_counter()
    try:
        status, body = _request(
            base_url,
            "POST",
            "/api/v1/signup",
            body={
                "company_name": f"Bench {slug}",
                "slug": slug,
                "owner_email": f"owner@{slug}.example.com",
                "password": PASSWORD,
            },
        )
        result.status = status
        if status != 201:
            result.error = body[:300].decode(errors="replace")
            return result
        host = urlsplit(json.loads(body)["workspace_url"]).netloc
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if answers(base_url, "/accounts/login/", host):
                result.workspace_answered = True
                break
            time.sleep(0.01)
    except (OSError, ValueError, KeyError) as exc:
        result.error = repr(exc)
    result.ms = (time.perf_counter() - started) * 1000
    return result


# --- The pool -----------------------------------------------------------------------------


@dataclass
class PoolWatch:
    """Samples the number of pooled schemas every 50 ms while a phase runs."""

    database_url: str | None
    samples: list[int] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def size(self) -> int | None:
        if not self.database_url:
            return None
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM public.tenants_tenant WHERE kind = 'pooled'"
            ).fetchone()
        return int(row[0])

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            with contextlib.suppress(Exception):
                self.samples.append(self.size())

    @contextlib.contextmanager
    def watching(self):
        self.samples.clear()
        self._stop.clear()
        thread = threading.Thread(target=self._run, daemon=True)
        if self.database_url:
            thread.start()
        try:
            yield
        finally:
            self._stop.set()
            if self.database_url:
                thread.join()

    def wait_for(self, size: int, seconds: float = 600) -> float:
        started = time.monotonic()
        while (self.size() or 0) < size and time.monotonic() - started < seconds:
            time.sleep(0.25)
        return time.monotonic() - started


# --- Phases and report --------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    signups: list[Signup]
    pool_before: int | None = None
    pool_after: int | None = None
    pool_min: int | None = None
    pool_empty_signups: int = 0
    wall_s: float = 0.0

    @property
    def ok(self) -> list[Signup]:
        return [s for s in self.signups if s.status == 201 and s.workspace_answered]

    def quantile(self, q: float) -> float:
        values = sorted(s.ms for s in self.ok)
        if not values:
            return float("nan")
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "signups": len(self.signups),
            "succeeded": len(self.ok),
            "median_ms": round(self.quantile(0.5), 1),
            "p95_ms": round(self.quantile(0.95), 1),
            "max_ms": round(max((s.ms for s in self.ok), default=float("nan")), 1),
            "pool_before": self.pool_before,
            "pool_min": self.pool_min,
            "pool_after": self.pool_after,
            "signups_that_found_the_pool_empty": self.pool_empty_signups,
            "wall_s": round(self.wall_s, 2),
            "errors": [f"{s.slug}: {s.status} {s.error}" for s in self.signups if s not in self.ok],
        }


def run_phase(
    name: str, server: Server, pool: PoolWatch, slugs: list[str], *, concurrent: bool
) -> Phase:
    log(f"{name}: {len(slugs)} sign-ups {'at once' if concurrent else 'one after another'}")
    phase = Phase(name, [], pool_before=pool.size())
    empty_before = server.pool_empty_count()
    started = time.perf_counter()
    with pool.watching():
        if concurrent:
            barrier = threading.Barrier(len(slugs))
            results: list[Signup] = [Signup(slug) for slug in slugs]

            def client(i: int) -> None:
                barrier.wait()
                results[i] = signup(server.base_url, slugs[i])

            threads = [threading.Thread(target=client, args=(i,)) for i in range(len(slugs))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            phase.signups = results
        else:
            phase.signups = [signup(server.base_url, slug) for slug in slugs]
    phase.wall_s = time.perf_counter() - started
    time.sleep(0.5)  # the last log lines
    phase.pool_after = pool.size()
    phase.pool_min = min([s for s in pool.samples if s is not None], default=phase.pool_after)
    phase.pool_empty_signups = server.pool_empty_count() - empty_before
    return phase


def report(phases: list[Phase], meta: dict, as_json: bool) -> dict:
    by_name = {p.name: p for p in phases}
    pooled, direct, burst = by_name.get("pooled"), by_name.get("direct"), by_name.get("burst")
    verdict = {
        "pooled_p95_ms": round(pooled.quantile(0.95), 1) if pooled else None,
        "pooled_p95_target_ms": TARGET_P95_MS,
        "pooled_p95_met": bool(pooled and pooled.quantile(0.95) <= TARGET_P95_MS),
        "burst_all_succeeded": bool(burst and len(burst.ok) == len(burst.signups)),
        "pool_never_ran_dry": all(
            p.pool_empty_signups == 0 for p in phases if p.name in ("pooled", "burst")
        ),
        "direct_over_pooled_median": (
            round(direct.quantile(0.5) / pooled.quantile(0.5), 2) if direct and pooled else None
        ),
        "direct_over_pooled_p95": (
            round(direct.quantile(0.95) / pooled.quantile(0.95), 2) if direct and pooled else None
        ),
    }
    data = {"meta": meta, "phases": [p.as_dict() for p in phases], "verdict": verdict}
    record_summary(by_name, verdict)
    if as_json:
        print(json.dumps(data, indent=2))
        return data
    print()
    print("Sign-up over HTTP: POST /api/v1/signup until the new workspace answers 200")
    for key, value in meta.items():
        print(f"  {key}: {value}")
    print()
    header = (
        f"{'phase':<8} {'n':>3} {'ok':>3} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}"
        f" {'pool before/min/after':>22} {'found empty':>12} {'wall s':>7}"
    )
    print(header)
    print("-" * len(header))
    for p in phases:
        d = p.as_dict()
        pool = f"{d['pool_before']}/{d['pool_min']}/{d['pool_after']}"
        print(
            f"{p.name:<8} {d['signups']:>3} {d['succeeded']:>3} {d['median_ms']:>10.1f}"
            f" {d['p95_ms']:>8.1f} {d['max_ms']:>8.1f} {pool:>22}"
            f" {d['signups_that_found_the_pool_empty']:>12} {d['wall_s']:>7.1f}"
        )
        for error in d["errors"][:5]:
            print(f"         ! {error}")
    print()
    met = "met" if verdict["pooled_p95_met"] else "MISSED"
    print(f"  pooled p95 {verdict['pooled_p95_ms']} ms, target <= {TARGET_P95_MS:.0f} ms: {met}")
    if burst:
        print(f"  burst: {len(burst.ok)}/{len(burst.signups)} succeeded")
    print(f"  pool never ran dry (pooled, burst): {verdict['pool_never_ran_dry']}")
    if verdict["direct_over_pooled_median"]:
        print(
            f"  direct clone / pooled: median x{verdict['direct_over_pooled_median']},"
            f" p95 x{verdict['direct_over_pooled_p95']}"
        )
    return data


def machine() -> dict:
    load = os.getloadavg()
    return {
        "cores": os.cpu_count(),
        "load average (1/5/15 min)": " ".join(f"{x:.2f}" for x in load),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="sequential pooled sign-ups")
    parser.add_argument("--burst", type=int, default=10, help="sign-ups sent at once")
    parser.add_argument("--direct-runs", type=int, default=10, help="sign-ups with pool 0")
    parser.add_argument(
        "--pool", type=int, default=20, help="TENANT_POOL_SIZE of the pooled server"
    )
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers")
    parser.add_argument("--url", help="measure a running server instead (no direct run)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    run_id = f"{os.getpid()}{int(time.time()) % 100000}"
    workers = args.workers or os.cpu_count() or 2
    meta = machine()
    phases: list[Phase] = []

    def slugs(prefix: str, n: int) -> list[str]:
        return [f"b{run_id}-{prefix}{i}" for i in range(n)]

    if args.url:
        server = Server(args.url.rstrip("/"), os.environ.get("DATABASE_URL"))
        pool = PoolWatch(server.database_url)
        meta["server"] = f"{server.base_url} (running; pool size only with DATABASE_URL)"
        phases.append(run_phase("pooled", server, pool, slugs("p", args.runs), concurrent=False))
        phases.append(run_phase("burst", server, pool, slugs("c", args.burst), concurrent=True))
        data = report(phases, meta, args.json)
        return 0 if not args.check or _met(data) else 1

    var_dir = ROOT / "var" / f"bench-signup-{os.getpid()}"
    var_dir.mkdir(parents=True, exist_ok=True)
    meta["server"] = f"tradepost demo: gunicorn {workers} workers, Celery worker 2, own Redis"
    try:
        with throwaway_database() as database_url:
            server = demo_start(
                database_url=database_url, var_dir=var_dir, pool_size=0, workers=workers
            )
            try:
                pool = PoolWatch(database_url)
                phases.append(
                    run_phase(
                        "direct", server, pool, slugs("d", args.direct_runs), concurrent=False
                    )
                )
            finally:
                server.stop()
            server = demo_start(
                database_url=database_url, var_dir=var_dir, pool_size=args.pool, workers=workers
            )
            try:
                pool = PoolWatch(database_url)
                waited = pool.wait_for(args.pool)
                log(f"pool at {pool.size()} after {waited:.1f} s")
                phases.append(
                    run_phase("pooled", server, pool, slugs("p", args.runs), concurrent=False)
                )
                waited = pool.wait_for(args.pool)
                log(f"pool back at {pool.size()} after {waited:.1f} s")
                phases.append(
                    run_phase("burst", server, pool, slugs("c", args.burst), concurrent=True)
                )
            finally:
                server.stop()
            meta["pool size"] = args.pool
            meta["load average at the end"] = machine()["load average (1/5/15 min)"]
            data = report(phases, meta, args.json)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    return 0 if not args.check or _met(data) else 1


def record_summary(by_name: dict[str, Phase], verdict: dict) -> None:
    """The headline figures into var/bench/signup_http.jsonl for bench/summary.py (the
    baseline: issue 12's 1.6 s median, sign-ups one after another on the old default)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_summary", ROOT / "bench" / "summary.py")
    assert spec is not None and spec.loader is not None
    summary = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(summary)
    recorder = summary.Recorder("signup_http")
    pooled, direct = by_name.get("pooled"), by_name.get("direct")
    if pooled and pooled.ok:
        recorder.record(
            f"{len(pooled.signups)} sequential sign-ups p95 (pooled)",
            pooled.quantile(0.95),
            "ms",
            better="lower",
            target=TARGET_P95_MS,
            baseline=1600,
            note=f"median {pooled.quantile(0.5):.0f} ms; pool never ran dry: "
            f"{verdict['pool_never_ran_dry']}",
        )
    if direct and direct.ok:
        recorder.record(
            f"{len(direct.signups)} sequential sign-ups p95 (direct clone)",
            direct.quantile(0.95),
            "ms",
            better="lower",
            target=None,
            baseline=None,
            note="the same server with TENANT_POOL_SIZE=0",
        )
    burst = by_name.get("burst")
    if burst:
        recorder.record(
            f"{len(burst.signups)} concurrent sign-ups that succeeded",
            len(burst.ok),
            "sign-ups",
            better="higher",
            target=len(burst.signups),
            baseline=None,
        )


def _met(data: dict) -> bool:
    v = data["verdict"]
    return v["pooled_p95_met"] and v["burst_all_succeeded"] and v["pool_never_ran_dry"]


if __name__ == "__main__":
    sys.exit(main())
