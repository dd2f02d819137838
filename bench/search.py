"""How fast is global search over 100,000 records? Benchmark, not a test.

Against a throwaway database (as provisioning.py), in one workspace holding 100,000
searchable records with Chinese names — 40,000 customers, 20,000 contacts, 20,000
orders, 10,000 quotes, 5,000 opportunities and 5,000 products, bulk inserted, their
search documents written by `tradepost.search.documents.rebuild` — it times, one at a
time, a mix of searches (Chinese, full pinyin, initials, a code, two words, a word
that matches nothing):

  api        `GET /api/v1/search/?q=…` through the whole Django stack in-process
             (middleware, API key, permissions, serializer), as the workspace owner
             (all six groups, every record in scope);
  scoped     the search selector as a salesperson (the customer scope joined in);
  no index   the search selector with the pg_trgm indexes dropped (the embedded
             PostgreSQL, which ships no pg_trgm: same answers, LIKE over every
             document), inside a transaction rolled back afterwards;
  baseline   plain ILIKE over the records' own names and codes, no index, no pinyin
             (what a search without this work would run), through the same scope
             selectors, in the same run.

It prints p50/p95/p99 in ms per mode and records the headline figures (target 100 ms
p95) in var/bench/search.jsonl for bench/summary.py.

    .venv/bin/python bench/search.py [--runs 20] [--records 100000] [--json]
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

TARGET_P95_MS = 100.0
# Shares of the records per kind (they add up to 1).
SHARES = {
    "customer": 0.40,
    "contact": 0.20,
    "order": 0.20,
    "quote": 0.10,
    "opportunity": 0.05,
    "product": 0.05,
}
CITIES = [
    "杭州",
    "上海",
    "北京",
    "深圳",
    "广州",
    "苏州",
    "宁波",
    "温州",
    "成都",
    "重庆",
    "武汉",
    "南京",
    "天津",
    "西安",
    "厦门",
    "青岛",
]
WORDS = [
    "明达",
    "华盛",
    "恒通",
    "宏远",
    "鑫源",
    "金桥",
    "东方",
    "长城",
    "天成",
    "瑞丰",
    "永安",
    "新华",
    "博远",
    "盛世",
    "嘉禾",
    "联创",
]
TRADES = ["贸易", "科技", "商贸", "实业", "电器", "五金", "酒店", "百货", "建材", "食品"]
SURNAMES = [
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
]
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
]
PRODUCTS = ["电水壶", "烤面包机", "台灯", "电饭煲", "微波炉", "吸尘器", "空调", "冰箱"]
# (query, what it exercises)
QUERIES = [
    ("hzmd", "initials"),
    ("mingda", "full pinyin"),
    ("杭州明达", "Chinese"),
    ("明达", "two Chinese characters"),
    ("C012345", "a customer code"),
    ("shanghai huasheng", "two words"),
    ("SO-0001234", "an order number"),
    ("dianshuihu", "a product in pinyin"),
    ("zzqqxx", "nothing"),
]


def company(index: int) -> str:
    return (
        CITIES[index % len(CITIES)]
        + WORDS[(index // len(CITIES)) % len(WORDS)]
        + TRADES[(index // 7) % len(TRADES)]
        + f" {index:06d}"
    )


def populate(records: int) -> dict:
    """One workspace with `records` searchable records; returns its domain, an API
    key of the owner and the owner and a salesperson as actors."""
    import datetime
    from decimal import Decimal

    from django.contrib.auth.models import Group
    from django_tenants.utils import schema_context

    from api.keys import api_key_create
    from billing.models import Subscription
    from tenants.models import Domain
    from tenants.services import tenant_signup
    from tradepost.accounts.models import User
    from tradepost.customers.models import Contact, Customer
    from tradepost.masterdata.models import Product
    from tradepost.pipeline.models import Opportunity
    from tradepost.sales.models import Order, Quote
    from tradepost.search import documents

    counts = {kind: int(records * share) for kind, share in SHARES.items()}
    email = "owner@bench-search.test"
    tenant = tenant_signup(
        company_name="bench-search",
        slug="bench-search",
        owner_email=email,
        password=provisioning_bench.PASSWORD,
    ).tenant
    Subscription.objects.filter(tenant=tenant).delete()
    domain = Domain.objects.get(tenant=tenant, is_primary=True).domain
    today = datetime.date(2026, 12, 1)
    batch = 5000
    with schema_context(tenant.schema_name):
        owner = User.objects.get(email=email)
        reps = []
        for index in range(5):
            rep = User.objects.create_user(
                email=f"rep{index}@bench-search.test", password=provisioning_bench.PASSWORD
            )
            rep.groups.set([Group.objects.get(name="salesperson")])
            reps.append(rep)
        log(f"{sum(counts.values()):,} records: {counts}")
        started = time.perf_counter()
        for start in range(0, counts["customer"], batch):
            Customer.objects.bulk_create(
                Customer(code=f"C{i:06d}", name=company(i), owner=reps[i % len(reps)])
                for i in range(start, min(start + batch, counts["customer"]))
            )
        customer_ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))

        def customer_of(i: int) -> int:
            return customer_ids[(i * 7919) % len(customer_ids)]

        def person(i: int) -> str:
            return SURNAMES[i % 16] + GIVEN[(i // 16) % 16] + GIVEN[(i // 256) % 16]

        makers = {
            "contact": lambda i: Contact(
                customer_id=customer_of(i), code=f"P{i:06d}", name=person(i)
            ),
            "order": lambda i: Order(
                customer_id=customer_of(i), number=f"SO-{i:07d}", order_date=today
            ),
            "quote": lambda i: Quote(
                customer_id=customer_of(i),
                number=f"QT-{i:07d}",
                issued_on=today,
                valid_until=today + datetime.timedelta(days=30),
            ),
            "opportunity": lambda i: Opportunity(
                customer_id=customer_of(i), name=f"{PRODUCTS[i % 8]}项目 {i}", amount=Decimal(1)
            ),
            "product": lambda i: Product(
                sku=f"SKU-{i:06d}", name=f"{PRODUCTS[i % 8]} {i:05d}", list_price=Decimal(1)
            ),
        }
        models = {
            "contact": Contact,
            "order": Order,
            "quote": Quote,
            "opportunity": Opportunity,
            "product": Product,
        }
        for kind, make in makers.items():
            for start in range(0, counts[kind], batch):
                models[kind].objects.bulk_create(
                    make(i) for i in range(start, min(start + batch, counts[kind]))
                )
        log(f"records inserted in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        written = documents.rebuild()
        log(f"{written:,} search documents written in {time.perf_counter() - started:.1f} s")
        key = api_key_create(actor=owner, name="bench", role="system_administrator").secret
    import psycopg
    from django.conf import settings

    with psycopg.connect(settings.DATABASES["default"]["_bench_url"], autocommit=True) as conn:
        conn.execute(f'SET search_path = "{tenant.schema_name}"')
        conn.execute("VACUUM ANALYZE")
    return {
        "schema": tenant.schema_name,
        "domain": domain,
        "key": key,
        "owner_id": owner.pk,
        "rep_id": reps[0].pk,
        "counts": counts,
    }


def plain_ilike(actor, q: str, limit: int = 5) -> int:
    """The baseline: ILIKE over each record's own name / code / number, no index and
    no pinyin, through the same scope selectors; returns the rows found."""
    from django.db.models import Q

    from tradepost.search import selectors

    fields = {
        "customer": ("name", "code"),
        "contact": ("name", "code"),
        "order": ("number", "customer__name"),
        "quote": ("number", "customer__name"),
        "opportunity": ("name", "customer__name"),
        "product": ("name", "sku"),
    }
    found = 0
    for spec in selectors.GROUPS:
        if not actor.has_perm(spec.permission):
            continue
        match = Q()
        for name in fields[spec.kind]:
            match |= Q(**{f"{name}__icontains": q})
        rows = list(
            spec.visible(actor)
            .filter(match)
            .select_related(*spec.related)
            .order_by("-pk")[: limit + 1]
        )
        found += len(rows)
    return found


def timed(call, runs: int) -> list[float]:
    call()  # warm: plans, caches
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def run(args, database_url: str) -> dict:
    import warnings
    from urllib.parse import quote

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django_tenants.utils import schema_context

    from tenants import provisioning
    from tradepost.accounts.models import User
    from tradepost.search import selectors

    warnings.filterwarnings("ignore", message="No directory at")
    settings.DATABASES["default"]["_bench_url"] = database_url
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.ensure_public_tenant()
    provisioning.ensure_template()
    ws = populate(args.records)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        has_trgm = cursor.fetchone() is not None
    client = Client(HTTP_HOST=ws["domain"], HTTP_AUTHORIZATION=f"Bearer {ws['key']}")
    modes: dict[str, list[float]] = {m: [] for m in ("api", "scoped", "no_index", "baseline")}
    per_query: dict[str, dict] = {}
    for q, what in QUERIES:
        connection.set_schema_to_public()

        def api(q=q):
            response = client.get(f"/api/v1/search/?q={quote(q)}")
            assert response.status_code == 200, response.content[:300]
            return response

        samples = {"api": timed(api, args.runs)}
        groups = api().json()["groups"]
        hits = sum(len(g["results"]) for g in groups)
        with schema_context(ws["schema"]):
            owner = User.objects.get(pk=ws["owner_id"])
            rep = User.objects.get(pk=ws["rep_id"])
            words = selectors.parse_query(q)
            samples["scoped"] = timed(lambda rep=rep, w=words: selectors.search(rep, w), args.runs)
            samples["baseline"] = timed(lambda o=owner, q=q: plain_ilike(o, q), args.runs)
            with transaction.atomic():
                if has_trgm:
                    with connection.cursor() as cursor:
                        for kind in SHARES:
                            cursor.execute(f"DROP INDEX search_document_trgm_{kind}")
                samples["no_index"] = timed(
                    lambda o=owner, w=words: selectors.search(o, w), args.runs
                )
                transaction.set_rollback(True)
        for mode, values in samples.items():
            modes[mode].extend(values)
        per_query[q] = {
            "what": what,
            "hits": hits,
            **{mode: orders_bench.latencies(values)["p95_ms"] for mode, values in samples.items()},
        }
        log(f"{q!r} ({what}): {hits} hits, api p95 {per_query[q]['api']} ms")
    return {
        "environment": {
            "records": sum(ws["counts"].values()),
            "counts": ws["counts"],
            "runs_per_query": args.runs,
            "queries": len(QUERIES),
            "pg_trgm": has_trgm,
            "load_average_start": args.load_average_start,
            "load_average_end": orders_bench.load_average(),
        },
        "modes": {mode: orders_bench.latencies(values) for mode, values in modes.items()},
        "per_query": per_query,
    }


def record_summary(report: dict) -> None:
    recorder = provisioning_bench.summary_recorder("search")
    env, modes = report["environment"], report["modes"]
    baseline = modes["baseline"]["p95_ms"]
    note = (
        f"{env['queries']} queries x {env['runs_per_query']} runs, in-process; pg_trgm "
        f"{'on' if env['pg_trgm'] else 'missing'}; baseline = plain ILIKE on names and "
        "codes, no index, no pinyin, same run"
    )
    recorder.record(
        f"GET /api/v1/search/ over {env['records']:,} records p95",
        modes["api"]["p95_ms"],
        "ms",
        better="lower",
        target=TARGET_P95_MS,
        baseline=baseline,
        note=note,
    )
    recorder.record(
        "search as a salesperson (scoped) p95",
        modes["scoped"]["p95_ms"],
        "ms",
        better="lower",
        target=TARGET_P95_MS,
        baseline=baseline,
        note="selector only",
    )
    recorder.record(
        "search without the trigram index p95",
        modes["no_index"]["p95_ms"],
        "ms",
        better="lower",
        baseline=baseline,
        note="as on the embedded PostgreSQL (no pg_trgm): same answers",
    )


def print_table(report: dict) -> None:
    env = report["environment"]
    print(
        f"\nGlobal search over {env['records']:,} records ({env['counts']}); pg_trgm "
        f"{'on' if env['pg_trgm'] else 'missing'}; load average "
        f"{env['load_average_start']} → {env['load_average_end']}"
    )
    print(f"{'mode':12}{'p50':>8}{'p95':>8}{'p99':>8}  (ms, every query)")
    for mode, r in report["modes"].items():
        print(f"{mode:12}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}{r['p99_ms']:>8.1f}")
    print(f"\n{'query':22}{'hits':>6}{'api':>8}{'scoped':>8}{'no idx':>8}{'ILIKE':>8}  (p95 ms)")
    for q, r in report["per_query"].items():
        print(
            f"{q:22}{r['hits']:>6}{r['api']:>8.1f}{r['scoped']:>8.1f}"
            f"{r['no_index']:>8.1f}{r['baseline']:>8.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per query (20)")
    parser.add_argument("--records", type=int, default=100_000)
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
