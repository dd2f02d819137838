"""A soak: a steady mixed workload across many workspaces for minutes. Benchmark, not a test.

Against a throwaway database (as provisioning.py), with 200 workspaces made by the real
sign-up (`tenant_signup`, each with products, customers, an API key and its owner signed
in), it starts the production shape — gunicorn, 2 sync workers, DEBUG=0, Redis for the
cache — and from this process (a second process, on loopback) sends requests at a steady
rate, each to a workspace drawn at random, of four kinds:

  browse   the customer list and the order list pages (HTML, signed in as the owner);
  list     `GET /api/v1/orders/?page_size=50` and `GET /api/v1/customers/?page_size=50`;
  order    `POST /api/v1/orders/` (5 lines, a new Idempotency-Key each);
  report   the customer value report, page and API;

in the proportions of `--mix`. It records every answer's status and time (errors:
anything but the expected status, or no answer), and every 5 seconds the resident
memory (RSS) of the server's processes. It reports the error rate, p50/p95/p99 per kind
and the memory over time: the first minute's median against the last minute's.

    .venv/bin/python bench/soak.py                    # 2 minutes, 200 workspaces, 8 req/s
    .venv/bin/python bench/soak.py --minutes 30       # the real soak
    .venv/bin/python bench/soak.py --variant direct --variant pool   # two soaks, one set-up
    .venv/bin/python bench/soak.py --variant pgbouncer --pgbouncer 127.0.0.1:6432

See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.util
import json
import os
import random
import signal
import statistics
import sys
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("bench_crud", BENCH_DIR / "crud.py")
assert _spec is not None and _spec.loader is not None
crud_bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = crud_bench
_spec.loader.exec_module(crud_bench)  # loads orders.py and provisioning.py too
orders_bench = crud_bench.orders_bench
provisioning_bench = crud_bench.provisioning_bench
log = provisioning_bench.log

PRODUCTS = 10
CUSTOMERS = 10
# Targets of the request kinds (issue 12 and the benchmarks that measure each alone).
TARGET_P99_MS = {"browse": 200.0, "list": 60.0, "order": 100.0, "report": 300.0}
# Memory counts as flat when the last minute's median is within this of the first's.
FLAT_GROWTH = 0.10
RSS_EVERY_S = 5.0


@dataclass
class Workspace:
    slug: str
    domain: str
    key: str
    cookie: str
    products: list[int]
    customers: list[int]


# --- Setting up ---------------------------------------------------------------------------


def make_workspaces(count: int, rng: random.Random) -> list[Workspace]:
    """`count` workspaces through the real sign-up, without plan limits, each with a
    default tax rate, products, customers, an API key and a signed-in owner."""
    from django.db import connection
    from django.test import Client
    from django_tenants.utils import schema_context

    from api.keys import api_key_create
    from billing.models import Subscription
    from tenants.models import Domain
    from tenants.services import tenant_signup
    from tradepost.accounts.models import User
    from tradepost.customers.services import customer_create
    from tradepost.masterdata import services as masterdata

    workspaces = []
    started = time.perf_counter()
    for index in range(count):
        slug = f"soak-{index:04d}"
        email = f"owner@{slug}.test"
        tenant = tenant_signup(
            company_name=f"Soak {index} 浸泡测试",
            slug=slug,
            owner_email=email,
            password=provisioning_bench.PASSWORD,
        ).tenant
        # No subscription, no plan limits (billing.access): the trial would stop the run.
        Subscription.objects.filter(tenant=tenant).delete()
        domain = Domain.objects.get(tenant=tenant, is_primary=True).domain
        with schema_context(tenant.schema_name):
            owner = User.objects.get(email=email)
            masterdata.tax_rate_create(
                actor=owner, name="VAT 13%", rate=Decimal("13"), is_default=True
            )
            products = [
                masterdata.product_create(
                    actor=owner,
                    sku=f"SOAK-{n:03d}",
                    name=f"Kettle {n} 电水壶{n}号",
                    list_price=Decimal(rng.randint(500, 99_999)) / 100,
                ).pk
                for n in range(PRODUCTS)
            ]
            customers = [
                customer_create(actor=owner, name=f"Customer {n} 客户", code=f"SC{n:03d}").pk
                for n in range(CUSTOMERS)
            ]
            key = api_key_create(actor=owner, name="soak", role="system_administrator").secret
            browser = Client(HTTP_HOST=domain)
            browser.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
        connection.set_schema_to_public()
        workspaces.append(
            Workspace(
                slug=slug,
                domain=domain,
                key=key,
                cookie=f"sessionid={browser.cookies['sessionid'].value}",
                products=products,
                customers=customers,
            )
        )
        if (index + 1) % 20 == 0:
            log(f"{index + 1}/{count} workspaces ({time.perf_counter() - started:.0f} s)")
    return workspaces


# --- The workload ---------------------------------------------------------------------------


def request_for(kind: str, workspace: Workspace, rng: random.Random):
    """(method, path, headers, body, expected status) of one request of `kind`."""
    api = {"Host": workspace.domain, "Authorization": f"Bearer {workspace.key}"}
    page = {"Host": workspace.domain, "Cookie": workspace.cookie}
    if kind == "browse":
        return "GET", rng.choice(["/customers/", "/sales/orders/"]), page, None, 200
    if kind == "list":
        path = rng.choice(["/api/v1/orders/?page_size=50", "/api/v1/customers/?page_size=50"])
        return "GET", path, api, None, 200
    if kind == "order":
        lines = [
            {"product": product, "quantity": str(rng.randint(1, 20))}
            for product in rng.sample(workspace.products, 5)
        ]
        body = json.dumps({"customer": rng.choice(workspace.customers), "lines": lines})
        headers = {
            **api,
            "Content-Type": "application/json",
            "Idempotency-Key": f"soak-{uuid.uuid4().hex}",
        }
        return "POST", "/api/v1/orders/", headers, body.encode(), 201
    if kind == "report":
        path = rng.choice(["/reports/customer-value/", "/api/v1/reports/customer-value/"])
        return "GET", path, page if path.startswith("/reports/") else api, None, 200
    raise ValueError(kind)


def rss_kb(master: int) -> int:
    """Resident memory of a process and its children (gunicorn's master and workers)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if int(entry) != master and int(orders_bench._stat(entry)[1]) != master:
                continue
            with open(f"/proc/{entry}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return total


def soak(port: int, master: int, workspaces: list[Workspace], args) -> dict:
    """Send `args.rate` requests a second for `args.minutes`, open loop: each request
    has its start time on a fixed schedule, whatever the answers before it took."""
    kinds, weights = zip(*args.mix.items(), strict=True)
    total = int(args.minutes * 60 * args.rate)
    schedule_rng = random.Random(args.seed)
    plan = [
        (kind, schedule_rng.choice(workspaces))
        for kind in schedule_rng.choices(kinds, weights, k=total)
    ]
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    late: list[float] = []
    rss: list[tuple[float, int]] = []
    lock = threading.Lock()
    next_index = iter(range(total))
    started = time.monotonic()
    done = threading.Event()

    def client(number: int) -> None:
        rng = random.Random(args.seed * 1000 + number)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                index = next(next_index, None)
            if index is None:
                break
            kind, workspace = plan[index]
            due = started + index / args.rate
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            method, path, headers, body, expected = request_for(kind, workspace, rng)
            status, data, took = orders_bench.exchange(conn, method, path, headers, body)
            with lock:
                late.append(max(0.0, -wait))
                samples[kind].append(took)
                if status != expected:
                    errors[kind].append(f"{status} {method} {path}: {data[:160]!r}")
        conn.close()

    def sample_memory() -> None:
        while not done.wait(RSS_EVERY_S):
            rss.append((round(time.monotonic() - started, 1), rss_kb(master)))

    rss.append((0.0, rss_kb(master)))
    sampler = threading.Thread(target=sample_memory, daemon=True)
    sampler.start()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    done.set()
    sampler.join()
    rss.append((round(elapsed, 1), rss_kb(master)))

    requests = sum(len(s) for s in samples.values())
    failed = sum(len(e) for e in errors.values())
    window = max(1, int(60 / RSS_EVERY_S))  # samples in a minute
    first = statistics.median(kb for _, kb in rss[1 : 1 + window] or rss[:1])
    last = statistics.median(kb for _, kb in rss[-window:])
    return {
        "requests": requests,
        "elapsed_s": round(elapsed, 1),
        "achieved_rate": round(requests / elapsed, 2),
        "late_p99_ms": round(statistics.quantiles(late, n=100)[98] * 1000, 1)
        if len(late) > 1
        else 0.0,
        "errors": failed,
        "error_rate": round(failed / requests, 5) if requests else 0.0,
        "error_examples": {kind: e[:3] for kind, e in errors.items()},
        "kinds": {
            kind: {
                **orders_bench.latencies(samples[kind]),
                "errors": len(errors.get(kind, [])),
                "target_p99_ms": TARGET_P99_MS[kind],
            }
            for kind in kinds
            if samples[kind]
        },
        "rss_kb": rss,
        "rss_first_minute_kb": int(first),
        "rss_last_minute_kb": int(last),
        "rss_growth": round((last - first) / first, 4) if first else 0.0,
    }


# --- Running ------------------------------------------------------------------------------


def server_database_url(database_url: str, host_port: str | None) -> str:
    """The database URL with another host:port (PgBouncer's) for the server only."""
    if not host_port:
        return database_url
    parts = urlsplit(database_url)
    credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=credentials + host_port))


