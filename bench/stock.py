"""How fast does stock reserve and list? Benchmark, not a test.

Against a throwaway database (as provisioning.py), in one workspace with 10,000
products in 10 locations (100,000 stock balances, bulk inserted), it measures:

  reserve    orders confirmed at once by 20 client processes (forked, each its own
             PostgreSQL connection, no HTTP, through `sales.orders.order_confirm`: the row
             locks, the reservation, the gap-free number, the audit entry), once all
             on ONE hot product and once spread over 1,000 products: confirmations/s
             and p50/p95; and the reservation step alone (`StockFulfilment.reserve` in
             its own transaction: lock the balances, check, hold, write) the same two
             ways;
  floor      the least a reservation can be: one `UPDATE … SET reserved = reserved + 1
             WHERE … AND on_hand - reserved >= 1` per transaction through psycopg, from
             20 threads, hot and spread, in the same run;
  balances   `GET /api/v1/stock/` (page of 50) unfiltered and filtered by location,
             category, product and below_threshold, and the stock page
             `/inventory/stock/`, through the whole Django stack in-process, one at a
             time: p50/p95 (target 100 ms p95).

It prints the table and records the headline figures in var/bench/stock.jsonl for
bench/summary.py.

    .venv/bin/python bench/stock.py [--orders 400] [--clients 20] [--runs 30] [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import signal
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("bench_orders", BENCH_DIR / "orders.py")
assert _spec is not None and _spec.loader is not None
orders_bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = orders_bench
_spec.loader.exec_module(orders_bench)
provisioning_bench = orders_bench.provisioning_bench
log = provisioning_bench.log

PRODUCTS = 10_000
LOCATIONS = 10
SPREAD = 1_000
TARGET_LIST_P95_MS = 100.0


def populate() -> dict:
    """The workspace: products, locations, balances (stock everywhere), an API key."""
    from django.contrib.auth.models import Group  # noqa: F401 - apps loaded
    from django_tenants.utils import schema_context

    from api.keys import api_key_create
    from billing.models import Subscription
    from tenants.models import Domain
    from tenants.services import tenant_signup
    from tradepost.accounts.models import User
    from tradepost.customers.models import Customer
    from tradepost.inventory.models import StockBalance
    from tradepost.masterdata.models import Location, Product, ProductCategory

    email = "owner@bench-stock.test"
    tenant = tenant_signup(
        company_name="bench-stock",
        slug="bench-stock",
        owner_email=email,
        password=provisioning_bench.PASSWORD,
    ).tenant
    Subscription.objects.filter(tenant=tenant).delete()
    domain = Domain.objects.get(tenant=tenant, is_primary=True).domain
    with schema_context(tenant.schema_name):
        owner = User.objects.get(email=email)
        categories = [
            ProductCategory.add_root(name=f"Category {i} 类别", code=f"C{i}") for i in range(20)
        ]
        Product.objects.bulk_create(
            Product(
                sku=f"SKU-{i:05d}",
                name=f"Product {i} 产品",
                list_price=Decimal("10"),
                category=categories[i % len(categories)],
            )
            for i in range(PRODUCTS)
        )
        main = Location.objects.get(code="WH")
        Location.objects.bulk_create(
            Location(name=f"Store {i} 门店", code=f"S{i}", kind="store")
            for i in range(1, LOCATIONS)
        )
        products = list(Product.objects.order_by("pk").values_list("pk", flat=True))
        locations = list(Location.objects.order_by("pk").values_list("pk", flat=True))
        batch = []
        for index, product in enumerate(products):
            for location in locations:
                on_hand = Decimal(1_000_000 if location == main.pk else 50 + index % 40)
                batch.append(
                    StockBalance(
                        product_id=product,
                        location_id=location,
                        on_hand=on_hand,
                        reorder_point=Decimal(60) if index % 7 == 0 else None,
                    )
                )
            if len(batch) >= 20_000:
                StockBalance.objects.bulk_create(batch)
                batch = []
        StockBalance.objects.bulk_create(batch)
        customer = Customer.objects.create(code="C1", name="Bench customer 客户")
        key = api_key_create(actor=None, name="bench", role="system_administrator").secret
    return {
        "schema": tenant.schema_name,
        "domain": domain,
        "owner_id": owner.pk,
        "key": key,
        "products": products,
        "main": main.pk,
        "customer": customer.pk,
        "category": categories[3].pk,
        "store": locations[3],
    }


def approved_orders(ws: dict, product_ids: list[int]) -> list[int]:
    """One approved one-line order per product id given (bulk inserted)."""
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from tradepost.sales.models import Order, OrderLine

    with schema_context(ws["schema"]):
        made = Order.objects.bulk_create(
            Order(
                customer_id=ws["customer"],
                status=Order.Status.APPROVED,
                order_date=timezone.localdate(),
                warehouse_id=ws["main"],
            )
            for _ in product_ids
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product_id=product,
                quantity=Decimal(1),
                unit_price=Decimal(10),
                net_amount=Decimal(10),
                gross_amount=Decimal(10),
            )
            for order, product in zip(made, product_ids, strict=True)
        )
        return [order.pk for order in made]


def _confirm_or_reserve(args: tuple) -> tuple[list[float], int, float]:
    """In a forked process: take `step` ("confirm" or "reserve") on each order id, from
    `start_at` (a wall-clock time shared by every process); (latencies, failures, end)."""
    step, schema, owner_id, order_ids, start_at = args
    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    from tradepost.accounts.models import User
    from tradepost.inventory.fulfilment import StockFulfilment
    from tradepost.sales import orders
    from tradepost.sales.models import Order

    connection.close()  # never the parent's socket
    samples, failures = [], 0
    with schema_context(schema):
        owner = User.objects.get(pk=owner_id)
        keeper = StockFulfilment()
        time.sleep(max(0.0, start_at - time.time()))
        for order_id in order_ids:
            started = time.perf_counter()
            try:
                if step == "confirm":
                    orders.order_confirm(actor=owner, order=Order.objects.get(pk=order_id))
                else:
                    with transaction.atomic():
                        keeper.reserve(actor=owner, order=Order.objects.get(pk=order_id))
            except Exception:  # noqa: BLE001 - counted
                failures += 1
            samples.append(time.perf_counter() - started)
    connection.close()
    return samples, failures, time.time()


def race(step: str, ws: dict, order_ids: list[int], clients: int) -> tuple[float, list[float], int]:
    """`step` on every order from `clients` processes at once (processes, not threads:
    the interpreter lock would make 20 threads one client); (seconds, latencies,
    failures)."""
    import multiprocessing

    from django.db import connections

    connections.close_all()
    start_at = time.time() + 3.0
    slices = [order_ids[i::clients] for i in range(clients)]
    context = multiprocessing.get_context("fork")
    with context.Pool(clients) as pool:
        results = pool.map(
            _confirm_or_reserve,
            [(step, ws["schema"], ws["owner_id"], ids, start_at) for ids in slices],
        )
    samples = [sample for result in results for sample in result[0]]
    failures = sum(result[1] for result in results)
    seconds = max(result[2] for result in results) - start_at
    return seconds, samples, failures


def sql_floor(database_url: str, schema: str, ids: list[int], count: int, clients: int):
    """One locked reservation UPDATE per transaction, over `ids` in turn."""
    import psycopg

    work = [ids[i % len(ids)] for i in range(count)]
    lock = threading.Lock()
    samples: list[float] = []
    barrier = threading.Barrier(clients + 1)

    def worker() -> None:
        with psycopg.connect(database_url) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            conn.commit()
            barrier.wait()
            while True:
                with lock:
                    if not work:
                        break
                    balance = work.pop()
                started = time.perf_counter()
                with conn.transaction():
                    conn.execute(
                        "UPDATE inventory_stockbalance SET reserved = reserved + 1"
                        " WHERE id = %s AND on_hand - reserved >= 1",
                        [balance],
                    )
                samples.append(time.perf_counter() - started)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, samples


def timed(call, runs: int) -> list[float]:
    call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def run(args, database_url: str) -> dict:
    import warnings

    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django_tenants.utils import schema_context

    from tenants import provisioning
    from tradepost.accounts.models import User
    from tradepost.inventory.models import StockBalance

    warnings.filterwarnings("ignore", message="No directory at")
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.ensure_public_tenant()
    provisioning.ensure_template()
    started = time.perf_counter()
    ws = populate()
    log(f"{PRODUCTS:,} products × {LOCATIONS} locations in {time.perf_counter() - started:.0f} s")
    hot = ws["products"][0]
    spread = ws["products"][1 : SPREAD + 1]
    n = args.orders
    report: dict = {
        "environment": {
            "products": PRODUCTS,
            "locations": LOCATIONS,
            "balances": PRODUCTS * LOCATIONS,
            "clients": args.clients,
            "orders": n,
            "load_average_start": args.load_average_start,
        }
    }
    with schema_context(ws["schema"]):
        owner = User.objects.get(pk=ws["owner_id"])
    modes = {}
    for label, products in (("hot", [hot] * n), ("spread", [spread[i % SPREAD] for i in range(n)])):
        for step in ("confirm", "reserve"):
            ids = approved_orders(ws, products)
            seconds, samples, failed = race(step, ws, ids, args.clients)
            modes[f"{step} {label}"] = {
                "per_s": round(len(samples) / seconds, 1),
                "failed": failed,
                **orders_bench.latencies(samples),
            }
            log(f"{step} {label}: {modes[f'{step} {label}']['per_s']}/s, {failed} failed")
    with schema_context(ws["schema"]):
        hot_ids = list(
            StockBalance.objects.filter(product_id=hot, location_id=ws["main"]).values_list(
                "pk", flat=True
            )
        )
        spread_ids = list(
            StockBalance.objects.filter(product_id__in=spread, location_id=ws["main"]).values_list(
                "pk", flat=True
            )
        )
    for label, ids in (("hot", hot_ids), ("spread", spread_ids)):
        seconds, samples = sql_floor(database_url, ws["schema"], ids, n, args.clients)
        modes[f"floor {label}"] = {
            "per_s": round(len(samples) / seconds, 1),
            "failed": 0,
            **orders_bench.latencies(samples),
        }
    report["reserve"] = modes

    client = Client(HTTP_HOST=ws["domain"], HTTP_AUTHORIZATION=f"Bearer {ws['key']}")
    reads = {
        "all": "/api/v1/stock/?page_size=50",
        "location": f"/api/v1/stock/?page_size=50&warehouse={ws['store']}",
        "category": f"/api/v1/stock/?page_size=50&category={ws['category']}",
        "product": f"/api/v1/stock/?page_size=50&product={ws['products'][500]}",
        "below threshold": "/api/v1/stock/?page_size=50&below_threshold=true",
        "page 40": "/api/v1/stock/?page_size=50&page=40",
    }
    listing = {}
    for label, path in reads.items():

        def get(path=path):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code, response.content[:200])

        listing[label] = orders_bench.latencies(timed(get, args.runs))
    page = Client(HTTP_HOST=ws["domain"])
    page.force_login(owner)

    def html():
        response = page.get("/inventory/stock/")
        assert response.status_code == 200, response.status_code

    listing["page /inventory/stock/"] = orders_bench.latencies(timed(html, args.runs))
    # Where the page's time goes: its queries, slowest first (for the report).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        html()
        whole = time.perf_counter() - started
    queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    report["page_profile"] = {
        "total_ms": round(whole * 1000, 1),
        "queries": len(queries),
        "query_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
        "slowest": [(round(float(q["time"]) * 1000, 1), q["sql"][:90]) for q in queries[:4]],
    }
    report["balances"] = listing
    report["environment"]["load_average_end"] = orders_bench.load_average()
    return report


def record_summary(report: dict) -> None:
    recorder = provisioning_bench.summary_recorder("stock")
    modes, env = report["reserve"], report["environment"]
    for label in ("hot", "spread"):
        floor = modes[f"floor {label}"]["per_s"]
        recorder.record(
            f"order confirmations/s, {env['clients']} clients, {label}",
            modes[f"confirm {label}"]["per_s"],
            "/s",
            better="higher",
            baseline=floor,
            note="baseline = one locked UPDATE per transaction (SQL floor), same run",
        )
        recorder.record(
            f"reservations/s, {env['clients']} clients, {label}",
            modes[f"reserve {label}"]["per_s"],
            "/s",
            better="higher",
            baseline=floor,
            note="the reservation step alone",
        )
    worst = max(r["p95_ms"] for r in report["balances"].values())
    recorder.record(
        f"stock balances ({env['balances']:,}) listed and filtered, worst p95",
        worst,
        "ms",
        better="lower",
        target=TARGET_LIST_P95_MS,
        baseline=report["balances"]["all"]["p95_ms"],
        note="API and page, in-process",
    )


def print_table(report: dict) -> None:
    env = report["environment"]
    print(
        f"\nStock: {env['products']:,} products × {env['locations']} locations; "
        f"{env['clients']} clients; {env['orders']} orders per run; load average "
        f"{env['load_average_start']} → {env.get('load_average_end')}"
    )
    print(f"{'mode':18}{'per s':>9}{'p50':>8}{'p95':>8}{'failed':>8}")
    for mode, r in report["reserve"].items():
        print(f"{mode:18}{r['per_s']:>9.1f}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}{r['failed']:>8}")
    print(f"\n{'balances':26}{'p50':>8}{'p95':>8}  (ms; target p95 ≤ {TARGET_LIST_P95_MS:.0f})")
    for label, r in report["balances"].items():
        print(f"{label:26}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}")
    profile = report.get("page_profile")
    if profile:
        print(
            f"\n/inventory/stock/ once: {profile['total_ms']} ms, {profile['queries']} "
            f"queries taking {profile['query_ms']} ms; slowest:"
        )
        for ms, sql in profile["slowest"]:
            print(f"  {ms:>7.1f} ms  {sql}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--orders", type=int, default=400, help="orders per run (400)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.load_average_start = orders_bench.load_average()
    url, source = provisioning_bench.server_url()
    log(f"PostgreSQL: {provisioning_bench.describe(url)} ({source})")
    with provisioning_bench.throwaway_database(url) as database_url:
        provisioning_bench.setup_django(database_url)
        report = run(args, database_url)
    record_summary(report)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
