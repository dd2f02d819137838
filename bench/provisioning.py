"""How long does a new workspace wait for its schema? Benchmark, not a test.

Measures, against a throwaway database this script creates and drops itself:

  migrate   CREATE SCHEMA + `migrate_schemas` for a fresh tenant (the baseline we avoid);
  clone     `workspace_claim` with an empty pool: tenant row + clone of the template
            (`provisioning.clone_template`) + domain, in one transaction;
  pooled    `workspace_claim` with a ready pooled schema: rename + tenant row + domain;
  signup    the whole `tenant_signup` on a pooled schema, with Django's real password
            hasher (PBKDF2) and with the fast test-only one (FAST_PASSWORD_HASHER).

and, to explain the clone figure, what `clone_template` spends re-installing
django-tenants' `clone_schema` SQL function on every call, and how repeated clones
slow down on one database connection because of it.

    .venv/bin/python bench/provisioning.py [--runs 20] [--migrate-runs 5] [--json]

See bench/README.md for what the figures mean.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import signal
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
# Run as a file: drop bench/ from the path (this file is called provisioning.py too)
# and put the platform packages on it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]

BENCH_SUMMARY = Path(__file__).resolve().parent / "summary.py"
PASSWORD = "Sturdy-Password-2026"  # noqa: S105 (the bench owners' password)
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # = FAST_PASSWORD_HASHER=1
TARGET_POOLED_P95_MS = 50.0
TARGET_MIGRATE_OVER_POOLED = 20.0


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- The throwaway database -------------------------------------------------------------


def server_url() -> tuple[str, str]:
    """A URL on the PostgreSQL server to use, and where it came from.

    DATABASE_URL when set; else the local server on 127.0.0.1:5432 when it answers;
    else the embedded one (pgserver, data under var/postgres).
    """
    url = os.environ.get("DATABASE_URL")
    if url:
        return url, "DATABASE_URL"
    from tradepost import devservices

    if devservices.local_postgres_url() is not None:
        return "postgresql://postgres@127.0.0.1:5432/postgres", "local server 127.0.0.1:5432"
    log("no PostgreSQL on 127.0.0.1:5432; starting the embedded one")
    return devservices.embedded_postgres_url(), "embedded (pgserver)"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def describe(url: str) -> str:
    """host:port/db without credentials, for the report."""
    parts = urlsplit(url)
    host = unquote(parts.hostname or "") if parts.hostname else "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{host}{port}{parts.path}"


@contextlib.contextmanager
def throwaway_database(url: str) -> Iterator[str]:
    """Create `tradepost_bench_<pid>` on the server of `url`; drop it afterwards."""
    import psycopg

    name = f"tradepost_bench_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    log(f"created database {name}")
    try:
        yield with_database(url, name)
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        log(f"dropped database {name}")


def setup_django(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tradepost.settings"
    os.environ["TRADEPOST_DEV"] = "1"
    os.environ["DATABASE_URL"] = database_url
    # Nothing may refill the pool behind the benchmark's back: the sign-up's
    # after-commit refill (run in-process, Celery eager) finds nothing to add.
    os.environ["TENANT_POOL_SIZE"] = "0"
    # Celery eager and the local-memory cache: no Redis, no worker elsewhere.
    os.environ.pop("REDIS_URL", None)
    # The password hasher is chosen per measurement (override_settings).
    os.environ.pop("FAST_PASSWORD_HASHER", None)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    import django

    django.setup()


# --- Measuring ---------------------------------------------------------------------------


def summarise(samples: list[float]) -> dict[str, float | int]:
    """Milliseconds: median, p95 (linear interpolation between ranks), min, max."""
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[0] if len(ms) == 1 else statistics.quantiles(ms, n=20, method="inclusive")[18]
    return {
        "runs": len(ms),
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(p95, 2),
        "min_ms": round(ms[0], 2),
        "max_ms": round(ms[-1], 2),
    }


def fresh_connection() -> None:
    """Untimed: the next run starts on a new database connection, as a request or a
    task does with the default DB_CONN_MAX_AGE=0, and carries nothing over from the
    runs before it."""
    from django.db import connection

    connection.close()
    connection.ensure_connection()


@dataclass
class Mode:
    """One thing to time: `once(slug)`, warmup + runs times; `after(slug)` untimed."""

    key: str
    runs: int
    once: Callable[[str], object]
    prefix: str
    after: Callable[[str], object] | None = None
    samples: list[float] = field(default_factory=list)


def measure(modes: list[Mode], warmup: int) -> None:
    """Time the modes round-robin, each run on a new connection."""
    rounds = warmup + max(mode.runs for mode in modes)
    for i in range(rounds):
        for mode in modes:
            if i >= warmup + mode.runs:
                continue
            slug = f"{mode.prefix}-{i:02d}"
            fresh_connection()
            started = time.perf_counter()
            mode.once(slug)
            elapsed = time.perf_counter() - started
            if i >= warmup:
                mode.samples.append(elapsed)
            if mode.after is not None:
                mode.after(slug)
    for mode in modes:
        log(f"{mode.key}: {mode.runs} runs, median {statistics.median(mode.samples) * 1000:.1f} ms")


def run(args: argparse.Namespace) -> dict:
    import logging
    from unittest import mock

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import override_settings
    from django_tenants.clone import CloneSchema
    from django_tenants.utils import schema_exists

    from tenants import provisioning
    from tenants.models import Tenant
    from tenants.services import tenant_signup
    from tenants.tasks import refill_schema_pool

    started = time.perf_counter()
    log("migrate_schemas --shared")
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    log("platform setup: public tenant, template schema")
    provisioning.ensure_public_tenant()
    provisioning.ensure_template()
    setup_s = time.perf_counter() - started

    def scalar(sql: str, params: list | None = None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def schema_count() -> int:
        return scalar(
            "SELECT count(*) FROM pg_namespace "
            "WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'"
        )

    def pool_count() -> int:
        return Tenant.objects.filter(kind=Tenant.Kind.POOLED).count()

    server_version = scalar("SHOW server_version")
    autovacuum = scalar("SHOW autovacuum")
    template_tables = scalar(
        "SELECT count(*) FROM pg_tables WHERE schemaname = %s", [settings.TENANT_BASE_SCHEMA]
    )
    warmup = args.warmup
    schemas: dict[str, int] = {}
    results: dict[str, dict] = {}
    # workspace_claim warns on every call when the pool is empty: expected here.
    logging.getLogger("tenants.provisioning").setLevel(logging.ERROR)

    def claim_once(slug: str) -> None:
        with transaction.atomic():
            provisioning.workspace_claim(slug=slug, name=slug, owner_email=f"owner@{slug}.test")

    def drop_workspace(slug: str) -> None:
        """Untimed: every timed run starts from the same number of schemas."""
        Tenant.objects.get(slug=slug).delete(force_drop=True)
        connection.set_schema_to_public()

    def drop_schema(schema_name: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{schema_name}" CASCADE')

    pool_fill = Mode("pool_add", 0, provisioning.pool_add, "pool")

    def fill_pool(count: int) -> None:
        """Untimed for the hand-out; each pool_add is reported as the refill's unit of work."""
        log(f"adding {count} schemas to the pool")
        pool_fill.runs += count
        for _ in range(count):
            fresh_connection()
            started = time.perf_counter()
            provisioning.pool_add()
            pool_fill.samples.append(time.perf_counter() - started)
        schemas["max"] = max(schemas.get("max", 0), schema_count())

    if args.background_schemas:
        log(f"creating {args.background_schemas} workspaces first (untimed, --background-schemas)")
        for i in range(args.background_schemas):
            fresh_connection()
            claim_once(f"bench-existing-{i:04d}")

    # a) migrate per tenant, b) direct clone, and b) with the clone_schema function
    # installed once instead of on every call (the proposed fix), interleaved.
    def migrate_once(slug: str) -> None:
        schema = provisioning.workspace_schema_name(slug)
        Tenant.objects.create(schema_name=schema, kind=Tenant.Kind.ACTIVE, slug=slug, name=slug)
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{schema}"')
        call_command("migrate_schemas", schema_name=schema, interactive=False, verbosity=0)
        connection.set_schema_to_public()

    def install_function_once(_slug: str) -> None:
        with transaction.atomic():
            CloneSchema()._create_clone_schema_function()

    def clone_function_installed(schema_name: str) -> None:
        """clone_template minus the re-install of the SQL function (the proposed fix)."""
        connection.set_schema_to_public()
        if schema_exists(schema_name, case_sensitive=False):
            raise ValueError(f"schema {schema_name} exists")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT public.clone_schema(%s, %s, 'DATA')",
                [settings.TENANT_BASE_SCHEMA, schema_name],
            )

    def claim_function_installed_once(slug: str) -> None:
        with mock.patch.object(provisioning, "clone_template", clone_function_installed):
            claim_once(slug)

    assert pool_count() == 0, "the clone measurement needs an empty pool"
    install_function_once("")  # so that "installed once" holds from the first round
    schemas["base"] = schema_count()
    first = [
        Mode("migrate", args.migrate_runs, migrate_once, "bench-migrate", drop_workspace),
        Mode("clone", args.runs, claim_once, "bench-clone", drop_workspace),
        Mode(
            "clone_function_installed",
            args.runs,
            claim_function_installed_once,
            "bench-fix",
            drop_workspace,
        ),
        Mode("clone_function_install", args.runs, install_function_once, "fn"),
    ]
    measure(first, warmup)
    assert schema_count() == schemas["base"]

    # Diagnostic: clones one after another on ONE connection (a refill task adding
    # several schemas, a worker with DB_CONN_MAX_AGE > 0), as is and with the fix.
    for key, clone in (
        ("clone_one_connection", provisioning.clone_template),
        ("clone_one_connection_function_installed", clone_function_installed),
    ):
        log(f"{key}: {args.runs} clones on one connection")
        fresh_connection()
        samples: list[float] = []
        for i in range(args.runs):
            schema_name = f"bench_conn_{i:02d}"
            started = time.perf_counter()
            with transaction.atomic():
                clone(schema_name)
            samples.append(time.perf_counter() - started)
            drop_schema(schema_name)
        results[key] = summarise(samples)
        results[key]["first_ms"] = round(samples[0] * 1000, 2)
        results[key]["last_ms"] = round(samples[-1] * 1000, 2)
    assert schema_count() == schemas["base"]
    logging.getLogger("tenants.provisioning").setLevel(logging.NOTSET)

    # c) pooled hand-out.
    fill_pool(args.runs + warmup)
    pooled = Mode("pooled", args.runs, claim_once, "bench-pooled", drop_workspace)
    measure([pooled], warmup)
    assert pool_count() == 0, "a claim did not use the pool"

    # d) the whole sign-up on a pooled schema, real and fast password hasher.
    def signup_once(slug: str) -> None:
        tenant_signup(
            company_name=f"Bench {slug}",
            slug=slug,
            owner_email=f"owner@{slug}.test",
            password=PASSWORD,
            full_name="Bench Owner",
        )

    signup_runs = args.signup_runs
    signups = []
    for key, hashers, prefix in (
        ("signup_pbkdf2", None, "bench-signup-real"),
        ("signup_fast_hasher", FAST_HASHERS, "bench-signup-fast"),
    ):
        fill_pool(signup_runs + warmup)
        overrides = {} if hashers is None else {"PASSWORD_HASHERS": hashers}
        mode = Mode(key, signup_runs, signup_once, prefix, drop_workspace)
        with override_settings(**overrides):
            measure([mode], warmup)
        assert pool_count() == 0, "a sign-up did not use the pool"
        signups.append(mode)
    assert settings.TENANT_POOL_SIZE == 0, "the after-commit refill must add nothing"

    # What the after-commit refill costs each sign-up above (in-process, adds nothing).
    refill = Mode(
        "refill_noop",
        args.runs,
        lambda _slug: refill_schema_pool.apply_async(headers={"_schema_name": "public"}),
        "refill",
    )
    measure([refill], warmup)
    assert schema_count() == schemas["base"]

    for mode in [*first, pool_fill, pooled, *signups, refill]:
        results[mode.key] = summarise(mode.samples)

    def ratio(a: str, b: str) -> dict[str, float]:
        return {
            stat: round(results[a][f"{stat}_ms"] / results[b][f"{stat}_ms"], 1)
            for stat in ("median", "p95")
        }

    ratios = {
        "migrate_over_pooled": ratio("migrate", "pooled"),
        "migrate_over_clone": ratio("migrate", "clone"),
        "clone_over_pooled": ratio("clone", "pooled"),
    }
    targets = {
        "pooled_p95_ms_max": TARGET_POOLED_P95_MS,
        "pooled_p95_ok": results["pooled"]["p95_ms"] <= TARGET_POOLED_P95_MS,
        "migrate_over_pooled_min": TARGET_MIGRATE_OVER_POOLED,
        "migrate_over_pooled_ok": ratios["migrate_over_pooled"]["median"]
        >= TARGET_MIGRATE_OVER_POOLED,
    }
    import django

    return {
        "environment": {
            "python": platform.python_version(),
            "django": django.get_version(),
            "django_tenants": metadata.version("django-tenants"),
            "postgresql": server_version,
            "autovacuum": autovacuum,
            "server": args.server_description,
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "template_schema": settings.TENANT_BASE_SCHEMA,
            "template_tables": template_tables,
            "runs": args.runs,
            "migrate_runs": args.migrate_runs,
            "signup_runs": signup_runs,
            "warmup": warmup,
            "background_schemas": args.background_schemas,
            "schemas_in_database": schemas,
            "setup_s": round(setup_s, 1),
        },
        "results": results,
        "ratios": ratios,
        "targets": targets,
    }


