"""Which workspaces have alerts work due? Benchmark, not a test.

Beat asks every minute. Scanning means visiting every workspace's schema and asking its
rules and alerts (what a per-tenant beat entry does); the due index
(`tradepost.alerts.due`) answers with one indexed range read on the public schema
(`due_workspaces_claim`: the due rows, locked and leased, in one transaction).

Against a throwaway database (as provisioning.py) with the public schema migrated, it
adds N active workspaces as rows (`tenants.Tenant` + `WorkspaceDue`, due times spread
over the next day, 1 % already due) and, for the scan, N small schemas holding the two
tables the scan reads (`alerts_alertrule`, `alerts_alert`: the columns it filters on,
nine rules and a few alerts each — a replica of the workspace tables, not a whole
workspace). Measured in the same run, for each N:

  index   `due_workspaces_claim()` inside a transaction that is rolled back (the leases
          undone, so every run sees the same rows), p50 / p95;
  scan    one round of `SET search_path` + one query per schema, over every schema.

    .venv/bin/python bench/alerts_due.py [--sizes 100,1000] [--index-only 10000] [--runs 30]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import signal
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("bench_orders", BENCH_DIR / "orders.py")
assert _spec is not None and _spec.loader is not None
orders_bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = orders_bench
_spec.loader.exec_module(orders_bench)
provisioning_bench = orders_bench.provisioning_bench
log = provisioning_bench.log

SCAN_SQL = (
    "SELECT LEAST("
    "(SELECT min(next_run_at) FROM alerts_alertrule WHERE enabled), "
    "(SELECT min(deadline_at) FROM alerts_alert WHERE state <> 'resolved')"
    ") <= now()"
)


def add_workspaces(start: int, count: int, *, schemas: bool) -> None:
    """Workspaces `start` … `start + count - 1`: tenant and due rows, and (for the scan)
    their replica schemas."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO tenants_tenant (schema_name, slug, name, owner_email, kind, created_at)
            SELECT 'ws_' || n, 'ws-' || n, 'Workspace ' || n, 'o' || n || '@bench.test',
                   'active', now()
            FROM generate_series(%s, %s) AS n
            """,
            [start, start + count - 1],
        )
        # 1 % due now, the rest spread over the next 24 hours.
        cursor.execute(
            """
            INSERT INTO alerts_due_workspacedue (tenant_id, due_at)
            SELECT t.id, CASE WHEN (t.id %% 100) = 0 THEN now() - interval '1 minute'
                              ELSE now() + (t.id %% 1440) * interval '1 minute' END
            FROM tenants_tenant t
            WHERE t.slug LIKE 'ws-%%' AND NOT EXISTS (
                SELECT 1 FROM alerts_due_workspacedue d WHERE d.tenant_id = t.id)
            """,
            [],
        )
        cursor.execute("ANALYZE tenants_tenant")
        cursor.execute("ANALYZE alerts_due_workspacedue")
        if not schemas:
            return
        for n in range(start, start + count):
            cursor.execute(
                f"""
                CREATE SCHEMA ws_{n};
                CREATE TABLE ws_{n}.alerts_alertrule (
                    id bigserial PRIMARY KEY, kind varchar(30), enabled boolean,
                    next_run_at timestamptz);
                CREATE TABLE ws_{n}.alerts_alert (
                    id bigserial PRIMARY KEY, state varchar(20), deadline_at timestamptz);
                CREATE INDEX ON ws_{n}.alerts_alert (deadline_at) WHERE state <> 'resolved';
                INSERT INTO ws_{n}.alerts_alertrule (kind, enabled, next_run_at)
                SELECT 'k' || k, true, now() + interval '1 hour' FROM generate_series(1, 9) k;
                INSERT INTO ws_{n}.alerts_alert (state, deadline_at)
                SELECT 'open', now() + k * interval '1 hour' FROM generate_series(1, 3) k;
                """  # noqa: S608  # the bench's own numbers
            )


def time_index(runs: int) -> tuple[list[float], int]:
    from django.db import transaction

    from tradepost.alerts.due.services import due_workspaces_claim

    samples, found = [], 0
    for _ in range(runs):

        class Undo(Exception):
            pass

        started = time.perf_counter()
        try:
            with transaction.atomic():
                found = len(due_workspaces_claim())
                samples.append(time.perf_counter() - started)
                raise Undo
        except Undo:
            pass
    return samples, found


def time_scan(count: int, runs: int) -> tuple[list[float], int]:
    from django.db import connection

    samples, due = [], 0
    with connection.cursor() as cursor:
        for _ in range(runs):
            due = 0
            started = time.perf_counter()
            for n in range(1, count + 1):
                cursor.execute(f"SET search_path TO ws_{n}, public")
                cursor.execute(SCAN_SQL)
                due += bool(cursor.fetchone()[0])
            samples.append(time.perf_counter() - started)
            cursor.execute("SET search_path TO public")
    return samples, due


def run(args: argparse.Namespace) -> dict:
    from django.core.management import call_command

    log("migrating the public schema")
    call_command("migrate_schemas", "--shared", verbosity=0)
    summarise = provisioning_bench.summarise
    rows, have = [], 0
    for size in args.sizes:
        add_workspaces(have + 1, size - have, schemas=True)
        have = size
        index, found = time_index(args.runs)
        scan, due = time_scan(size, max(3, args.runs // 10))
        rows.append(
            {"workspaces": size, "due": found, "index": summarise(index), "scan": summarise(scan)}
        )
        log(
            f"{size} workspaces: index p95 {rows[-1]['index']['p95_ms']} ms, "
            f"scan p50 {rows[-1]['scan']['median_ms']} ms"
        )
    if args.index_only and args.index_only > have:
        add_workspaces(have + 1, args.index_only - have, schemas=False)
        index, found = time_index(args.runs)
        rows.append({"workspaces": args.index_only, "due": found, "index": summarise(index)})
    return {
        "rows": rows,
        "load_average": {"start": args.load_average_start, "end": orders_bench.load_average()},
    }


def print_table(report: dict) -> None:
    print(
        f"{'workspaces':>10}  {'due':>5}  {'index p50':>10}  {'index p95':>10}  "
        f"{'scan p50':>10}  {'scan p95':>10}"
    )
    for row in report["rows"]:
        scan = row.get("scan")
        print(
            f"{row['workspaces']:>10}  {row['due']:>5}  {row['index']['median_ms']:>8} ms  "
            f"{row['index']['p95_ms']:>8} ms  "
            + (
                f"{scan['median_ms']:>8} ms  {scan['p95_ms']:>8} ms"
                if scan
                else f"{'—':>10}  {'—':>10}"
            )
        )
    load = report["load_average"]
    print(f"load average {load['start']} → {load['end']} (measured under load when above 2)")


def record_summary(report: dict) -> None:
    recorder = provisioning_bench.summary_recorder("alerts_due")
    scanned = [row for row in report["rows"] if "scan" in row]
    if not scanned:
        return
    last = scanned[-1]
    recorder.record(
        f"due workspaces of {last['workspaces']}: index p95",
        last["index"]["p95_ms"],
        "ms",
        better="lower",
        baseline=last["scan"]["p95_ms"],
        note="baseline: visiting every schema (same run)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--index-only", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    args.sizes = sorted(int(size) for size in args.sizes.split(","))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.load_average_start = orders_bench.load_average()
    url, source = provisioning_bench.server_url()
    log(f"PostgreSQL: {provisioning_bench.describe(url)} ({source})")
    with provisioning_bench.throwaway_database(url) as database_url:
        provisioning_bench.setup_django(database_url)
        report = run(args)
    record_summary(report)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
