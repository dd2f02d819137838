"""How fast is the sales drill-down, and the monthly stock report beside it, on one big
workspace? Benchmark, not a test.

Against a throwaway database (as provisioning.py), one workspace with 2,000 customers
(10 regions, 5 branches, 20 salespeople, 6 channels), 2,000 products in 20 categories,
100,000 orders with 1,000,000 order lines over the last 24 months (every 31st order
cancelled) and 200,000 stock moves (about 145,000 of them the deliveries of the first
15,000 orders that were not cancelled, the rest receipts), all bulk inserted with `INSERT … SELECT
generate_series`; then both rollups rebuilt from them (timed). Through the whole
Django stack in-process, one request at a time, it measures p50/p95:

  drill-down  `GET /api/v1/reports/sales/?dimensions=region,category` over the last 12
              months (reads the cube), the same as margin, the page
              `/reports/sales/?dimensions=region` (bars and trend), a drill by customer
              within one region and by product within one customer (the fine table);
  raw lines   the region × category figures of the same 12 months summed straight from
              the order lines (orders ⋈ lines ⋈ customers ⋈ products, GROUP BY), in the
              same run — what the drill-down would cost without its rollup;
  stock       `GET /api/v1/reports/stock-monthly/` for last month, and its raw-lines
              query (`rollup.ledger_month_figures`), as bench/stock_monthly.py;
  posting     one order confirmed (rollup kept in its transaction).

Target: the region × category drill-down and the monthly stock report under 300 ms
p95. It prints the table and records the headline figures in
var/bench/sales_drilldown.jsonl for bench/summary.py.

    .venv/bin/python bench/sales_drilldown.py [--lines 1000000] [--moves 200000] [--runs 30]
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

CUSTOMERS = 2_000
PRODUCTS = 2_000
CATEGORIES = 20
REGIONS = 10
BRANCHES = 5
SALESPEOPLE = 20
CHANNELS = ["direct", "store", "dealer", "franchise", "project", "retail"]
LINES_PER_ORDER = 10
MONTHS = 24
DELIVERED_ORDERS = 15_000
TARGET_P95_MS = 300.0


def _months_back(count: int):
    from tradepost.reports import rollup

    month = rollup.current_month()
    for _ in range(count):
        month = rollup.previous_month(month)
    return month


def populate(lines: int, moves: int) -> dict:
    """The workspace and its documents (see the module docstring), both rollups rebuilt."""
    from django.db import connection
    from django_tenants.utils import schema_context

    from api.keys import api_key_create
    from billing.models import Subscription
    from tenants.models import Domain
    from tenants.services import tenant_signup
    from tradepost.accounts.models import User
    from tradepost.collation import name_sort_key
    from tradepost.customers.models import Customer
    from tradepost.inventory.models import StockBalance
    from tradepost.masterdata.models import Branch, Location, Product, ProductCategory, SalesRegion
    from tradepost.reports import rollup
    from tradepost.reports.sales_rollup import sales_rollup_rebuild
    from tradepost.settlement import money

    email = "owner@bench-drilldown.test"
    tenant = tenant_signup(
        company_name="bench-drilldown",
        slug="bench-drilldown",
        owner_email=email,
        password=provisioning_bench.PASSWORD,
    ).tenant
    Subscription.objects.filter(tenant=tenant).delete()
    domain = Domain.objects.get(tenant=tenant, is_primary=True).domain
    with schema_context(tenant.schema_name):
        owner = User.objects.get(email=email)
        categories = [
            ProductCategory.add_root(name=f"Category {i} 类别", code=f"C{i}")
            for i in range(CATEGORIES)
        ]
        regions = [
            SalesRegion.add_root(name=f"Region {i} 区域", code=f"R{i}") for i in range(REGIONS)
        ]
        branches = [
            Branch.add_root(name=f"Branch {i} 分公司", code=f"B{i}") for i in range(BRANCHES)
        ]
        people = User.objects.bulk_create(
            User(email=f"rep{i}@bench-drilldown.test", full_name=f"Rep {i} 销售")
            for i in range(SALESPEOPLE)
        )
        Product.objects.bulk_create(
            Product(
                sku=f"SKU-{i:05d}",
                name=f"Product {i} 产品",
                list_price=Decimal("10"),
                category=categories[i % CATEGORIES],
            )
            for i in range(PRODUCTS)
        )
        Customer.objects.bulk_create(
            Customer(
                code=f"C-{i:05d}",
                name=f"Customer {i} 客户",
                name_sort=name_sort_key(f"Customer {i} 客户"),
                channel=CHANNELS[i % len(CHANNELS)],
                region=regions[i % REGIONS],
                branch=branches[(i // 2) % BRANCHES],
                owner=people[i % SALESPEOPLE],
            )
            for i in range(CUSTOMERS)
        )
        products = list(Product.objects.order_by("pk").values_list("pk", flat=True))
        customers = list(Customer.objects.order_by("pk").values_list("pk", "owner_id"))
        warehouse = Location.objects.get(is_default=True, branch__isnull=True).pk
        StockBalance.objects.bulk_create(
            StockBalance(product_id=p, location_id=warehouse, on_hand=Decimal(1_000_000))
            for p in products
        )
        first = _months_back(MONTHS - 1)
        orders = lines // LINES_PER_ORDER
        days = (rollup.current_month() - first).days + 27
        base = money.base_currency()
        params = {
            "customers": [c for c, _owner in customers],
            "owners": [o for _c, o in customers],
            "products": products,
            "n_customers": len(customers),
            "n_products": len(products),
            "orders": orders,
            "lines": orders * LINES_PER_ORDER,
            "first": first,
            "days": days,
            "base": base,
            "per": LINES_PER_ORDER,
            "warehouse": warehouse,
            "delivered": min(DELIVERED_ORDERS, orders),
        }
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(
                """
                INSERT INTO sales_order (currency, subtotal, discount_total, net_total,
                    tax_total, gross_total, number, customer_id, owner_id, status, order_date,
                    deposit, notes, review_comment, cancel_reason, created_at, updated_at,
                    confirmed_at)
                SELECT %(base)s, 0, 0, 0, 0, 0, 'B-' || i,
                       (%(customers)s::bigint[])[1 + (i * 7919) %% %(n_customers)s],
                       (%(owners)s::bigint[])[1 + (i * 7919) %% %(n_customers)s],
                       CASE WHEN i %% 31 = 0 THEN 'cancelled' ELSE 'confirmed' END,
                       %(first)s::date + (i::float / %(orders)s * %(days)s)::int,
                       0, '', '', '', now(), now(), now()
                  FROM generate_series(0, %(orders)s - 1) AS i
                """,
                params,
            )
            cursor.execute("SELECT MIN(id) FROM sales_order")
            (params["first_order"],) = cursor.fetchone()
            # A customer buys from a favourite few dozen products.
            cursor.execute(
                """
                INSERT INTO sales_orderline (position, product_id, description, quantity,
                    unit_price, price_source, discount_percent, promotion_label,
                    promotion_discount, discount_amount, tax_rate, net_amount, tax_amount,
                    gross_amount, order_id, shipped_quantity, delivered_quantity,
                    returned_quantity)
                SELECT j %% %(per)s,
                       (%(products)s::bigint[])[1 + (((j / %(per)s) * 7919 %% %(n_customers)s)
                           * 37 + (j %% %(per)s) * 101 + (j / %(per)s) %% 3) %% %(n_products)s],
                       '', 1 + j %% 7, 10 + j %% 13, '', 0, '', 0, 0, 13,
                       (1 + j %% 7) * (10 + j %% 13), 0, (1 + j %% 7) * (10 + j %% 13),
                       %(first_order)s + j / %(per)s, 0, 0, 0
                  FROM generate_series(0, %(lines)s - 1) AS j
                """,
                params,
            )
            cursor.execute(
                """
                UPDATE sales_order AS o SET net_total = t.net, subtotal = t.net,
                       gross_total = t.net
                  FROM (SELECT order_id, SUM(net_amount) AS net FROM sales_orderline
                         GROUP BY order_id) AS t
                 WHERE t.order_id = o.id
                """
            )
            # The first orders are delivered: a delivery each, a move per line.
            cursor.execute(
                """
                INSERT INTO inventory_delivery (number, order_id, location_id, status,
                    carrier, tracking_number, notes, created_at, updated_at)
                SELECT 'D-' || o.id, o.id, %(warehouse)s, 'delivered', '', '', '',
                       now(), now()
                  FROM sales_order AS o
                 WHERE o.id < %(first_order)s + %(delivered)s AND o.status = 'confirmed'
                """,
                params,
            )
            cursor.execute(
                """
                INSERT INTO inventory_stockmove (kind, product_id, location_id, quantity,
                    unit_cost, document_type, document_id, reference, reason, created_at)
                SELECT 'delivery', l.product_id, %(warehouse)s, -l.quantity,
                       5 + (l.id %% 13) * 0.25, 'delivery', d.id, d.number, '',
                       (o.order_date + 1)::timestamp AT TIME ZONE 'UTC'
                  FROM inventory_delivery AS d
                  JOIN sales_order AS o ON o.id = d.order_id
                  JOIN sales_orderline AS l ON l.order_id = o.id
                """,
                params,
            )
            cursor.execute("SELECT COUNT(*) FROM inventory_stockmove")
            (delivered_moves,) = cursor.fetchone()
            params["other_moves"] = max(0, moves - delivered_moves)
            cursor.execute(
                """
                INSERT INTO inventory_stockmove (kind, product_id, location_id, quantity,
                    unit_cost, document_type, document_id, reference, reason, created_at)
                SELECT 'receipt', (%(products)s::bigint[])[1 + (i * 7919) %% %(n_products)s],
                       %(warehouse)s, 1 + i %% 50, 5 + (i %% 13) * 0.25, 'bench', i,
                       'R-' || i, '',
                       %(first)s::timestamp + (i::float / greatest(%(other_moves)s, 1)
                           * %(days)s) * interval '1 day'
                  FROM generate_series(0, %(other_moves)s - 1) AS i
                """,
                params,
            )
            inserted_s = time.perf_counter() - started
            for table in ("sales_order", "sales_orderline", "inventory_stockmove"):
                cursor.execute(f"ANALYZE {table}")  # noqa: S608 - fixed names
            cursor.execute("SELECT COUNT(*) FROM sales_orderline")
            (line_count,) = cursor.fetchone()
            cursor.execute("SELECT COUNT(*) FROM inventory_stockmove")
            (move_count,) = cursor.fetchone()
        started = time.perf_counter()
        sales_rows = sales_rollup_rebuild()
        sales_rebuild_s = time.perf_counter() - started
        started = time.perf_counter()
        rollup.stock_monthly_rebuild(month=first)
        stock_rebuild_s = time.perf_counter() - started
        with connection.cursor() as cursor:
            for table in ("reports_salesmonthly", "reports_salescube", "reports_stockmonthly"):
                cursor.execute(f"ANALYZE {table}")  # noqa: S608 - fixed names
            cursor.execute("SELECT COUNT(*) FROM reports_salescube")
            (cube_rows,) = cursor.fetchone()
        key = api_key_create(actor=None, name="bench", role="system_administrator").secret
    return {
        "schema": tenant.schema_name,
        "domain": domain,
        "owner_id": owner.pk,
        "key": key,
        "region": regions[3].pk,
        "customer": customers[5][0],
        "lines": line_count,
        "moves": move_count,
        "inserted_s": inserted_s,
        "sales_rows": sales_rows,
        "cube_rows": cube_rows,
        "sales_rebuild_s": sales_rebuild_s,
        "stock_rebuild_s": stock_rebuild_s,
    }


def timed(call, runs: int) -> list[float]:
    call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


RAW_REGION_CATEGORY = """
SELECT c.region_id, p.category_id, SUM(l.quantity), SUM(l.net_amount)
  FROM sales_orderline AS l
  JOIN sales_order AS o ON o.id = l.order_id
  JOIN customers_customer AS c ON c.id = o.customer_id
  JOIN masterdata_product AS p ON p.id = l.product_id
 WHERE o.status IN ('confirmed', 'partially_shipped', 'shipped', 'delivered', 'closed')
   AND o.order_date >= %s AND o.order_date < %s
 GROUP BY c.region_id, p.category_id
