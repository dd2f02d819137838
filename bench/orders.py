"""How fast are orders created and listed through the API? Benchmark, not a test.

Against a throwaway database this script creates and drops itself (as provisioning.py
does), in a fresh workspace `bench-orders` with 50 products, 20 customers and an API
key, it starts a real server (gunicorn, 2 sync workers, DEBUG=0) and measures:

  create     `POST /api/v1/orders/` with 5 lines of random products and quantities and
             a unique `Idempotency-Key`, from C client threads (default 4) at once:
             orders/s and p50/p95/p99/max latency;
  baseline   the same rows (an order row and its 5 line rows, every column the
             service writes; not the audit entry and idempotency record the API adds)
             inserted with plain SQL through psycopg, one transaction per order,
             sequentially and from C threads, in the same run: the API's rate as a
             fraction of it;
  list       with the order table brought to 100,000 orders (COPY, 5 lines each),
             `GET /api/v1/orders/?page_size=50` (newest first), page 2 and
             `?status=draft`: p50/p99 from one sequential client; and the queries one
             list request runs for page sizes 10, 50 and 200 (they must not grow).

With each server figure goes the CPU time the gunicorn processes used per request
(from /proc): the load of other processes does not inflate it the way it inflates
latencies, and the number of CPUs divided by it is the most orders per second the
server's own work allows. One create and one list request are also run in-process
(Django's test client, no HTTP, one at a time) to count their queries.

The workspace's billing Subscription row is deleted after sign-up: a workspace without
a subscription has no plan limits (orders per month, API calls per day), so the run is
not cut short by the trial plan. The server's burst throttles are set very high
(API_RATE_PER_CALLER / API_RATE_PER_WORKSPACE) for the same reason; they still run.

    .venv/bin/python bench/orders.py [--orders 1000] [--clients 4] [--json]

See bench/README.md for the house rules (a quiet machine; figures, not pass/fail).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import importlib.util
import itertools
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
_spec = importlib.util.spec_from_file_location("bench_provisioning", BENCH_DIR / "provisioning.py")
assert _spec is not None and _spec.loader is not None
provisioning_bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = provisioning_bench
_spec.loader.exec_module(provisioning_bench)  # also puts platform/ on sys.path

log = provisioning_bench.log
SLUG = "bench-orders"
OWNER_EMAIL = "owner@bench-orders.test"
PRODUCTS = 50
CUSTOMERS = 20
LINES_PER_ORDER = 5
TAX_RATE = Decimal("13")
CENT = Decimal("0.01")
# Bursts the server allows: far above what two workers can do, per second so that DRF's
# throttle history (one timestamp per request, kept for the whole period) stays short.
HIGH_RATE = "1000000/s"
# In-process diagnostics (Django's test client, no HTTP, one request at a time).
DIAGNOSTIC_RUNS = 20
LIST_WARMUP = 5
LIST_PAGE_SIZES = (10, 50, 200)
# Statuses of the orders copied in for the list, with their weights.
STATUS_MIX = {
    "draft": 20,
    "submitted": 10,
    "approved": 5,
    "rejected": 5,
    "confirmed": 15,
    "shipped": 5,
    "delivered": 5,
    "closed": 30,
    "cancelled": 5,
}
NUMBERED = {"confirmed", "shipped", "delivered", "closed"}

TARGET_ORDERS_PER_S = 150.0
TARGET_CREATE_P99_MS = 60.0
TARGET_LIST_P99_MS = 20.0  # issue 12 (was 30 in the sales issue)
TARGET_CREATE_QUERIES = 12  # issue 12: queries per create, as the server runs it


def latencies(samples: list[float]) -> dict[str, float | int]:
    """Milliseconds: p50, p95, p99 (linear interpolation between ranks), max."""
    ms = sorted(s * 1000 for s in samples)
    q = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    return {
        "count": len(ms),
        "p50_ms": round(q[49], 2),
        "p95_ms": round(q[94], 2),
        "p99_ms": round(q[98], 2),
        "max_ms": round(ms[-1], 2),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _stat(pid: int | str) -> list[str]:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()  # [state, ppid, ...]


def server_cpu_s(master: int) -> float | None:
    """CPU seconds (user + system) used so far by a process and its children (the
    gunicorn master and its workers), from /proc; None where there is no /proc."""
    if not os.path.exists(f"/proc/{master}/stat"):
        return None
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = _stat(entry)
        except OSError:
            continue  # gone meanwhile
        if int(entry) == master or int(fields[1]) == master:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def cpu_used(master: int, into: dict, per: int) -> Iterator[None]:
    """Milliseconds of CPU per request (`per` requests) of the server's processes and
    of this process (the clients), into `into`."""
    server_before, client_before = server_cpu_s(master), time.process_time()
    yield
    server_after, client_after = server_cpu_s(master), time.process_time()
    if server_before is not None and server_after is not None:
        into["server_cpu_ms"] = round((server_after - server_before) * 1000 / per, 2)
    into["client_cpu_ms"] = round((client_after - client_before) * 1000 / per, 2)


# --- The server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int) -> Iterator[tuple[int, int]]:
    """gunicorn on 127.0.0.1:<free port> until /healthz answers: (port, master pid).
    Stopped afterwards, also on error."""
    port = free_port()
    log_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in finally)
        prefix="bench-orders-gunicorn-", suffix=".log", delete=False
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "tradepost.wsgi:application",
        "--pythonpath",
        "platform,.",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(  # noqa: S603 (our own command line)
        command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
    )
    log(f"gunicorn pid {process.pid}, {workers} workers, port {port} (log {log_file.name})")
    failed = True
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {process.returncode}; see {log_file.name}"
                )
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                response = conn.getresponse()
                body = response.read()
                conn.close()
                if response.status == 200:
                    break
                raise RuntimeError(f"/healthz answered {response.status}: {body[:200]!r}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer /healthz in 60 s; see {log_file.name}")
            time.sleep(0.2)
        yield port, process.pid
        failed = False
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()
        if failed:
            log(f"gunicorn stopped ({process.returncode}); its log: {log_file.name}")
        else:
            os.unlink(log_file.name)
            log(f"gunicorn stopped ({process.returncode})")


# --- HTTP clients --------------------------------------------------------------------------


def exchange(
    conn: http.client.HTTPConnection, method: str, path: str, headers: dict, body=None
) -> tuple[int, bytes, float]:
    """One request on `conn` (reconnected when the server closed it): status, body, s."""
    started = time.perf_counter()
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        return 0, repr(exc).encode(), time.perf_counter() - started
    return response.status, data, time.perf_counter() - started


def post_orders(
    port: int, headers: dict, bodies: list[bytes], clients: int
) -> tuple[float, list[float], list[tuple[int, bytes]]]:
    """POST every body from `clients` threads, each on its own connection: wall time,
    latency of each request, failures (status, body)."""
    counter = itertools.count()
    lock = threading.Lock()
    elapsed = [0.0] * len(bodies)
    failures: list[tuple[int, bytes]] = []
    start = threading.Barrier(clients + 1)

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        start.wait()
        while True:
            with lock:
                index = next(counter)
            if index >= len(bodies):
                break
            status, data, took = exchange(
                conn,
                "POST",
                "/api/v1/orders/",
                {**headers, "Idempotency-Key": f"bench-{uuid.uuid4().hex}"},
                bodies[index],
            )
            elapsed[index] = took
            if status != 201:
                with lock:
                    failures.append((status, data[:500]))
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, elapsed, failures


def get_repeatedly(port: int, headers: dict, path: str, runs: int, warmup: int) -> list[float]:
    """GET `path` warmup + runs times, one after another: the timed latencies."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    samples = []
    for index in range(warmup + runs):
        status, data, took = exchange(conn, "GET", path, headers)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {data[:300]!r}")
        if index >= warmup:
            samples.append(took)
    conn.close()
    page = json.loads(data)
    if len(page["results"]) != 50:
        raise RuntimeError(f"GET {path}: {len(page['results'])} orders, not 50")
    return samples


