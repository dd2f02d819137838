"""What a small API request costs on top of its own work. Benchmark, not a test.

Against a throwaway database (as provisioning.py), in a workspace `bench-crud` with
10,000 contacts (COPY) and an API key, it starts the production shape — gunicorn with
2 sync workers, DEBUG=0, a real Redis for the cache — and measures, with `/healthz`
(answered before routing and authentication) as the floor in the same run:

  one at a time   `GET /healthz`, `GET /api/v1/me/`, `GET /api/v1/contacts/?page_size=50`,
                  `POST /api/v1/contacts/`: p50/p95/p99 latency of sequential requests;
  concurrent      the same three API requests from 8 client threads: requests/s;

and, in-process, the queries each API request runs. Every figure also goes to the
summary (`bench/summary.py`, `var/bench/crud.jsonl`).

    .venv/bin/python bench/crud.py [--runs 300] [--concurrent 2000] [--clients 8] [--json]

Redis: REDIS_URL if set, else redis://127.0.0.1:6379/14 (a database number of its own:
nothing else's queues or keys), with a key prefix of its own. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.util
import itertools
import json
import os
import random
import secrets
import signal
import sys
import threading
import time
import uuid
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def _load(name: str, filename: str):
    spec = importlib.util.spec_from_file_location(name, BENCH_DIR / filename)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


orders_bench = _load("bench_orders", "orders.py")  # loads provisioning.py too
provisioning_bench = orders_bench.provisioning_bench
log = provisioning_bench.log

SLUG = "bench-crud"
OWNER_EMAIL = "owner@bench-crud.test"
CONTACTS = 10_000
CUSTOMERS = 200
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
HIGH_RATE = orders_bench.HIGH_RATE
# Issue 12: measured one request at a time before this work, and the targets.
BASELINE_MS = {"healthz": 3.5, "me": 11.0, "contacts_list": 27.0, "contact_create": 17.0}
TARGET_MS = {"me": 5.0, "contacts_list": 12.0, "contact_create": 9.0}
TARGET_RPS = 150.0
REQUESTS = {
    "healthz": ("GET", "/healthz"),
    "me": ("GET", "/api/v1/me/"),
    "contacts_list": ("GET", "/api/v1/contacts/?page_size=50"),
    "contact_create": ("POST", "/api/v1/contacts/"),
}
LABELS = {
    "healthz": "GET /healthz (floor)",
    "me": "GET /api/v1/me/",
    "contacts_list": "GET /api/v1/contacts/?page_size=50",
    "contact_create": "POST /api/v1/contacts/",
}


def setup_workspace(database_url: str) -> tuple[str, str, list[int]]:
    """The workspace, its customers, 10,000 contacts (COPY) and a key: (domain, key,
    customer ids)."""
    import psycopg
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import schema_context

    from api.keys import api_key_create
    from billing.models import Subscription
    from tenants import provisioning
    from tenants.models import Domain
    from tenants.services import tenant_signup
    from tradepost.accounts.models import User
    from tradepost.customers.models import Customer

    log("migrate_schemas --shared; public tenant and template")
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.ensure_public_tenant()
    provisioning.ensure_template()
    signup = tenant_signup(
        company_name="Bench CRUD",
        slug=SLUG,
        owner_email=OWNER_EMAIL,
        password=provisioning_bench.PASSWORD,
    )
    tenant = signup.tenant
    # No plan limits (the trial's API calls a day would stop the run); see orders.py.
    Subscription.objects.filter(tenant=tenant).delete()
    schema = tenant.schema_name
    with schema_context(schema):
        owner = User.objects.get(email=OWNER_EMAIL)
        customers = Customer.objects.bulk_create(
            Customer(code=f"C{index:05d}", name=f"Bench customer {index} 客户{index}")
            for index in range(CUSTOMERS)
        )
        key = api_key_create(actor=owner, name="bench", role="system_administrator").secret
    customer_ids = [c.pk for c in customers]
    log(f"copying {CONTACTS} contacts")
    rng = random.Random(2026)
    with psycopg.connect(database_url) as conn, conn.cursor() as cursor:
        columns = "customer_id, code, name, title, phone, mobile, email, wechat, is_primary, notes"
        with cursor.copy(
            f'COPY "{schema}".customers_contact ({columns}, created_at, updated_at) FROM STDIN'
        ) as out:
            now = time.strftime("%Y-%m-%d %H:%M:%S+00")
            for index in range(CONTACTS):
                out.write_row(
                    [
                        rng.choice(customer_ids),
                        f"P{index:06d}",
                        f"Contact {index} 联系人",
                        "Buyer",
                        "+86 10 5555 0000",
                        "",
                        f"contact{index}@example.com",
                        "",
                        False,
                        "",
                        now,
                        now,
                    ]
                )
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'VACUUM ANALYZE "{schema}".customers_contact')
    connection.set_schema_to_public()
    domain = Domain.objects.get(tenant=tenant, is_primary=True).domain
    return domain, key, customer_ids


def contact_body(customer_ids: list[int], rng: random.Random) -> bytes:
    return json.dumps(
        {
            "customer": rng.choice(customer_ids),
            "name": f"New contact {uuid.uuid4().hex[:8]}",
            "email": "new@example.com",
        }
    ).encode()


def sequential(port: int, headers: dict, name: str, runs: int, bodies) -> list[float]:
    method, path = REQUESTS[name]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    samples = []
    for index in range(runs + 10):
        body = next(bodies) if method == "POST" else None
        extra = {"Idempotency-Key": uuid.uuid4().hex} if method == "POST" else {}
        status, data, took = orders_bench.exchange(conn, method, path, {**headers, **extra}, body)
        if status not in (200, 201):
            raise RuntimeError(f"{method} {path} answered {status}: {data[:300]!r}")
        if index >= 10:  # the first 10 warm up
            samples.append(took)
    conn.close()
    return samples


def concurrent(port: int, headers: dict, name: str, total: int, clients: int, bodies):
    """`total` requests from `clients` threads: (wall seconds, latencies, failures)."""
    method, path = REQUESTS[name]
    counter = itertools.count()
    lock = threading.Lock()
    payloads = [next(bodies) if method == "POST" else None for _ in range(total)]
    elapsed = [0.0] * total
    failures = []
    start = threading.Barrier(clients + 1)

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        start.wait()
        while True:
            with lock:
                index = next(counter)
            if index >= total:
                break
            extra = {"Idempotency-Key": uuid.uuid4().hex} if method == "POST" else {}
            status, data, took = orders_bench.exchange(
                conn, method, path, {**headers, **extra}, payloads[index]
            )
            elapsed[index] = took
            if status not in (200, 201):
                with lock:
                    failures.append((status, data[:300]))
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, elapsed, failures


def in_process_queries(domain: str, key: str, customer_ids: list[int]) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=domain, HTTP_AUTHORIZATION=f"Bearer {key}")
    rng = random.Random(1)
    counts = {}
    for name, (method, path) in REQUESTS.items():
        for _ in range(2):  # the second is counted: caches warm, as on a running server
            with CaptureQueriesContext(connection) as queries:
                if method == "POST":
                    client.post(
                        path,
                        contact_body(customer_ids, rng),
                        content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
                    )
                else:
                    client.get(path)
        counts[name] = len(queries)
    connection.set_schema_to_public()
    return counts


def run(args, database_url: str, redis_url: str) -> dict:
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")
    domain, key, customer_ids = setup_workspace(database_url)
    headers = {"Authorization": f"Bearer {key}", "Host": domain}
    post_headers = {**headers, "Content-Type": "application/json"}
    rng = random.Random(args.seed)
    bodies = iter(lambda: contact_body(customer_ids, rng), None)
    queries = in_process_queries(domain, key, customer_ids)
    server_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": f"bench-crud-{os.getpid()}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "STATIC_MANIFEST": "0",
        "LOG_LEVEL": "WARNING",
        "API_RATE_PER_CALLER": HIGH_RATE,
        "API_RATE_PER_WORKSPACE": HIGH_RATE,
    }
    server_env.pop("TRADEPOST_DEV", None)
    results: dict[str, dict] = {}
    with orders_bench.gunicorn(server_env, args.workers) as (port, server_pid):
        for name in REQUESTS:
            hdrs = post_headers if REQUESTS[name][0] == "POST" else headers
            if name == "healthz":
                hdrs = {"Host": domain}
            cpu: dict[str, float] = {}
            with orders_bench.cpu_used(server_pid, cpu, args.runs + 10):
                samples = sequential(port, hdrs, name, args.runs, bodies)
            results[name] = {**orders_bench.latencies(samples), **cpu}
            log(f"{name}: p50 {results[name]['p50_ms']} ms one at a time")
        for name in ("me", "contacts_list", "contact_create"):
            hdrs = post_headers if REQUESTS[name][0] == "POST" else headers
            wall, elapsed, failures = concurrent(
                port, hdrs, name, args.concurrent, args.clients, bodies
            )
            if failures:
                raise RuntimeError(f"{name}: {len(failures)} failed, first {failures[0]}")
            results[name]["concurrent"] = {
                **orders_bench.latencies(elapsed),
                "requests_per_s": round(args.concurrent / wall, 1),
                "clients": args.clients,
            }
            log(f"{name}: {results[name]['concurrent']['requests_per_s']} requests/s")
    return {
        "environment": {
            "cpus": os.cpu_count(),
            "workers": args.workers,
            "runs": args.runs,
            "concurrent_requests": args.concurrent,
            "clients": args.clients,
            "contacts": CONTACTS,
            "load_average_start": args.load_average_start,
            "load_average_end": orders_bench.load_average(),
            "redis": redis_url.rsplit("@", 1)[-1],
        },
        "results": results,
        "queries": queries,
    }


def record_summary(report: dict) -> None:
    recorder = provisioning_bench.summary_recorder("crud")
    results, floor = report["results"], report["results"]["healthz"]["p50_ms"]
    for name in REQUESTS:
        r = results[name]
        recorder.record(
            f"{LABELS[name]} p50",
            r["p50_ms"],
            "ms",
            better="lower",
            target=TARGET_MS.get(name),
            baseline=BASELINE_MS[name],
            note=f"one at a time; /healthz floor {floor} ms; {report['queries'][name]} queries",
        )
    for name in ("me", "contacts_list", "contact_create"):
        c = results[name]["concurrent"]
        recorder.record(
            f"{LABELS[name]} at {c['clients']} clients",
            c["requests_per_s"],
            "req/s",
            better="higher",
            target=TARGET_RPS,
            note=f"p99 {c['p99_ms']} ms",
        )


def print_table(report: dict) -> None:
    env, results = report["environment"], report["results"]
    print(
        f"\nFixed cost per request: gunicorn {env['workers']} sync workers, {env['cpus']} CPU(s), "
        f"Redis {env['redis']}, {env['contacts']} contacts; load average "
        f"{env['load_average_start']} → {env['load_average_end']}"
    )
    header = (
        f"{'':38}{'p50':>8}{'p95':>8}{'p99':>8}{'srv CPU':>9}{'queries':>8}"
        f"{'target':>8}{'before':>8}  (ms)"
    )
    print(header)
    print("-" * len(header))
    for name in REQUESTS:
        r = results[name]
        print(
            f"{LABELS[name]:38}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}{r['p99_ms']:>8.1f}"
            f"{r.get('server_cpu_ms', 0):>9.1f}{report['queries'][name]:>8}"
            f"{TARGET_MS.get(name, '-')!s:>8}{BASELINE_MS[name]:>8}"
        )
    print(f"\nAt {env['clients']} clients ({env['concurrent_requests']} requests each):")
    for name in ("me", "contacts_list", "contact_create"):
        c = results[name]["concurrent"]
        print(
            f"  {LABELS[name]:38}{c['requests_per_s']:>8.1f} requests/s "
            f"(target ≥ {TARGET_RPS:g}), p99 {c['p99_ms']:.1f} ms"
        )


def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS
    import redis

    with contextlib.closing(redis.Redis.from_url(url, socket_connect_timeout=2)) as client:
        client.ping()
    return url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=300, help="sequential requests each (300)")
    parser.add_argument("--concurrent", type=int, default=2000, help="requests each at once (2000)")
    parser.add_argument("--clients", type=int, default=8, help="client threads (8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.load_average_start = orders_bench.load_average()
    url, source = provisioning_bench.server_url()
    log(f"PostgreSQL: {provisioning_bench.describe(url)} ({source})")
    redis = redis_url()
    with provisioning_bench.throwaway_database(url) as database_url:
        provisioning_bench.setup_django(database_url)
        report = run(args, database_url, redis)
    record_summary(report)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
