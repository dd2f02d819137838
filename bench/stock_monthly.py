"""How fast is the monthly stock report (进销存月报)? Benchmark, not a test.

Against a throwaway database (as provisioning.py), in one workspace with 2,000
products in 5 locations and 200,000 stock moves of every kind spread over the last
twelve months (bulk inserted, then the rollup rebuilt from them — timed), it measures,
through the whole Django stack in-process, one request at a time:

  report     `GET /api/v1/reports/stock-monthly/` (last month, page of 50) unfiltered,
             by location, by category, by product search, page 40; the page
             `/reports/stock-monthly/`; and its CSV file — all reading the rollup;
  raw lines  the same month's figures straight from the ledger: one GROUP BY over every
             move before the month's end (`rollup.ledger_month_figures`), in the same
             run — what the report would cost without the rollup;
  posting    one stock adjustment posted (ledger + balances + rollup), p50/p95.

Target: the report under 300 ms p95. It prints the table and records the headline
figures in var/bench/stock_monthly.jsonl for bench/summary.py.

    .venv/bin/python bench/stock_monthly.py [--moves 200000] [--runs 30] [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import sys
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

PRODUCTS = 2_000
LOCATIONS = 5
MONTHS = 12
TARGET_P95_MS = 300.0
KINDS = [
    "receipt",
    "delivery",
    "transfer_out",
    "transfer_in",
    "return",
    "adjustment",
    "stocktake",
    "delivery",
]
SIGNS = [1, -1, -1, 1, 1, 1, -1, -1]


def populate(moves: int) -> dict:
    """The workspace: products, locations, balances, `moves` stock moves, an API key."""
    from django.db import connection
    from django_tenants.utils import schema_context

    from api.keys import api_key_create
    from billing.models import Subscription
    from tenants.models import Domain
    from tenants.services import tenant_signup
    from tradepost.accounts.models import User
    from tradepost.inventory.models import StockBalance
    from tradepost.masterdata.models import Location, Product, ProductCategory
    from tradepost.reports import rollup

    email = "owner@bench-report.test"
    tenant = tenant_signup(
        company_name="bench-report",
        slug="bench-report",
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
        Location.objects.bulk_create(
            Location(name=f"Store {i} 门店", code=f"S{i}", kind="store")
            for i in range(1, LOCATIONS)
        )
        products = list(Product.objects.order_by("pk").values_list("pk", flat=True))
        locations = list(Location.objects.order_by("pk").values_list("pk", flat=True))
        StockBalance.objects.bulk_create(
            StockBalance(product_id=p, location_id=loc, on_hand=Decimal(1_000_000))
            for p in products
            for loc in locations
        )
        first = rollup.current_month()
        for _ in range(MONTHS - 1):
            first = rollup.previous_month(first)
        start = rollup.month_start(first)
        span = time.time() - start.timestamp()
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO inventory_stockmove (kind, product_id, location_id, quantity,
                    unit_cost, document_type, document_id, reference, reason, created_at)
                SELECT (%(kinds)s::text[])[1 + i %% 8],
                       (%(products)s::bigint[])[1 + (i * 7919) %% %(n_products)s],
                       (%(locations)s::bigint[])[1 + i %% %(n_locations)s],
                       (%(signs)s::int[])[1 + i %% 8] * (1 + i %% 9),
                       5 + (i %% 13) * 0.25,
                       'bench', i, 'BENCH-' || i, '',
                       %(start)s + (i::float / %(moves)s * %(span)s) * interval '1 second'
                  FROM generate_series(0, %(moves)s - 1) AS i
                """,
                {
                    "kinds": KINDS,
                    "signs": SIGNS,
                    "products": products,
                    "locations": locations,
                    "n_products": len(products),
                    "n_locations": len(locations),
                    "start": start,
                    "moves": moves,
                    "span": span,
                },
            )
            cursor.execute("ANALYZE inventory_stockmove")
        started = time.perf_counter()
        rows = rollup.stock_monthly_rebuild(month=first)
        rebuild_s = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reports_stockmonthly")
        key = api_key_create(actor=None, name="bench", role="system_administrator").secret
    return {
        "schema": tenant.schema_name,
        "domain": domain,
        "owner_id": owner.pk,
        "key": key,
        "products": products,
        "locations": locations,
        "category": categories[3].pk,
        "rebuild_s": rebuild_s,
        "first_month_rows": rows,
    }