# --- Rows for the SQL baseline and the COPY --------------------------------------------------


class RowMaker:
    """Order and line rows with every column the service writes, taken from an order
    the API created (so defaults match) with customer, products, quantities, prices and
    amounts of our own: price = list price, tax at the default rate, no discount."""

    def __init__(self, cursor, schema: str, template_order_id: int, customers, products):
        from tradepost.sales.models import Order, OrderLine

        self.order_columns = [f.column for f in Order._meta.concrete_fields if not f.primary_key]
        self.line_columns = [f.column for f in OrderLine._meta.concrete_fields if not f.primary_key]
        self.schema = schema
        self.order_template = self._row(
            cursor, "sales_order", self.order_columns, "id", [template_order_id]
        )
        self.line_template = self._row(
            cursor, "sales_orderline", self.line_columns, "order_id", [template_order_id]
        )
        self.customers = customers  # [(id, owner_id)]
        self.products = products  # [(id, name, list_price)]

    def _row(self, cursor, table: str, columns: list[str], key: str, params) -> dict:
        names = ", ".join(columns)
        cursor.execute(
            f'SELECT {names} FROM "{self.schema}".{table} WHERE {key} = %s LIMIT 1', params
        )
        return dict(zip(columns, cursor.fetchone(), strict=True))

    def order(self, rng: random.Random, when: datetime.datetime, status: str = "draft"):
        """(order row, [its 5 line rows]) as column → value; the lines' order_id is the
        template's, for the caller to replace."""
        customer_id, owner_id = rng.choice(self.customers)
        lines = []
        net_total = tax_total = Decimal("0.00")
        for position, (product_id, name, price) in enumerate(
            rng.sample(self.products, LINES_PER_ORDER), start=1
        ):
            quantity = Decimal(rng.randint(1, 20)).quantize(Decimal("0.001"))
            net = (quantity * price).quantize(CENT)
            tax = (net * TAX_RATE / 100).quantize(CENT)
            net_total += net
            tax_total += tax
            line = {
                **self.line_template,
                "position": position,
                "product_id": product_id,
                "description": name,
                "quantity": quantity,
                "unit_price": price,
                "tax_rate": TAX_RATE,
                "net_amount": net,
                "tax_amount": tax,
                "gross_amount": net + tax,
            }
            lines.append(line)
        order = {
            **self.order_template,
            "customer_id": customer_id,
            "owner_id": owner_id,
            "status": status,
            "order_date": when.date(),
            "subtotal": net_total,
            "discount_total": Decimal("0.00"),
            "net_total": net_total,
            "tax_total": tax_total,
            "gross_total": net_total + tax_total,
            "created_at": when,
            "updated_at": when,
        }
        return order, lines


