"""How fast are aging and the credit check? Benchmark, not a test.

Against a throwaway database (as provisioning.py), in one workspace with 5,000
customers and 200,000 ledger entries (bulk inserted: per customer 40 entries —
invoices due from 200 days ago to 30 days ahead, some paid, some partly, payments,
credit notes), it measures:

  aging      `settlement.selectors.aging_by_customer` over every customer: the five
             buckets, on account and the balance per customer in one grouped query,
             rows fetched into Python — p50/p95 (target 300 ms p95); beside it the
             same GROUP BY as plain SQL through psycopg (the floor), same run;
  credit     `sales.orders.order_confirm` one at a time for a customer with a credit
             limit, an overdue hold of 365 days and 40 entries, with the settlement
             check registered and without it (the `sales.settlement` seam emptied),
             interleaved: p50/p95 of each and the difference (target: the check adds
             under 5 ms p95).

It prints the table and records the headline figures in var/bench/settlement.jsonl for
bench/summary.py.

    .venv/bin/python bench/settlement.py [--runs 30] [--orders 200] [--json]
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import random
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

CUSTOMERS = 5_000
ENTRIES_PER_CUSTOMER = 40
TARGET_AGING_P95_MS = 300.0
TARGET_CHECK_P95_MS = 5.0


def populate() -> dict:
    """The workspace: customers, their accounts and ledger entries, one product."""
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from billing.models import Subscription
    from tenants.services import tenant_signup
    from tradepost.accounts.models import User
    from tradepost.customers.models import Customer
    from tradepost.masterdata.models import Product
    from tradepost.settlement.models import CustomerAccount, LedgerEntry, SettlementSettings

    email = "owner@bench-settlement.test"
    tenant = tenant_signup(
        company_name="bench-settlement",
        slug="bench-settlement",
        owner_email=email,
        password=provisioning_bench.PASSWORD,
    ).tenant
    Subscription.objects.filter(tenant=tenant).delete()
    rng = random.Random(15)
    today = timezone.localdate()
    with schema_context(tenant.schema_name):
        owner = User.objects.get(email=email)
        customers = Customer.objects.bulk_create(
            Customer(code=f"C{i:05d}", name=f"Customer {i} 客户", credit_limit=Decimal("1000000"))
            for i in range(CUSTOMERS)
        )
        batch, balances = [], {}
        for customer in customers:
            balance = Decimal("0")
            for n in range(ENTRIES_PER_CUSTOMER):
                if n % 4 == 3:  # a payment, mostly allocated
                    amount = -Decimal(rng.randint(100, 5000))
                    open_amount = Decimal(rng.choice([0, 0, 0, 50]))
                    kind, due = LedgerEntry.Kind.PAYMENT, None
                else:
                    amount = Decimal(rng.randint(100, 5000))
                    open_amount = rng.choice([Decimal(0), Decimal(0), amount, amount / 2])
                    kind = LedgerEntry.Kind.INVOICE
                    due = today + datetime.timedelta(days=rng.randint(-200, 30))
                balance += amount
                batch.append(
                    LedgerEntry(
                        customer_id=customer.pk,
                        kind=kind,
                        amount=amount,
                        open_amount=min(open_amount, abs(amount)),
                        currency="CNY",
                        entry_date=(due or today) - datetime.timedelta(days=30),
                        due_date=due,
                        document_currency="CNY",
                        document_amount=abs(amount),
                        document_type="bench",
                        reference=f"B-{customer.pk}-{n}",
                    )
                )
            balances[customer.pk] = balance
            if len(batch) >= 20_000:
                LedgerEntry.objects.bulk_create(batch)
                batch = []
        LedgerEntry.objects.bulk_create(batch)
        CustomerAccount.objects.bulk_create(
            CustomerAccount(customer_id=pk, currency="CNY", balance=balance)
            for pk, balance in balances.items()
        )
        # An overdue hold the customers stay inside (their oldest invoice is 200 days
        # past due), so the check reads the oldest overdue invoice as well as the limit.
        SettlementSettings.objects.update_or_create(
            singleton=True, defaults={"overdue_block_days": 365}
        )
        product = Product.objects.create(
            sku="BENCH-1", name="Bench 产品", list_price=Decimal("10"), tracks_stock=False
        )
    return {
        "schema": tenant.schema_name,
        "owner_id": owner.pk,
        "customer": customers[0].pk,
        "product": product.pk,
    }


def approved_orders(ws: dict, count: int) -> list[int]:
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from tradepost.sales.models import Order, OrderLine

    with schema_context(ws["schema"]):
        made = Order.objects.bulk_create(
            Order(
                customer_id=ws["customer"],
                status=Order.Status.APPROVED,
                order_date=timezone.localdate(),
                gross_total=Decimal(10),
                net_total=Decimal(10),
            )
            for _ in range(count)
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product_id=ws["product"],
                quantity=Decimal(1),
                unit_price=Decimal(10),
                net_amount=Decimal(10),
                gross_amount=Decimal(10),
            )
            for order in made
        )
        return [order.pk for order in made]


def aging_floor(database_url: str, schema: str, runs: int) -> list[float]:
    """The same grouped aggregate as `aging_by_customer`, as plain SQL."""
    import psycopg
    from django.utils import timezone

    today = timezone.localdate()
    due = "SUM(open_amount) FILTER (WHERE amount > 0 AND {})"
    buckets = [
        "due_date >= %(t)s OR due_date IS NULL",
        "due_date <= %(t)s - 1 AND due_date >= %(t)s - 30",
        "due_date <= %(t)s - 31 AND due_date >= %(t)s - 60",
        "due_date <= %(t)s - 61 AND due_date >= %(t)s - 90",
        "due_date <= %(t)s - 91",
    ]
    columns = ", ".join(f"COALESCE({due.format(f'({b})')}, 0)" for b in buckets)
    sql = (
        f"SELECT customer_id, currency, {columns},"
        " COALESCE(SUM(open_amount) FILTER (WHERE amount < 0), 0),"
        " SUM(CASE WHEN amount > 0 THEN open_amount ELSE -open_amount END) AS balance"
        " FROM settlement_ledgerentry WHERE open_amount > 0"
        " GROUP BY customer_id, currency ORDER BY balance DESC, customer_id"
    )
    samples = []
    with psycopg.connect(database_url) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        for index in range(runs + 1):
            started = time.perf_counter()
            rows = conn.execute(sql, {"t": today}).fetchall()
            if index:  # the first run warms the cache
                samples.append(time.perf_counter() - started)
        assert len(rows) > CUSTOMERS // 2, len(rows)
    return samples


def run(args, database_url: str) -> dict:
    import warnings

    from django.core.management import call_command
    from django.db import transaction
    from django_tenants.utils import schema_context

    from tenants import provisioning
    from tradepost.accounts.models import User
    from tradepost.sales import orders
    from tradepost.sales import settlement as seam
    from tradepost.sales.models import Order
    from tradepost.settlement import selectors
    from tradepost.settlement.models import LedgerEntry

    warnings.filterwarnings("ignore", message="No directory at")
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.ensure_public_tenant()
    provisioning.ensure_template()
    started = time.perf_counter()
    ws = populate()
    entries = CUSTOMERS * ENTRIES_PER_CUSTOMER
    log(f"{CUSTOMERS:,} customers, {entries:,} entries in {time.perf_counter() - started:.0f} s")
    report: dict = {
        "environment": {
            "customers": CUSTOMERS,
            "entries": entries,
            "runs": args.runs,
            "orders": args.orders,
            "load_average_start": args.load_average_start,
        }
    }
    with schema_context(ws["schema"]):
        rows_seen = []

        def aging() -> None:
            rows = list(selectors.aging_by_customer(LedgerEntry.objects.all()))
            rows_seen.append(len(rows))

        aging()
        samples = []
        for _ in range(args.runs):
            begun = time.perf_counter()
            aging()
            samples.append(time.perf_counter() - begun)
    report["aging"] = {
        "aging_by_customer": {**orders_bench.latencies(samples), "rows": rows_seen[-1]},
        "SQL floor": orders_bench.latencies(aging_floor(database_url, ws["schema"], args.runs)),
    }

    # The credit check inside confirmation: with and without, interleaved.
    ids = approved_orders(ws, args.orders * 2)
    registered = seam.current()
    assert registered is not None
    timings: dict[str, list[float]] = {"with check": [], "without": []}
    with schema_context(ws["schema"]):
        owner = User.objects.get(pk=ws["owner_id"])
        for index, order_id in enumerate(ids):
            mode = "with check" if index % 2 == 0 else "without"
            seam.register(registered if mode == "with check" else None)
            order = Order.objects.get(pk=order_id)
            begun = time.perf_counter()
            with transaction.atomic():
                orders.order_confirm(actor=owner, order=order)
            timings[mode].append(time.perf_counter() - begun)
        seam.register(registered)
    credit = {mode: orders_bench.latencies(samples[5:]) for mode, samples in timings.items()}
    credit["added"] = {
        key: round(credit["with check"][key] - credit["without"][key], 2)
        for key in ("p50_ms", "p95_ms")
    }
    report["credit"] = credit
    report["environment"]["load_average_end"] = orders_bench.load_average()
    return report


def record_summary(report: dict) -> None:
    recorder = provisioning_bench.summary_recorder("settlement")
    env, aging = report["environment"], report["aging"]
    recorder.record(
        f"aging of {env['customers']:,} customers ({env['entries']:,} entries), p95",
        aging["aging_by_customer"]["p95_ms"],
        "ms",
        better="lower",
        target=TARGET_AGING_P95_MS,
        baseline=aging["SQL floor"]["p95_ms"],
        note="baseline = the same GROUP BY as plain SQL, same run",
    )
    recorder.record(
        "credit check added to an order confirmation, p95",
        report["credit"]["added"]["p95_ms"],
        "ms",
        better="lower",
        target=TARGET_CHECK_P95_MS,
        baseline=report["credit"]["without"]["p95_ms"],
        note="baseline = confirmation without the check, same run, interleaved",
    )


def print_table(report: dict) -> None:
    env = report["environment"]
    print(
        f"\nSettlement: {env['customers']:,} customers, {env['entries']:,} ledger entries; "
        f"load average {env['load_average_start']} → {env.get('load_average_end')}"
    )
    print(f"{'aging':26}{'p50':>8}{'p95':>8}  (ms; target p95 ≤ {TARGET_AGING_P95_MS:.0f})")
    for label, r in report["aging"].items():
        print(f"{label:26}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}")
    print(f"\n{'order confirmation':26}{'p50':>8}{'p95':>8}  (ms; check target ≤ 5 ms p95)")
    for label, r in report["credit"].items():
        print(f"{label:26}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--orders", type=int, default=200, help="confirmations per mode")
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