# --- Report ------------------------------------------------------------------------------

ROWS = [
    ("migrate", "a) migrate per tenant (baseline)"),
    ("clone", "b) direct clone (empty pool)"),
    ("pooled", "c) pooled hand-out"),
]
SIGNUP_ROWS = [
    ("signup_pbkdf2", "d) sign-up, PBKDF2 (real) hasher"),
    ("signup_fast_hasher", "d) sign-up, MD5 (test-only) hasher"),
]
DIAGNOSTIC_ROWS = [
    ("clone_function_install", "clone_schema() SQL re-install alone"),
    ("clone_function_installed", "b) without that re-install"),
    ("clone_one_connection", "clone_template, N on one connection"),
    ("clone_one_connection_function_installed", "same, function installed once"),
    ("pool_add", "pool_add (background refill)"),
    ("refill_noop", "after-commit refill, no-op (in d)"),
]


def format_table(report: dict) -> str:
    env, results, ratios, targets = (
        report["environment"],
        report["results"],
        report["ratios"],
        report["targets"],
    )
    schemas = env["schemas_in_database"]
    pooled_max = schemas["max"] - schemas["base"]
    lines = [
        "Tradepost provisioning benchmark",
        f"  PostgreSQL {env['postgresql']} ({env['server']}), Python {env['python']}, "
        f"Django {env['django']}, django-tenants {env['django_tenants']}",
        f"  {env['cpus']} CPU(s), load average at the end {env['load_average']}, "
        f"autovacuum {env['autovacuum']}; "
        f"template {env['template_schema']}: {env['template_tables']} tables; "
        f"platform setup {env['setup_s']} s",
        f"  runs per mode: {env['runs']}; migrate {env['migrate_runs']} (--migrate-runs, the slow "
        f"one); sign-up {env['signup_runs']} per hasher (--signup-runs); "
        f"{env['warmup']} untimed warm-up run(s) first",
        f"  schemas in the database: {schemas['base']} (public, template, "
        f"{env['background_schemas']} --background-schemas) plus at most {pooled_max} "
        "pooled; each measured workspace is dropped after its run",
        "  every run on a new connection; a) and b) interleaved",
        "",
    ]
    header = f"{'mode':<40}{'runs':>5}{'median':>10}{'p95':>10}{'min':>10}{'max':>10}"

    def row(key: str, label: str) -> str:
        r = results[key]
        return (
            f"{label:<40}{r['runs']:>5}{r['median_ms']:>10.1f}{r['p95_ms']:>10.1f}"
            f"{r['min_ms']:>10.1f}{r['max_ms']:>10.1f}"
        )

    lines += [header + "  (ms)", "-" * len(header)]
    lines += [row(key, label) for key, label in ROWS]
    lines += ["", "bonus: the whole sign-up on a pooled schema (tenant_signup)"]
    lines += [row(key, label) for key, label in SIGNUP_ROWS]
    hash_ms = results["signup_pbkdf2"]["median_ms"] - results["signup_fast_hasher"]["median_ms"]
    lines += [f"  -> the password hash costs about {hash_ms:.0f} ms of a real sign-up"]
    lines += ["", "diagnostics"]
    lines += [row(key, label) for key, label in DIAGNOSTIC_ROWS]
    for key in ("clone_one_connection", "clone_one_connection_function_installed"):
        r = results[key]
        lines.append(f"  {key}: 1st clone {r['first_ms']:.0f} ms, last {r['last_ms']:.0f} ms")

    def ratio_line(label: str, key: str) -> str:
        return f"{label:<18}{ratios[key]['median']:>7.1f}x median {ratios[key]['p95']:>7.1f}x p95"

    lines += [
        "",
        ratio_line("migrate / pooled", "migrate_over_pooled"),
        ratio_line("migrate / clone", "migrate_over_clone"),
        ratio_line("clone / pooled", "clone_over_pooled"),
        "",
        "targets",
        f"  pooled p95 <= {targets['pooled_p95_ms_max']:.0f} ms: "
        f"{'OK' if targets['pooled_p95_ok'] else 'MISSED'} "
        f"({results['pooled']['p95_ms']:.1f} ms)",
        f"  migrate / pooled >= {targets['migrate_over_pooled_min']:.0f}x (medians): "
        f"{'OK' if targets['migrate_over_pooled_ok'] else 'MISSED'} "
        f"({ratios['migrate_over_pooled']['median']:.1f}x)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per mode (20)")
    parser.add_argument(
        "--migrate-runs", type=int, default=5, help="timed runs of migrate-per-tenant (5)"
    )
    parser.add_argument(
        "--signup-runs",
        type=int,
        default=None,
        help="timed sign-ups per password hasher (default: --runs)",
    )
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs per mode first (1)")
    parser.add_argument(
        "--background-schemas",
        type=int,
        default=0,
        help="create this many workspaces first (untimed): costs that grow with the "
        "number of schemas in the database show up (0)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 when a target is missed"
    )
    args = parser.parse_args(argv)
    if min(args.runs, args.migrate_runs) < 1 or min(args.warmup, args.background_schemas) < 0:
        parser.error("--runs and --migrate-runs must be at least 1, the others at least 0")
    if args.signup_runs is None:
        args.signup_runs = args.runs

    # `kill` as well as Ctrl-C unwinds, so the throwaway database is dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    url, source = server_url()
    args.server_description = f"{source}: {describe(url)}"
    started = time.perf_counter()
    with throwaway_database(url) as database_url:
        setup_django(database_url)
        report = run(args)
    report["environment"]["total_s"] = round(time.perf_counter() - started, 1)

    record_summary(report)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_table(report))
        print(f"\ntotal {report['environment']['total_s']} s")
    ok = report["targets"]["pooled_p95_ok"] and report["targets"]["migrate_over_pooled_ok"]
    return 1 if args.check and not ok else 0


def summary_recorder(bench: str):
    """A `bench/summary.py` Recorder for `bench` (the benchmarks load each other by
    path: bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_summary", BENCH_SUMMARY)
    assert spec is not None and spec.loader is not None
    summary = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(summary)
    return summary.Recorder(bench)


def record_summary(report: dict) -> None:
    """The headline figures into var/bench/provisioning.jsonl for bench/summary.py."""
    recorder = summary_recorder("provisioning")
    results, ratios = report["results"], report["ratios"]
    recorder.record(
        "pooled hand-out p95",
        results["pooled"]["p95_ms"],
        "ms",
        better="lower",
        target=TARGET_POOLED_P95_MS,
        note=f"migrate per tenant median {results['migrate']['median_ms']} ms",
    )
    recorder.record(
        "migrate / pooled (medians)",
        ratios["migrate_over_pooled"]["median"],
        "x",
        better="higher",
        target=TARGET_MIGRATE_OVER_POOLED,
    )


if __name__ == "__main__":
    sys.exit(main())