def run(args, database_url: str, redis_url: str) -> dict:
    import warnings

    from django.conf import settings
    from django.core.management import call_command

    from tenants import provisioning

    warnings.filterwarnings("ignore", message="No directory at")
    rng = random.Random(args.seed)
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.ensure_public_tenant()
    provisioning.ensure_template()
    log(f"signing up {args.workspaces} workspaces (untimed)")
    workspaces = make_workspaces(args.workspaces, rng)
    setup_s = time.perf_counter() - started
    queue = f"bench-soak-{os.getpid()}"
    server_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": queue,
        # Tasks the requests queue (events, webhooks) wait in a queue of their own,
        # dropped at the end: no worker runs here.
        "CELERY_QUEUE": queue,
        # The key the session cookies were signed with here.
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        "STATIC_MANIFEST": "0",
        "LOG_LEVEL": "WARNING",
        "API_RATE_PER_CALLER": orders_bench.HIGH_RATE,
        "API_RATE_PER_WORKSPACE": orders_bench.HIGH_RATE,
    }
    server_env.pop("TRADEPOST_DEV", None)
    if args.conn_max_schemas is not None:
        server_env["DB_CONN_MAX_SCHEMAS"] = str(args.conn_max_schemas)
    variants = {}
    for variant in args.variants:
        env = dict(server_env)
        if variant == "pool":
            env["DATABASE_POOL"] = "1"
        elif variant == "pgbouncer":
            env["DATABASE_URL"] = server_database_url(database_url, args.pgbouncer)
            env["DB_CONN_MAX_AGE"] = "0"
        with orders_bench.gunicorn(env, args.workers) as (port, server_pid):
            log(
                f"soak ({variant}): {args.minutes} min at {args.rate} req/s from "
                f"{args.clients} clients over {len(workspaces)} workspaces"
            )
            cpu: dict[str, float] = {}
            expected = int(args.minutes * 60 * args.rate)
            with orders_bench.cpu_used(server_pid, cpu, expected):
                result = soak(port, server_pid, workspaces, args)
        result["server_database"] = provisioning_bench.describe(env["DATABASE_URL"])
        variants[variant] = {**result, **cpu}
    with contextlib.suppress(Exception):
        import redis

        redis.Redis.from_url(redis_url).delete(queue)
    catalogue = catalogue_memory(database_url, [w.slug for w in workspaces])
    return {
        "environment": {
            "workspaces": len(workspaces),
            "minutes": args.minutes,
            "rate": args.rate,
            "clients": args.clients,
            "workers": args.workers,
            "mix": args.mix,
            "conn_max_schemas": args.conn_max_schemas,
            "setup_s": round(setup_s, 1),
            "cpus": os.cpu_count(),
            "load_average_start": args.load_average_start,
            "load_average_end": orders_bench.load_average(),
        },
        "variants": variants,
        "catalogue_memory_mb": catalogue,
    }


