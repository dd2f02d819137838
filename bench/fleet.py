"""Thousands of workspaces on one PostgreSQL: clone, migrate, catalogue, memory. Benchmark.

On its own database `tp_fleet` (created, and dropped at the end, also on error or
Ctrl-C), it creates `--schemas` workspaces one after another through the sign-up's
direct-clone path (`provisioning.workspace_claim` with an empty pool: tenant row, clone
of the template from its snapshot, domain, commit) and reports:

  clone          p50/p95 of the clones numbered just below 10, 100, 1,000 (and 5,000),
                 and the PostgreSQL backend's CPU per clone (from /proc: less disturbed
                 by a loaded machine than wall time); beside it, in the same run and at
                 the same schema counts, django-tenants' `clone_schema()` (the baseline,
                 `--baseline-runs` clones each, dropped after);
  no-op migrate  `migrate_fleet` over every schema when all are at head (the public
                 schema excluded), beside django-tenants' `migrate_schemas` over
                 `--baseline-migrate` schemas (the per-schema cost, times N);
  one migration  one real migration (`reports.0002`) unapplied in `--migrate-schemas`
                 schemas, then `migrate_fleet --workers 2`: seconds per schema;
  catalogue      pg_class rows and pg_database_size;
  memory         one backend's memory (pg_backend_memory_contexts) after it has read
                 from 0, 10, 100 … schemas (a query on three tables in each).

    .venv/bin/python bench/fleet.py                      # 1,000 workspaces
    .venv/bin/python bench/fleet.py --schemas 5000
    .venv/bin/python bench/fleet.py --schemas 100 --migrate-schemas 20   # a quick run

See bench/README.md for what the figures mean and the last run.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import signal
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]

DATABASE = "tp_fleet"
MILESTONES = (10, 100, 1000, 5000)
WINDOW = 10  # clones per milestone: those numbered milestone-9 … milestone
TARGET_CLONE_P95_MS = 300.0
TARGET_NOOP_S = 60.0
APP, MIGRATION, TABLE = "reports", "0002_customer_value_settings", "reports_customervaluesettings"


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _provisioning_bench():
    spec = importlib.util.spec_from_file_location(
        "bench_provisioning", BENCH_DIR / "provisioning.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def fleet_database(url: str, helpers) -> Iterator[str]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    log(f"created database {DATABASE}")
    try:
        yield helpers.with_database(url, DATABASE)
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        log(f"dropped database {DATABASE}")


def ms(samples: list[float]) -> dict[str, float]:
    values = sorted(s * 1000 for s in samples)
    p95 = (
        values[0]
        if len(values) == 1
        else statistics.quantiles(values, n=20, method="inclusive")[18]
    )
    return {
        "runs": len(values),
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(p95, 1),
    }


class Backend:
    """CPU seconds of this process's PostgreSQL backend (same machine only)."""

    def __init__(self) -> None:
        self.pid = 0

    def cpu(self) -> float:
        from django.db import connection

        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.pid = cursor.fetchone()[0]
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(args: argparse.Namespace) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction

    from tenants import fleet, provisioning
    from tenants.models import Tenant

    def scalar(sql: str, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    log("migrate_schemas --shared, template")
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.ensure_public_tenant()
    provisioning.ensure_template()
    provisioning.install_clone_function()
    backend = Backend()
    results: dict = {"clone": {}, "baseline_clone": {}, "memory": {}}
    samples: list[float] = []
    cpu: list[float] = []

    def claim(slug: str) -> None:
        with transaction.atomic():
            provisioning.workspace_claim(slug=slug, name=slug, owner_email=f"o@{slug}.test")

    def baseline_clone(name: str) -> tuple[float, float]:
        connection.close()
        before_cpu, started = backend.cpu(), time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            provisioning._clone_with_clone_schema(cursor, name)
        elapsed, used = time.perf_counter() - started, backend.cpu() - before_cpu
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{name}" CASCADE')
        return elapsed, used

    import logging

    logging.getLogger("tenants.provisioning").setLevel(logging.ERROR)
    milestones = [m for m in MILESTONES if m <= args.schemas]
    started_all = time.perf_counter()
    for n in range(1, args.schemas + 1):
        connection.close()  # each clone on a new connection, as a task or request
        before_cpu, started = backend.cpu(), time.perf_counter()
        claim(f"fleet-{n:05d}")
        samples.append(time.perf_counter() - started)
        cpu.append(backend.cpu() - before_cpu)
        if n % 50 == 0:
            log(f"{n} workspaces, last clone {samples[-1] * 1000:.0f} ms")
        if n in milestones:
            window = samples[-WINDOW:]
            results["clone"][n] = {
                **ms(window),
                "cpu_ms": round(statistics.median(cpu[-WINDOW:]) * 1000, 1),
            }
            if args.baseline_runs:
                base = [baseline_clone(f"bench_base_{n}_{i}") for i in range(args.baseline_runs)]
                results["baseline_clone"][n] = {
                    **ms([b[0] for b in base]),
                    "cpu_ms": round(statistics.median(b[1] for b in base) * 1000, 1),
                }
            log(
                f"at {n}: clone {results['clone'][n]},"
                f" clone_schema() {results['baseline_clone'].get(n)}"
            )
    results["create_s"] = round(time.perf_counter() - started_all, 1)
    results["clone_all"] = ms(samples)
    connection.close()

    results["catalogue"] = {
        "schemas": scalar("SELECT count(*) FROM pg_namespace"),
        "pg_class_rows": scalar("SELECT count(*) FROM pg_class"),
        "database_mb": round(scalar("SELECT pg_database_size(current_database())") / 2**20, 1),
    }

    # Memory of one backend after reading from N schemas.
    names = list(
        Tenant.objects.filter(kind=Tenant.Kind.ACTIVE)
        .order_by("pk")
        .values_list("schema_name", flat=True)
    )
    connection.close()
    touched = 0
    points = [0, 10, 100, 1000, 5000]
    with connection.cursor() as cursor:
        for point in [p for p in points if p <= len(names)]:
            for name in names[touched:point]:
                cursor.execute(
                    f'SELECT (SELECT count(*) FROM "{name}".accounts_user),'
                    f' (SELECT count(*) FROM "{name}".sales_order),'
                    f' (SELECT count(*) FROM "{name}".masterdata_product)'
                )
                cursor.fetchall()
            touched = point
            cursor.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts")
            results["memory"][point] = round(float(cursor.fetchone()[0]) / 2**20, 1)
    connection.close()
    log(f"memory per backend (MB) after N schemas: {results['memory']}")

    # No-op migrate over every schema, then the baseline over a few.
    connection.set_schema_to_public()
    started = time.perf_counter()
    report = fleet.migrate_fleet(workers=2, say=log)
    results["noop_migrate_s"] = round(time.perf_counter() - started, 2)
    assert not report.outcomes, "the no-op run migrated something"
    few = names[: args.baseline_migrate]
    started = time.perf_counter()
    for name in few:
        call_command(
            "migrate_schemas", schema_name=name, tenant=True, interactive=False, verbosity=0
        )
    per_schema = (time.perf_counter() - started) / max(1, len(few))
    results["baseline_noop_per_schema_s"] = round(per_schema, 3)
    results["baseline_noop_extrapolated_s"] = round(per_schema * (len(names) + 1), 1)
    connection.set_schema_to_public()

    # One migration over --migrate-schemas schemas.
    behind = names[: args.migrate_schemas]
    with connection.cursor() as cursor:
        for name in behind:
            cursor.execute(
                f'DROP TABLE "{name}".{TABLE} CASCADE;'
                f'DELETE FROM "{name}".django_migrations'
                f" WHERE app = '{APP}' AND name = '{MIGRATION}'"
            )
    started = time.perf_counter()
    report = fleet.migrate_fleet(workers=2, say=lambda line: None)
    elapsed = time.perf_counter() - started
    assert len(report.outcomes) == len(behind) and not report.failed, fleet.summary(report)
    results["one_migration"] = {
        "schemas": len(behind),
        "seconds": round(elapsed, 1),
        "per_schema_s": round(elapsed / max(1, len(behind)), 3),
        "extrapolated_s": round(elapsed / max(1, len(behind)) * (len(names) + 1), 0),
    }
    results["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return results


def format_report(r: dict, args) -> str:
    lines = [
        f"Tradepost fleet benchmark: {args.schemas} workspaces ({r['create_s']} s to create),"
        f" load average at the end {r['load_average']} on {os.cpu_count()} CPU(s):"
        " measured under load",
        "",
        f"{'schemas':>8}  {'clone p50':>10} {'p95':>8} {'cpu':>7}"
        f"   {'clone_schema() p50':>19} {'p95':>8} {'cpu':>7}  (ms)",
    ]
    for n, c in r["clone"].items():
        b = r["baseline_clone"].get(n)
        base = (
            f"{b['p50_ms']:>19.0f} {b['p95_ms']:>8.0f} {b['cpu_ms']:>7.0f}" if b else f"{'-':>19}"
        )
        lines.append(
            f"{n:>8}  {c['p50_ms']:>10.0f} {c['p95_ms']:>8.0f} {c['cpu_ms']:>7.0f}   {base}"
        )
    a = r["clone_all"]
    lines += [
        f"all clones: p50 {a['p50_ms']:.0f} ms, p95 {a['p95_ms']:.0f} ms"
        f" (target p95 <= {TARGET_CLONE_P95_MS:.0f} ms)",
        "",
        f"no-op migrate_fleet over {args.schemas + 1} schemas: {r['noop_migrate_s']} s"
        f" (target <= {TARGET_NOOP_S:.0f} s at 1,000);"
        f" migrate_schemas {r['baseline_noop_per_schema_s']} s"
        f" a schema, {r['baseline_noop_extrapolated_s']} s for all",
        f"one migration: {r['one_migration']['schemas']} schemas"
        f" in {r['one_migration']['seconds']} s"
        f" ({r['one_migration']['per_schema_s']} s a schema, 2 workers; all {args.schemas + 1}:"
        f" ~{r['one_migration']['extrapolated_s']:.0f} s)",
        f"catalogue: {r['catalogue']['schemas']} schemas,"
        f" {r['catalogue']['pg_class_rows']} pg_class rows,"
        f" database {r['catalogue']['database_mb']} MB",
        "memory of one backend after reading from N schemas (MB): "
        + ", ".join(f"{k}: {v}" for k, v in r["memory"].items()),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--schemas", type=int, default=1000, help="workspaces to create (1000)")
    parser.add_argument(
        "--baseline-runs", type=int, default=3, help="clone_schema() clones per milestone (3)"
    )
    parser.add_argument(
        "--baseline-migrate", type=int, default=10, help="schemas migrated by migrate_schemas (10)"
    )
    parser.add_argument(
        "--migrate-schemas", type=int, default=100, help="schemas given one migration (100)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    helpers = _provisioning_bench()
    url, _source = helpers.server_url()
    with fleet_database(url, helpers) as database_url:
        helpers.setup_django(database_url)
        results = run(args)
    recorder = helpers.summary_recorder("fleet")
    top = max(results["clone"])
    recorder.record(
        f"clone p95 at {top} schemas",
        results["clone"][top]["p95_ms"],
        "ms",
        better="lower",
        target=TARGET_CLONE_P95_MS,
        baseline=results["baseline_clone"].get(top, {}).get("p95_ms"),
        note=f"backend CPU {results['clone'][top]['cpu_ms']} ms a clone",
    )
    recorder.record(
        f"no-op migrate over {args.schemas} workspaces",
        results["noop_migrate_s"],
        "s",
        better="lower",
        target=TARGET_NOOP_S if args.schemas >= 1000 else None,
        baseline=results["baseline_noop_extrapolated_s"],
    )
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        print(format_report(results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