def timed(call, runs: int) -> list[float]:
    call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def run(args) -> dict:
    import warnings

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django_tenants.utils import schema_context

    from tenants import provisioning
    from tradepost.accounts.models import User
    from tradepost.inventory.adjustments import adjustment_post
    from tradepost.masterdata.models import Location, Product
    from tradepost.reports import rollup
    from tradepost.reports.models import StockMonthly

    warnings.filterwarnings("ignore", message="No directory at")
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.ensure_public_tenant()
    provisioning.ensure_template()
    started = time.perf_counter()
    ws = populate(args.moves)
    log(f"{args.moves:,} moves, rollup rebuilt in {ws['rebuild_s']:.1f} s")
    month = rollup.previous_month(rollup.current_month())
    with schema_context(ws["schema"]):
        owner = User.objects.get(pk=ws["owner_id"])
        rollup_rows = StockMonthly.objects.count()
    report: dict = {
        "environment": {
            "products": PRODUCTS,
            "locations": LOCATIONS,
            "moves": args.moves,
            "rollup_rows": rollup_rows,
            "month": f"{month:%Y-%m}",
            "setup_s": round(time.perf_counter() - started, 1),
            "rebuild_s": round(ws["rebuild_s"], 2),
            "load_average_start": args.load_average_start,
        }
    }
    api = Client(HTTP_HOST=ws["domain"], HTTP_AUTHORIZATION=f"Bearer {ws['key']}")
    base = f"/api/v1/reports/stock-monthly/?month={month:%Y-%m}&page_size=50"
    reads = {
        "api all": base,
        "api location": f"{base}&location={ws['locations'][2]}",
        "api category": f"{base}&category={ws['category']}",
        "api search": f"{base}&q=SKU-001",
        "api page 40": f"{base}&page=40",
    }
    results = {}
    for label, path in reads.items():

        def get(path=path):
            response = api.get(path)
            assert response.status_code == 200, (path, response.status_code, response.content[:200])

        results[label] = orders_bench.latencies(timed(get, args.runs))
    page = Client(HTTP_HOST=ws["domain"])
    page.force_login(owner)

    def html():
        response = page.get(f"/reports/stock-monthly/?month={month:%Y-%m}")
        assert response.status_code == 200, response.status_code

    def csv_file():
        response = page.get(f"/reports/stock-monthly/?month={month:%Y-%m}&format=csv")
        assert response.status_code == 200, response.status_code

    results["page"] = orders_bench.latencies(timed(html, args.runs))
    results["csv file (all rows)"] = orders_bench.latencies(timed(csv_file, max(5, args.runs // 3)))

    def raw_lines():
        with schema_context(ws["schema"]):
            figures = rollup.ledger_month_figures(month)
        assert figures

    results["raw lines GROUP BY"] = orders_bench.latencies(timed(raw_lines, max(5, args.runs // 3)))
    connection.set_schema_to_public()

    with schema_context(ws["schema"]):
        product = Product.objects.get(pk=ws["products"][17])
        location = Location.objects.get(pk=ws["locations"][0])

        def post():
            adjustment_post(
                actor=owner,
                location=location,
                reason="bench",
                lines=[{"product": product, "quantity": Decimal(1), "unit_cost": Decimal(5)}],
            )

        results["posting (with rollup)"] = orders_bench.latencies(timed(post, args.runs))
    report["results"] = results
    report["environment"]["load_average_end"] = orders_bench.load_average()
    return report


def record_summary(report: dict) -> None:
    recorder = provisioning_bench.summary_recorder("stock_monthly")
    results, env = report["results"], report["environment"]
    worst = max(r["p95_ms"] for label, r in results.items() if label.startswith(("api", "page")))
    recorder.record(
        f"monthly stock report over {env['moves']:,} moves, worst p95 (API and page)",
        worst,
        "ms",
        better="lower",
        target=TARGET_P95_MS,
        baseline=results["raw lines GROUP BY"]["p95_ms"],
        note="baseline = the month's figures by GROUP BY over the raw moves, same run",
    )


def print_table(report: dict) -> None:
    env = report["environment"]
    print(
        f"\nMonthly stock report: {env['products']:,} products × {env['locations']} locations; "
        f"{env['moves']:,} moves over {MONTHS} months; {env['rollup_rows']:,} rollup rows "
        f"(rebuilt in {env['rebuild_s']} s); month {env['month']}; load average "
        f"{env['load_average_start']} → {env.get('load_average_end')}"
    )
    print(f"{'read':26}{'p50':>9}{'p95':>9}  (ms; target p95 ≤ {TARGET_P95_MS:.0f})")
    for label, r in report["results"].items():
        print(f"{label:26}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--moves", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.load_average_start = orders_bench.load_average()
    url, source = provisioning_bench.server_url()
    log(f"PostgreSQL: {provisioning_bench.describe(url)} ({source})")
    # The page links its stylesheet; without collectstatic, plain static URLs.
    os.environ.setdefault("STATIC_MANIFEST", "0")
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
