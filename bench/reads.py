"""How fast are big lists read? Benchmark, not a test.

Against a throwaway database (as provisioning.py), on the production shape (gunicorn,
2 sync workers, DEBUG=0, Redis for the cache), it measures one request at a time:

  API    `GET /api/v1/customers/?page_size=50` (first page and page 100) in a workspace
         of 100,000 customers: p50/p95/p99;
  page   the customer list page (HTML, signed in as the owner, the first page) in a
         workspace of 10,000 customers: p50/p95/p99;
  floor  `GET /healthz` (answered before routing and authentication), as in crud.py;

and, in-process, the queries of the API list for page sizes 10, 50 and 200 (they must
not grow). `GET /api/v1/orders/` over 100,000 orders is measured by orders.py.

    .venv/bin/python bench/reads.py [--runs 300] [--customers 100000] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import signal
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("bench_crud", BENCH_DIR / "crud.py")
assert _spec is not None and _spec.loader is not None
crud_bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = crud_bench
_spec.loader.exec_module(crud_bench)
orders_bench = crud_bench.orders_bench
provisioning_bench = crud_bench.provisioning_bench
log = provisioning_bench.log

TARGET_API_P99_MS = 20.0
TARGET_PAGE_P95_MS = 60.0
# Before the list indexes (issue 12's follow-up, measured on a quiet machine).
BASELINE_API_P99_MS = 110.0
BASELINE_PAGE_P95_MS = 67.0
PAGE_CUSTOMERS = 10_000
PAGE_SIZES = (10, 50, 200)


def workspace(slug: str, customers: int) -> dict:
    """A workspace without plan limits, `customers` customers (bulk_create), an API key
    and a signed-in session of its owner: domain, key, session cookie."""
    from django.db import connection
    from django.test import Client
    from django_tenants.utils import schema_context

    from api.keys import api_key_create
    from billing.models import Subscription
    from tenants.models import Domain
    from tenants.services import tenant_signup
    from tradepost.accounts.models import User
    from tradepost.collation import name_sort_key
    from tradepost.customers.models import Customer

    email = f"owner@{slug}.test"
    tenant = tenant_signup(
        company_name=slug, slug=slug, owner_email=email, password=provisioning_bench.PASSWORD
    ).tenant
    Subscription.objects.filter(tenant=tenant).delete()
    domain = Domain.objects.get(tenant=tenant, is_primary=True).domain
    log(f"{slug}: {customers} customers")
    with schema_context(tenant.schema_name):
        owner = User.objects.get(email=email)
        for start in range(0, customers, 5000):
            Customer.objects.bulk_create(
                Customer(
                    code=f"C{index:06d}",
                    name=f"Customer {index:06d} 客户",
                    name_sort=name_sort_key(f"Customer {index:06d} 客户"),
                )
                for index in range(start, min(start + 5000, customers))
            )
        key = api_key_create(actor=owner, name="bench", role="system_administrator").secret
        browser = Client(HTTP_HOST=domain)
        browser.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    import psycopg
    from django.conf import settings

    with psycopg.connect(settings.DATABASES["default"]["_bench_url"], autocommit=True) as conn:
        conn.execute(f'VACUUM ANALYZE "{tenant.schema_name}".customers_customer')
    connection.set_schema_to_public()
    return {
        "domain": domain,
        "key": key,
        "cookie": f"sessionid={browser.cookies['sessionid'].value}",
    }


def timed(port: int, headers: dict, path: str, runs: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    samples = []
    for index in range(runs + 10):
        status, data, took = orders_bench.exchange(conn, "GET", path, headers)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {data[:300]!r}")
        if index >= 10:
            samples.append(took)
    conn.close()
    return samples


def list_queries(domain: str, key: str) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=domain, HTTP_AUTHORIZATION=f"Bearer {key}")
    counts = {}
    for size in PAGE_SIZES:
        path = f"/api/v1/customers/?page_size={size}"
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        counts[str(size)] = len(queries)
    connection.set_schema_to_public()
    return counts


def run(args, database_url: str, redis_url: str) -> dict:
    import warnings

    from django.conf import settings
    from django.core.management import call_command

    from tenants import provisioning

    warnings.filterwarnings("ignore", message="No directory at")
    settings.DATABASES["default"]["_bench_url"] = database_url
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.ensure_public_tenant()
    provisioning.ensure_template()
    big = workspace("bench-reads", args.customers)
    page = workspace("bench-page", PAGE_CUSTOMERS)
    queries = list_queries(big["domain"], big["key"])
    server_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": f"bench-reads-{os.getpid()}",
        # The key the session cookie was signed with here (its auth hash depends on it).
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        "STATIC_MANIFEST": "0",
        "LOG_LEVEL": "WARNING",
        "API_RATE_PER_CALLER": orders_bench.HIGH_RATE,
        "API_RATE_PER_WORKSPACE": orders_bench.HIGH_RATE,
    }
    server_env.pop("TRADEPOST_DEV", None)
    api = {"Host": big["domain"], "Authorization": f"Bearer {big['key']}"}
    html = {"Host": page["domain"], "Cookie": page["cookie"]}
    measured = {
        # The floor: answered before routing and authentication (see crud.py).
        "healthz": ({"Host": big["domain"]}, "/healthz"),
        "api_page1": (api, "/api/v1/customers/?page_size=50"),
        "api_page100": (api, "/api/v1/customers/?page=100&page_size=50"),
        "html_list": (html, "/customers/"),
    }
    results = {}
    with orders_bench.gunicorn(server_env, args.workers) as (port, server_pid):
        for name, (headers, path) in measured.items():
            cpu: dict[str, float] = {}
            with orders_bench.cpu_used(server_pid, cpu, args.runs + 10):
                samples = timed(port, headers, path, args.runs)
            results[name] = {**orders_bench.latencies(samples), "path": path, **cpu}
            log(f"{name}: p99 {results[name]['p99_ms']} ms")
    return {
        "environment": {
            "customers": args.customers,
            "page_customers": PAGE_CUSTOMERS,
            "runs": args.runs,
            "workers": args.workers,
            "load_average_start": args.load_average_start,
            "load_average_end": orders_bench.load_average(),
        },
        "results": results,
        "list_queries": queries,
    }


def record_summary(report: dict) -> None:
    recorder = provisioning_bench.summary_recorder("reads")
    results, env = report["results"], report["environment"]
    counts = "/".join(str(v) for v in report["list_queries"].values())
    floor = results["healthz"]
    floor_note = f"/healthz floor p95 {floor['p95_ms']} ms, p99 {floor['p99_ms']} ms"
    recorder.record(
        f"GET /customers/?page_size=50 of {env['customers']:,} p99",
        results["api_page1"]["p99_ms"],
        "ms",
        better="lower",
        target=TARGET_API_P99_MS,
        baseline=BASELINE_API_P99_MS,
        note=f"queries for page sizes 10/50/200: {counts}; {floor_note}",
    )
    recorder.record(
        "GET /customers/?page=100 p99",
        results["api_page100"]["p99_ms"],
        "ms",
        better="lower",
        target=TARGET_API_P99_MS,
        note=floor_note,
    )
    recorder.record(
        f"customer list page (HTML, {env['page_customers']:,}) p95",
        results["html_list"]["p95_ms"],
        "ms",
        better="lower",
        target=TARGET_PAGE_P95_MS,
        baseline=BASELINE_PAGE_P95_MS,
        note=floor_note,
    )


def print_table(report: dict) -> None:
    env = report["environment"]
    print(
        f"\nBig lists, one request at a time; load average {env['load_average_start']} → "
        f"{env['load_average_end']}"
    )
    print(f"{'':44}{'p50':>8}{'p95':>8}{'p99':>8}{'srv CPU':>9}  (ms)")
    for r in report["results"].values():
        print(
            f"{r['path']:44}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}{r['p99_ms']:>8.1f}"
            f"{r.get('server_cpu_ms', 0):>9.1f}"
        )
    print(f"queries per API page (sizes 10/50/200): {report['list_queries']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=300, help="timed requests each (300)")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.load_average_start = orders_bench.load_average()
    url, source = provisioning_bench.server_url()
    log(f"PostgreSQL: {provisioning_bench.describe(url)} ({source})")
    redis = crud_bench.redis_url()
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