"""


def run(args) -> dict:
    import warnings

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django_tenants.utils import schema_context

    from tenants import provisioning
    from tradepost.accounts.models import User
    from tradepost.customers.models import Customer
    from tradepost.masterdata.models import Product
    from tradepost.reports import rollup
    from tradepost.sales import orders

    warnings.filterwarnings("ignore", message="No directory at")
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.ensure_public_tenant()
    provisioning.ensure_template()
    started = time.perf_counter()
    ws = populate(args.lines, args.moves)
    log(
        f"{ws['lines']:,} order lines and {ws['moves']:,} moves inserted in "
        f"{ws['inserted_s']:.1f} s; sales rollup rebuilt in {ws['sales_rebuild_s']:.1f} s "
        f"({ws['sales_rows']:,} rows, cube {ws['cube_rows']:,}); stock rollup in "
        f"{ws['stock_rebuild_s']:.1f} s"
    )
    start = _months_back(11)
    end = rollup.current_month()
    last_month = rollup.previous_month(end)
    report: dict = {
        "environment": {
            "lines": ws["lines"],
            "moves": ws["moves"],
            "customers": CUSTOMERS,
            "products": PRODUCTS,
            "sales_rollup_rows": ws["sales_rows"],
            "sales_cube_rows": ws["cube_rows"],
            "setup_s": round(time.perf_counter() - started, 1),
            "sales_rebuild_s": round(ws["sales_rebuild_s"], 2),
            "stock_rebuild_s": round(ws["stock_rebuild_s"], 2),
            "load_average_start": args.load_average_start,
        }
    }
    api = Client(HTTP_HOST=ws["domain"], HTTP_AUTHORIZATION=f"Bearer {ws['key']}")
    months = f"start={start:%Y-%m}&end={end:%Y-%m}"
    reads = {
        "drill region × category": f"/api/v1/reports/sales/?dimensions=region,category&{months}",
        "drill region × category margin": (
            f"/api/v1/reports/sales/?dimensions=region,category&measure=margin&{months}"
        ),
        "drill customers of a region": (
            f"/api/v1/reports/sales/?dimensions=customer&region={ws['region']}&{months}"
        ),
        "drill products of a customer": (
            f"/api/v1/reports/sales/?dimensions=product&customer={ws['customer']}&{months}"
        ),
        "stock monthly report": f"/api/v1/reports/stock-monthly/?month={last_month:%Y-%m}",
    }
    results = {}
    for label, path in reads.items():

        def get(path=path):
            response = api.get(path)
            assert response.status_code == 200, (path, response.status_code, response.content[:300])

        results[label] = orders_bench.latencies(timed(get, args.runs))
    with schema_context(ws["schema"]):
        owner = User.objects.get(pk=ws["owner_id"])
    page = Client(HTTP_HOST=ws["domain"])
    page.force_login(owner)

    def html():
        response = page.get(f"/reports/sales/?dimensions=region&{months}")
        assert response.status_code == 200, response.status_code

    results["page (bars + trend)"] = orders_bench.latencies(timed(html, args.runs))

    def raw_drill():
        with schema_context(ws["schema"]), connection.cursor() as cursor:
            cursor.execute(RAW_REGION_CATEGORY, [start, rollup.next_month(end)])
            assert cursor.fetchall()

    results["raw lines region × category"] = orders_bench.latencies(
        timed(raw_drill, max(5, args.runs // 3))
    )

    def raw_stock():
        with schema_context(ws["schema"]):
            assert rollup.ledger_month_figures(last_month)

    results["raw lines stock month"] = orders_bench.latencies(
        timed(raw_stock, max(5, args.runs // 3))
    )
    connection.set_schema_to_public()

    with schema_context(ws["schema"]):
        customer = Customer.objects.get(pk=ws["customer"])
        product = Product.objects.order_by("pk").first()

        def confirm():
            order = orders.order_create(
                actor=owner, customer=customer, lines=[{"product": product, "quantity": Decimal(1)}]
            )
            order = orders.order_submit(actor=owner, order=order)
            order = orders.order_approve(actor=owner, order=order)
            orders.order_confirm(actor=owner, order=order)

        results["order confirmed (with rollup)"] = orders_bench.latencies(
            timed(confirm, max(5, args.runs // 3))
        )
    report["results"] = results
    report["environment"]["load_average_end"] = orders_bench.load_average()
    return report


def record_summary(report: dict) -> None:
    recorder = provisioning_bench.summary_recorder("sales_drilldown")
    results, env = report["results"], report["environment"]
    recorder.record(
        f"sales drill-down region × category over {env['lines']:,} order lines, p95",
        results["drill region × category"]["p95_ms"],
        "ms",
        better="lower",
        target=TARGET_P95_MS,
        baseline=results["raw lines region × category"]["p95_ms"],
        note="baseline = the same figures by GROUP BY over the raw order lines, same run",
    )
    recorder.record(
        f"monthly stock report beside {env['lines']:,} order lines, p95",
        results["stock monthly report"]["p95_ms"],
        "ms",
        better="lower",
        target=TARGET_P95_MS,
        baseline=results["raw lines stock month"]["p95_ms"],
        note="baseline = the month's figures by GROUP BY over the raw moves, same run",
    )


def print_table(report: dict) -> None:
    env = report["environment"]
    print(
        f"\nSales drill-down: {env['lines']:,} order lines, {env['moves']:,} stock moves; "
        f"{env['customers']:,} customers × {env['products']:,} products; rollup "
        f"{env['sales_rollup_rows']:,} rows, cube {env['sales_cube_rows']:,} rows (rebuilt "
        f"in {env['sales_rebuild_s']} s); load average {env['load_average_start']} → "
        f"{env.get('load_average_end')}"
    )
    print(f"{'read':34}{'p50':>9}{'p95':>9}  (ms; target p95 ≤ {TARGET_P95_MS:.0f})")
    for label, r in report["results"].items():
        print(f"{label:34}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--moves", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.load_average_start = orders_bench.load_average()
    url, source = provisioning_bench.server_url()
    log(f"PostgreSQL: {provisioning_bench.describe(url)} ({source})")
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