# Tables the workload reads in every workspace (customer and order lists, order entry,
# authentication): what a connection caches per schema it serves.
CATALOGUE_TABLES = (
    "customers_customer",
    "sales_order",
    "sales_orderline",
    "masterdata_product",
    "masterdata_taxrate",
    "accounts_user",
    "api_apikey",
    "django_session",
)


def catalogue_memory(database_url: str, slugs: list[str]) -> list[tuple[int, float]]:
    """One connection reads the workload's tables in one workspace after another:
    its memory (pg_backend_memory_contexts, PostgreSQL 14+) after 1, 5, 10, 20, ...
    workspaces, in MB. What DB_CONN_MAX_SCHEMAS bounds."""
    import psycopg

    from tenants.provisioning import workspace_schema_name

    points = []
    with psycopg.connect(database_url, autocommit=True) as conn:

        def megabytes() -> float:
            row = conn.execute(
                "SELECT sum(total_bytes)::bigint FROM pg_backend_memory_contexts"
            ).fetchone()
            return round(row[0] / 1e6, 1) if row and row[0] else 0.0

        try:
            points.append((0, megabytes()))
        except psycopg.Error:
            return []  # PostgreSQL before 14
        marks = {1, 5, 10, 20, 50, 100, 200, 500, 1000, len(slugs)}
        for count, slug in enumerate(slugs, 1):
            conn.execute(f'SET search_path = "{workspace_schema_name(slug)}", public')
            for table in CATALOGUE_TABLES:
                conn.execute(f"SELECT * FROM {table} LIMIT 1").fetchall()  # noqa: S608
            if count in marks:
                points.append((count, megabytes()))
    return points