def sql_insert(
    database_url: str, maker: RowMaker, orders: list, clients: int
) -> tuple[float, list[float]]:
    """Each order: INSERT the order (RETURNING id), one INSERT of its 5 lines, COMMIT.
    From `clients` threads on their own connections: wall time, each order's time."""
    import psycopg

    table = f'"{maker.schema}"'
    order_sql = (
        f"INSERT INTO {table}.sales_order ({', '.join(maker.order_columns)}) "
        f"VALUES ({', '.join(['%s'] * len(maker.order_columns))}) RETURNING id"
    )
    line_columns = ["order_id", *[c for c in maker.line_columns if c != "order_id"]]
    one_line = f"({', '.join(['%s'] * len(line_columns))})"
    lines_sql = (
        f"INSERT INTO {table}.sales_orderline ({', '.join(line_columns)}) "
        f"VALUES {', '.join([one_line] * LINES_PER_ORDER)}"
    )
    elapsed = [0.0] * len(orders)
    start = threading.Barrier(clients + 1)

    def client(indexes: range) -> None:
        with psycopg.connect(database_url) as conn:
            start.wait()
            for index in indexes:
                order, lines = orders[index]
                started = time.perf_counter()
                with conn.transaction(), conn.cursor() as cursor:
                    cursor.execute(order_sql, [order[c] for c in maker.order_columns])
                    order_id = cursor.fetchone()[0]
                    params = []
                    for line in lines:
                        params += [order_id, *[line[c] for c in line_columns[1:]]]
                    cursor.execute(lines_sql, params)
                elapsed[index] = time.perf_counter() - started

    threads = [
        threading.Thread(target=client, args=(range(i, len(orders), clients),))
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, elapsed


def copy_orders(database_url: str, maker: RowMaker, count: int, rng: random.Random) -> None:
    """COPY `count` older orders (spread over the last year, mixed statuses) and their
    lines into the tables, in one transaction."""
    import psycopg

    schema = maker.schema
    statuses = rng.choices(list(STATUS_MIX), weights=list(STATUS_MIX.values()), k=count)
    newest = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    step = datetime.timedelta(days=365) / count
    line_columns = ["order_id", *[c for c in maker.line_columns if c != "order_id"]]
    with psycopg.connect(database_url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [f'"{schema}".sales_order', count],
        )
        ids = [row[0] for row in cursor.fetchall()]
        lines_of: list[tuple[int, list[dict]]] = []
        order_copy = (
            f'COPY "{schema}".sales_order (id, {", ".join(maker.order_columns)}) FROM STDIN'
        )
        with cursor.copy(order_copy) as out:
            for index, order_id in enumerate(ids):
                status = statuses[index]
                order, lines = maker.order(rng, newest - step * index, status)
                order["number"] = f"SO-B{order_id:08d}" if status in NUMBERED else ""
                out.write_row([order_id, *[order[c] for c in maker.order_columns]])
                lines_of.append((order_id, lines))
        line_copy = f'COPY "{schema}".sales_orderline ({", ".join(line_columns)}) FROM STDIN'
        with cursor.copy(line_copy) as out:
            for order_id, lines in lines_of:
                for line in lines:
                    out.write_row([order_id, *[line[c] for c in line_columns[1:]]])
    with psycopg.connect(database_url, autocommit=True) as conn:
        for table in ("sales_order", "sales_orderline"):
            conn.execute(f'VACUUM ANALYZE "{schema}".{table}')


# --- The run -------------------------------------------------------------------------------


@dataclass
class Workspace:
    schema: str
    domain: str
    key: str  # the API key, whole
    products: list
    customers: list
    subscriptions_deleted: int


def workspace_setup(rng: random.Random) -> Workspace:
    """Public tenant, template, the `bench-orders` workspace without subscription, and
    in it the default tax rate, the products, the customers and an API key."""
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import schema_context

    from api.keys import api_key_create
    from billing.models import Subscription
    from tenants import provisioning
    from tenants.models import Domain
    from tenants.services import tenant_signup
    from tradepost.accounts.models import User
    from tradepost.customers.services import customer_create
    from tradepost.masterdata import services as masterdata

    log("migrate_schemas --shared; public tenant and template")
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.ensure_public_tenant()
    provisioning.ensure_template()
    signup = tenant_signup(
        company_name="Bench Orders",
        slug=SLUG,
        owner_email=OWNER_EMAIL,
        password=provisioning_bench.PASSWORD,
    )
    tenant = signup.tenant
    # No subscription, no plan limits (billing.access): the trial plan would stop the run.
    deleted, _ = Subscription.objects.filter(tenant=tenant).delete()
    with schema_context(tenant.schema_name):
        owner = User.objects.get(email=OWNER_EMAIL)
        masterdata.tax_rate_create(actor=owner, name="VAT 13%", rate=TAX_RATE, is_default=True)
        products = [
            masterdata.product_create(
                actor=owner,
                sku=f"BENCH-{index:03d}",
                name=f"Stainless kettle model {index} 不锈钢电水壶{index}号",
                list_price=Decimal(rng.randint(500, 99_999)) / 100,
            )
            for index in range(PRODUCTS)
        ]
        customers = [
            customer_create(actor=owner, name=f"Bench customer {index}", code=f"BC{index:03d}")
            for index in range(CUSTOMERS)
        ]
        key = api_key_create(actor=owner, name="bench", role="system_administrator").secret
    connection.set_schema_to_public()
    return Workspace(
        schema=tenant.schema_name,
        domain=Domain.objects.get(tenant=tenant, is_primary=True).domain,
        key=key,
        products=products,
        customers=customers,
        subscriptions_deleted=deleted,
    )


def order_body(rng: random.Random, workspace: Workspace) -> bytes:
    """A POST body: a random customer, 5 distinct random products, quantities 1-20."""
    lines = [
        {"product": product.pk, "quantity": str(rng.randint(1, 20))}
        for product in rng.sample(workspace.products, LINES_PER_ORDER)
    ]
    return json.dumps({"customer": rng.choice(workspace.customers).pk, "lines": lines}).encode()


def explain_lists(client, connection) -> dict[str, list[str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT of the three list requests on the full
    table, as the server sends them (captured in-process), printed to stderr."""
    from django.test.utils import CaptureQueriesContext

    plans: dict[str, list[str]] = {}
    for path in (
        "/api/v1/orders/?page_size=50",
        "/api/v1/orders/?page=2&page_size=50",
        "/api/v1/orders/?status=draft&page_size=50",
    ):
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.startswith("SELECT") or "sales_order" not in sql:
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = [row[0] for row in cursor.fetchall()]
            plans[f"{path} :: {sql[:120]}"] = plan
            log(f"EXPLAIN {path}\n  {sql}\n    " + "\n    ".join(plan))
    return plans


def run(args: argparse.Namespace, database_url: str) -> dict:
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django_tenants.utils import schema_context

    from tradepost.sales.models import Order

    # WhiteNoise warns, in-process, that there is no collected static folder: no matter.
    warnings.filterwarnings("ignore", message="No directory at")
    started = time.perf_counter()
    rng = random.Random(args.seed)
    workspace = workspace_setup(rng)
    schema, domain, key = workspace.schema, workspace.domain, workspace.key
    products, customers = workspace.products, workspace.customers
    setup_s = time.perf_counter() - started
    log(
        f"workspace {domain} ready in {setup_s:.1f} s "
        f"(subscription rows deleted: {workspace.subscriptions_deleted})"
    )

    auth = {"Authorization": f"Bearer {key}"}
    headers = {**auth, "Host": domain, "Content-Type": "application/json"}
    server_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "STATIC_MANIFEST": "0",  # no collectstatic needed; the API serves no static files
        "LOG_LEVEL": "WARNING",
    }
    server_env.pop("TRADEPOST_DEV", None)  # a production start: DEBUG off, a real key
    if args.redis_url:  # the production shape: the cache (routing, keys, throttles) in Redis
        server_env["REDIS_URL"] = args.redis_url
        server_env["CACHE_KEY_PREFIX"] = f"bench-orders-{os.getpid()}"
    if args.conn_max_age is not None:
        server_env["DB_CONN_MAX_AGE"] = str(args.conn_max_age)
    results: dict[str, dict] = {}

    # In-process, one request at a time (no HTTP, no concurrency): queries and time.
    client = Client(HTTP_HOST=domain, HTTP_AUTHORIZATION=f"Bearer {key}")

    def in_process(method: str, path: str, body: bytes | None = None, expect: int = 200):
        extra = {}
        if body is not None:
            extra = {"data": body, "content_type": "application/json"}
            extra["HTTP_IDEMPOTENCY_KEY"] = f"bench-{uuid.uuid4().hex}"
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(path, **extra)
        took = time.perf_counter() - started
        assert response.status_code == expect, (path, response.status_code, response.content)
        return took, len(queries)

    for _ in range(2):  # warm-up
        in_process("post", "/api/v1/orders/", order_body(rng, workspace), 201)
    create_runs = [
        in_process("post", "/api/v1/orders/", order_body(rng, workspace), 201)
        for _ in range(DIAGNOSTIC_RUNS)
    ]
    results["create_in_process"] = {
        "median_ms": round(statistics.median(t for t, _ in create_runs) * 1000, 2),
        "queries": create_runs[-1][1],
    }
    if args.redis_url:
        # The same with the server's shared cache (routing, key, permissions, webhook
        # subscribers, default location, tax rate, promotions): what a server runs.
        redis_cache = {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": args.redis_url,
            "KEY_PREFIX": f"bench-orders-inproc-{os.getpid()}",
            "KEY_FUNCTION": "django_tenants.cache.make_key",
            "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        }
        with override_settings(REDIS_URL=args.redis_url, CACHES={"default": redis_cache}):
            for _ in range(2):  # fills the caches
                in_process("post", "/api/v1/orders/", order_body(rng, workspace), 201)
            cached_runs = [
                in_process("post", "/api/v1/orders/", order_body(rng, workspace), 201)
                for _ in range(DIAGNOSTIC_RUNS)
            ]
            cache.clear()
        results["create_in_process_cached"] = {
            "median_ms": round(statistics.median(t for t, _ in cached_runs) * 1000, 2),
            "queries": cached_runs[-1][1],
        }
    with schema_context(schema):
        template_order_id = Order.objects.order_by("-pk").values_list("pk", flat=True).first()
    connection.set_schema_to_public()

    with gunicorn(server_env, args.workers) as (port, server_pid):
        # Create: warm-up (untimed), then the measured orders.
        log(f"create: {args.warmup} warm-up orders, then {args.orders} from {args.clients} clients")
        _, _, failures = post_orders(
            port, headers, [order_body(rng, workspace) for _ in range(args.warmup)], args.clients
        )
        if failures:
            raise RuntimeError(f"{len(failures)} warm-up orders failed, first: {failures[0]}")
        load_before = load_average()
        bodies = [order_body(rng, workspace) for _ in range(args.orders)]
        cpu: dict[str, float] = {}
        with cpu_used(server_pid, cpu, args.orders):
            wall, elapsed, failures = post_orders(port, headers, bodies, args.clients)
        if failures:
            raise RuntimeError(f"{len(failures)} of {args.orders} orders failed: {failures[0]}")
        results["create"] = {
            **latencies(elapsed),
            "wall_s": round(wall, 3),
            "orders_per_s": round(args.orders / wall, 1),
            "failures": len(failures),
            "load_average_before": load_before,
            **cpu,
        }
        log(
            f"create: {results['create']['orders_per_s']} orders/s, "
            f"p99 {results['create']['p99_ms']} ms"
        )

        # Baseline: the same number of orders and lines, plain SQL.
        import psycopg

        with psycopg.connect(database_url) as conn, conn.cursor() as cursor:
            customer_rows = [(c.pk, c.owner_id) for c in customers]
            product_rows = [(p.pk, p.name, p.list_price) for p in products]
            maker = RowMaker(cursor, schema, template_order_id, customer_rows, product_rows)
        for key_name, clients in (("sql_sequential", 1), ("sql_threads", args.clients)):
            now = datetime.datetime.now(datetime.UTC)
            rows = [maker.order(rng, now) for _ in range(args.warmup)]
            sql_insert(database_url, maker, rows, clients)  # warm-up
            rows = [maker.order(rng, now) for _ in range(args.orders)]
            wall, elapsed = sql_insert(database_url, maker, rows, clients)
            results[key_name] = {
                **latencies(elapsed),
                "clients": clients,
                "wall_s": round(wall, 3),
                "orders_per_s": round(args.orders / wall, 1),
            }
            log(f"{key_name}: {results[key_name]['orders_per_s']} orders/s")

        # List: the table brought to --list-orders orders.
        with schema_context(schema):
            existing = Order.objects.count()
        connection.set_schema_to_public()
        to_copy = max(args.list_orders - existing, 0)
        log(f"list: copying {to_copy} orders ({existing} there), {LINES_PER_ORDER} lines each")
        copy_started = time.perf_counter()
        copy_orders(database_url, maker, to_copy, rng)
        copy_s = time.perf_counter() - copy_started
        with schema_context(schema):
            in_table = Order.objects.count()
            drafts = Order.objects.filter(status="draft").count()
        connection.set_schema_to_public()
        log(f"list: {in_table} orders ({drafts} drafts) after {copy_s:.1f} s of COPY")
        for key_name, path in (
            ("list_page1", "/api/v1/orders/?page_size=50"),
            ("list_page2", "/api/v1/orders/?page=2&page_size=50"),
            ("list_draft", "/api/v1/orders/?status=draft&page_size=50"),
        ):
            cpu = {}
            with cpu_used(server_pid, cpu, args.list_runs + LIST_WARMUP):
                samples = get_repeatedly(port, headers, path, args.list_runs, LIST_WARMUP)
            results[key_name] = {**latencies(samples), "path": path, **cpu}
            log(f"{key_name}: p50 {results[key_name]['p50_ms']} ms")

    # Queries per list page, in-process (the same code the server runs).
    list_queries = {}
    for size in LIST_PAGE_SIZES:
        in_process("get", f"/api/v1/orders/?page_size={size}")  # warm-up
        list_queries[str(size)] = in_process("get", f"/api/v1/orders/?page_size={size}")[1]
    list_runs = [in_process("get", "/api/v1/orders/?page_size=50") for _ in range(DIAGNOSTIC_RUNS)]
    results["list_in_process"] = {
        "median_ms": round(statistics.median(t for t, _ in list_runs) * 1000, 2),
        "queries": list_runs[-1][1],
    }
    explained = explain_lists(client, connection) if args.explain else {}
    connection.set_schema_to_public()

    create, sequential, threads = (
        results["create"],
        results["sql_sequential"],
        results["sql_threads"],
    )
    queries_constant = len(set(list_queries.values())) == 1
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgresql = cursor.fetchone()[0]
    import django

    return {
        "environment": {
            "python": sys.version.split()[0],
            "django": django.get_version(),
            "server": args.server_description,
            "postgresql": postgresql,
            "cpus": os.cpu_count(),
            "load_average_start": args.load_average_start,
            "load_average_end": load_average(),
            "workers": args.workers,
            "clients": args.clients,
            "orders": args.orders,
            "warmup": args.warmup,
            "list_runs": args.list_runs,
            "db_conn_max_age": "60 (default)" if args.conn_max_age is None else args.conn_max_age,
            "redis": args.redis_url.rsplit("@", 1)[-1] if args.redis_url else "none",
            "products": PRODUCTS,
            "customers": CUSTOMERS,
            "lines_per_order": LINES_PER_ORDER,
            "orders_in_table": in_table,
            "drafts_in_table": drafts,
            "copy_s": round(copy_s, 1),
            "setup_s": round(setup_s, 1),
            "base_domain": settings.TRADEPOST_BASE_DOMAIN,
        },
        "results": results,
        "list_queries": list_queries,
        "explain": explained,
        "ratios": {
            "api_over_sql_sequential": round(
                create["orders_per_s"] / sequential["orders_per_s"], 3
            ),
            "api_over_sql_threads": round(create["orders_per_s"] / threads["orders_per_s"], 3),
            **(
                {
                    "server_cpu_ceiling_orders_per_s": round(
                        (os.cpu_count() or 1) * 1000 / create["server_cpu_ms"], 1
                    )
                }
                if create.get("server_cpu_ms")
                else {}
            ),
        },
        "targets": {
            "orders_per_s_min": TARGET_ORDERS_PER_S,
            "orders_per_s_ok": create["orders_per_s"] >= TARGET_ORDERS_PER_S,
            "create_p99_ms_max": TARGET_CREATE_P99_MS,
            "create_p99_ok": create["p99_ms"] < TARGET_CREATE_P99_MS,
            "list_p99_ms_max": TARGET_LIST_P99_MS,
            "list_p99_ok": results["list_page1"]["p99_ms"] < TARGET_LIST_P99_MS,
            "list_queries_constant": queries_constant,
        },
    }


# --- Report --------------------------------------------------------------------------------


def print_table(report: dict) -> None:
    env, results, targets = report["environment"], report["results"], report["targets"]
    print(
        f"\nOrders through the API: {env['orders']} orders of {env['lines_per_order']} lines "
        f"from {env['clients']} clients, gunicorn {env['workers']} sync workers, "
        f"{env['cpus']} CPU(s)"
    )
    print(
        f"  Python {env['python']}, Django {env['django']}, PostgreSQL {env['postgresql']} "
        f"({env['server']}); DB_CONN_MAX_AGE {env['db_conn_max_age']}"
    )
    print(
        f"  load average at start {env['load_average_start']}, before the timed orders "
        f"{results['create']['load_average_before']}, at the end {env['load_average_end']}\n"
    )

    def cpu(r: dict) -> str:
        return f"{r['server_cpu_ms']:>9.1f}" if "server_cpu_ms" in r else f"{'-':>9}"

    header = f"{'':34}{'orders/s':>9}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'srv CPU':>9}  (ms)"
    print(header)
    print("-" * len(header))
    for key, label in [
        ("create", "API POST /orders/ (idempotent)"),
        ("sql_sequential", "plain SQL, 1 connection"),
        ("sql_threads", f"plain SQL, {env['clients']} connections"),
    ]:
        r = results[key]
        print(
            f"{label:34}{r['orders_per_s']:>9.1f}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}"
            f"{r['p99_ms']:>8.1f}{r['max_ms']:>8.1f}{cpu(r)}"
        )
    ratios = report["ratios"]
    print(
        f"  API / SQL: {ratios['api_over_sql_sequential']:.3f} of 1 connection's rate "
        f"({1 / ratios['api_over_sql_sequential']:.0f}x slower), "
        f"{ratios['api_over_sql_threads']:.3f} of {env['clients']} connections' "
        f"({1 / ratios['api_over_sql_threads']:.0f}x slower)"
    )
    create = results["create"]
    if "server_cpu_ms" in create:
        print(
            f"  srv CPU: the gunicorn workers' CPU time per request; {env['cpus']} CPU(s) / "
            f"{create['server_cpu_ms']:.1f} ms = at most "
            f"{report['ratios']['server_cpu_ceiling_orders_per_s']:.0f} orders/s with "
            f"nothing else running (PostgreSQL and the clients, "
            f"{create['client_cpu_ms']:.1f} ms per order here, not counted)"
        )
    print(
        f"\nList, {env['orders_in_table']} orders in the table ({env['drafts_in_table']} drafts), "
        f"{env['list_runs']} sequential requests each"
    )
    print(f"{'':34}{'':>9}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'srv CPU':>9}  (ms)")
    for key, label in [
        ("list_page1", "GET ?page_size=50"),
        ("list_page2", "GET ?page=2&page_size=50"),
        ("list_draft", "GET ?status=draft&page_size=50"),
    ]:
        r = results[key]
        print(
            f"{label:34}{'':>9}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}"
            f"{r['p99_ms']:>8.1f}{r['max_ms']:>8.1f}{cpu(r)}"
        )
    queries = report["list_queries"]
    counts = "/".join(str(queries[str(size)]) for size in LIST_PAGE_SIZES)
    sizes = "/".join(str(size) for size in LIST_PAGE_SIZES)
    print(
        f"\nIn process (test client, one request at a time, no HTTP): create median "
        f"{results['create_in_process']['median_ms']:.1f} ms, "
        f"{results['create_in_process']['queries']} queries; list of 50 median "
        f"{results['list_in_process']['median_ms']:.1f} ms, "
        f"{results['list_in_process']['queries']} queries"
    )
    if "create_in_process_cached" in results:
        cached = results["create_in_process_cached"]
        print(
            f"With the server's cache (Redis): create median {cached['median_ms']:.1f} ms, "
            f"{cached['queries']} queries (target {TARGET_CREATE_QUERIES})"
        )
    print()

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    print(
        f"orders/s {create['orders_per_s']:.1f} "
        f"(target ≥ {targets['orders_per_s_min']:.0f}): {verdict(targets['orders_per_s_ok'])}"
    )
    print(
        f"p99 create {create['p99_ms']:.1f} ms "
        f"(target < {targets['create_p99_ms_max']:.0f}): {verdict(targets['create_p99_ok'])}"
    )
    print(
        f"p99 list {results['list_page1']['p99_ms']:.1f} ms "
        f"(target < {targets['list_p99_ms_max']:.0f}): {verdict(targets['list_p99_ok'])}"
    )
    print(
        f"queries per list page: {counts} (page size {sizes}) — "
        f"constant: {'yes' if targets['list_queries_constant'] else 'no'}"
    )


# Redis for the server when none is configured: a database number of its own, so no
# one else's keys or task queues are touched (the keys carry a prefix of their own too).
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
# Issue 12's figures before this work (4 clients, 2 workers, 2 CPUs).
BASELINE_ORDERS_PER_S = 78.8
BASELINE_CREATE_P99_MS = 81.0


def shared_redis_url() -> str | None:
    """REDIS_URL, else DEFAULT_REDIS when a server answers there, else None."""
    import redis

    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS
    try:
        with contextlib.closing(redis.Redis.from_url(url, socket_connect_timeout=2)) as client:
            client.ping()
    except redis.RedisError:
        return None
    return url


def record_summary(report: dict) -> None:
    """The headline figures into var/bench/orders.jsonl for bench/summary.py."""
    recorder = provisioning_bench.summary_recorder("orders")
    results, ratios = report["results"], report["ratios"]
    create = results["create"]
    floor = results["sql_threads"]["orders_per_s"]
    recorder.record(
        "POST /orders/ (5 lines, 4 clients) orders/s",
        create["orders_per_s"],
        "orders/s",
        better="higher",
        target=TARGET_ORDERS_PER_S,
        baseline=BASELINE_ORDERS_PER_S,
        note=f"plain SQL floor {floor}/s; API/SQL {ratios['api_over_sql_threads']}",
    )
    recorder.record(
        "POST /orders/ p99",
        create["p99_ms"],
        "ms",
        better="lower",
        target=TARGET_CREATE_P99_MS,
        baseline=BASELINE_CREATE_P99_MS,
        note=f"server CPU {create.get('server_cpu_ms', '-')} ms per order",
    )
    recorder.record(
        "create queries (in process, no cache)",
        results["create_in_process"]["queries"],
        "queries",
        better="lower",
        note="the server's cached routing and key lookups are not in this count",
    )
    if "create_in_process_cached" in results:
        recorder.record(
            "create queries (in process, server's cache)",
            results["create_in_process_cached"]["queries"],
            "queries",
            better="lower",
            target=TARGET_CREATE_QUERIES,
            note="as the server runs it: routing, key, tax rate, promotions … from Redis",
        )
    recorder.record(
        "GET /orders/?page_size=50 of 100,000 p99",
        results["list_page1"]["p99_ms"],
        "ms",
        better="lower",
        target=TARGET_LIST_P99_MS,
        note=f"{results['list_in_process']['queries']} queries",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--orders", type=int, default=1000, help="timed orders (1000)")
    parser.add_argument("--clients", type=int, default=4, help="client threads (4)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed orders first (50)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--list-orders", type=int, default=100_000, help="orders in the table for the list"
    )
    parser.add_argument("--list-runs", type=int, default=200, help="timed GETs per list (200)")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=None,
        help="DB_CONN_MAX_AGE for the server (default: the platform's, 60)",
    )
    parser.add_argument("--seed", type=int, default=2026, help="random seed (2026)")
    parser.add_argument(
        "--no-redis", action="store_true", help="serve with the local-memory cache, no Redis"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of the list requests' queries on the full table",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if min(args.orders, args.list_runs) < 2 or min(args.clients, args.workers) < 1:
        parser.error("--orders and --list-runs must be at least 2, --clients and --workers 1")
    if args.warmup < 0 or args.list_orders < 100:
        parser.error("--warmup must be at least 0, --list-orders at least 100")

    # `kill` as well as Ctrl-C unwinds: the server stops, the database is dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.load_average_start = load_average()
    log(f"load average at start {args.load_average_start} on {os.cpu_count()} CPU(s)")
    url, source = provisioning_bench.server_url()
    args.server_description = f"{source}: {provisioning_bench.describe(url)}"
    log(f"PostgreSQL: {provisioning_bench.describe(url)} ({source})")
    # The burst throttles, for the server and for the in-process requests alike.
    os.environ["API_RATE_PER_CALLER"] = HIGH_RATE
    os.environ["API_RATE_PER_WORKSPACE"] = HIGH_RATE
    args.redis_url = None if args.no_redis else shared_redis_url()
    log(f"Redis for the server: {args.redis_url or 'none (local-memory cache)'}")
    with provisioning_bench.throwaway_database(url) as database_url:
        provisioning_bench.setup_django(database_url)
        report = run(args, database_url)
    record_summary(report)
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