VARIANT_LABELS = {
    "direct": "straight to PostgreSQL, DB_CONN_MAX_AGE=60",
    "pool": "DATABASE_POOL=1 (Django's psycopg pool)",
    "pgbouncer": "through PgBouncer (session pooling), DB_CONN_MAX_AGE=0",
}


def print_report(report: dict) -> None:
    env = report["environment"]
    print(
        f"\nSoak: {env['minutes']} min, {env['rate']} req/s target, {env['clients']} clients, "
        f"gunicorn {env['workers']} sync workers, {env['workspaces']} workspaces"
        + (f", DB_CONN_MAX_SCHEMAS={env['conn_max_schemas']}" if env["conn_max_schemas"] else "")
    )
    print(
        f"  {env['cpus']} CPU(s), load average {env['load_average_start']} → "
        f"{env['load_average_end']}; set-up {env['setup_s']} s (untimed)"
    )
    catalogue = report["catalogue_memory_mb"]
    if catalogue:
        (_, start), (count, end) = catalogue[0], catalogue[-1]
        print(
            "  one connection's memory after reading the workload's tables in N workspaces: "
            + ", ".join(f"{n}: {mb} MB" for n, mb in catalogue)
            + f" (about {(end - start) / max(count, 1):.2f} MB per workspace)"
        )
    for variant, result in report["variants"].items():
        print(f"\n{variant}: {VARIANT_LABELS[variant]} ({result['server_database']})")
        print(
            f"  {result['requests']} requests in {result['elapsed_s']} s "
            f"({result['achieved_rate']} req/s; start late p99 {result['late_p99_ms']} ms), "
            f"errors {result['errors']} ({result['error_rate']:.3%}); "
            f"server CPU {result.get('server_cpu_ms', '?')} ms per request"
        )
        header = ["count", "p50", "p95", "p99", "max", "target"]
        print(f"  {'kind':10}" + "".join(f"{h:>9}" for h in header) + "  errors")
        for kind, r in result["kinds"].items():
            print(
                f"  {kind:10}{r['count']:>9}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}"
                f"{r['p99_ms']:>9.1f}{r['max_ms']:>9.1f}{r['target_p99_ms']:>9.0f}  {r['errors']}"
            )
        for kind, examples in result["error_examples"].items():
            for example in examples:
                print(f"  error ({kind}): {example}")
        growth = result["rss_growth"]
        first, last = result["rss_first_minute_kb"] / 1024, result["rss_last_minute_kb"] / 1024
        verdict = "flat" if growth <= FLAT_GROWTH else "GROWING"
        print(
            f"  server RSS (gunicorn master + workers): first minute {first:.0f} MB, last "
            f"minute {last:.0f} MB, growth {growth:+.1%} ({verdict}; flat: at most "
            f"{FLAT_GROWTH:.0%})"
        )
        points = result["rss_kb"]
        step = max(1, len(points) // 12)
        print("  " + ", ".join(f"{t:.0f}s {kb / 1024:.0f}MB" for t, kb in points[::step]))


def record_summary(report: dict) -> None:
    recorder = provisioning_bench.summary_recorder("soak")
    env = report["environment"]
    note = f"{env['minutes']} min, {env['rate']} req/s, {env['workspaces']} workspaces"
    for variant, result in report["variants"].items():
        recorder.record(
            f"soak ({variant}) error rate",
            result["error_rate"] * 100,
            "%",
            better="lower",
            target=0.0,
            note=note,
        )
        for kind, r in result["kinds"].items():
            recorder.record(
                f"soak ({variant}) {kind} p99",
                r["p99_ms"],
                "ms",
                better="lower",
                target=r["target_p99_ms"],
                note=note,
            )
        recorder.record(
            f"soak ({variant}) server RSS growth",
            result["rss_growth"] * 100,
            "%",
            better="lower",
            target=FLAT_GROWTH * 100,
            note=note,
        )


def parse_mix(text: str) -> dict[str, int]:
    mix = {}
    for part in text.split(","):
        kind, _, weight = part.partition("=")
        if kind not in TARGET_P99_MS or not weight.isdigit():
            raise argparse.ArgumentTypeError(
                f"{part!r}: use kind=weight with kinds {list(TARGET_P99_MS)}"
            )
        mix[kind] = int(weight)
    return mix


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--minutes", type=float, default=2.0, help="length of the soak (2)")
    parser.add_argument("--workspaces", type=int, default=200, help="workspaces (200)")
    parser.add_argument("--rate", type=float, default=8.0, help="requests per second (8)")
    parser.add_argument("--clients", type=int, default=8, help="client threads (8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--mix",
        type=parse_mix,
        default=parse_mix("browse=4,list=3,order=2,report=1"),
        help="weights of the kinds (browse=4,list=3,order=2,report=1)",
    )
    parser.add_argument(
        "--variant",
        dest="variants",
        action="append",
        choices=list(VARIANT_LABELS),
        help="how the server connects, one soak each, in order (direct; repeatable)",
    )
    parser.add_argument(
        "--pgbouncer",
        metavar="HOST:PORT",
        help="PgBouncer in front of the same PostgreSQL, for --variant pgbouncer",
    )
    parser.add_argument(
        "--conn-max-schemas", type=int, default=None, help="the server's DB_CONN_MAX_SCHEMAS"
    )
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    args.variants = args.variants or ["direct"]
    if "pgbouncer" in args.variants and not args.pgbouncer:
        parser.error("--variant pgbouncer needs --pgbouncer HOST:PORT")
    if args.minutes <= 0 or args.rate <= 0 or min(args.workspaces, args.clients) < 1:
        parser.error("--minutes and --rate must be positive, --workspaces and --clients >= 1")
    args.load_average_start = orders_bench.load_average()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ.setdefault("SIGNUP_RATE_PER_HOUR", "100000")
    os.environ.setdefault("SIGNUP_RATE_PER_DAY", "100000")
    redis_url = crud_bench.redis_url()
    url, _source = provisioning_bench.server_url()
    with provisioning_bench.throwaway_database(url) as database_url:
        provisioning_bench.setup_django(database_url)
        report = run(args, database_url, redis_url)
    record_summary(report)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
