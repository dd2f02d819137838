"""The `tradepost` command.

tradepost demo [--port 8000]     start the platform with a demo workspace
tradepost <command> [args...]    any management command; dashes or underscores
                                 (`tradepost migrate-schemas` = `migrate_schemas`)
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import signal
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

DEMO_SLUG = "demo"
DEMO_PASSWORD = "tradepost-demo-2026"  # noqa: S105 - a published demo login, local only
DEMO_OWNER = "owner@demo.example.com"
DEMO_TEAM = [
    ("manager@demo.example.com", "Li Na 李娜", "sales_manager"),
    ("sales@demo.example.com", "Wang Wei 王伟", "salesperson"),
    ("finance@demo.example.com", "Chen Jing 陈静", "finance_manager"),
    ("warehouse@demo.example.com", "Zhao Lei 赵磊", "warehouse_manager"),
    ("exec@demo.example.com", "Liu Yang 刘洋", "executive"),
]
OPERATOR_EMAIL = "operator@example.com"


def _setup_django() -> None:
    sys.path[:0] = [str(PROJECT_ROOT / "platform"), str(PROJECT_ROOT)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tradepost.settings")
    import django

    django.setup()


def _say(message: str) -> None:
    print(f"[demo] {message}", flush=True)


def demo_data() -> None:
    """The demo workspace, its team and an operator login. Idempotent."""
    from django.contrib.auth.models import Group
    from django_tenants.utils import schema_context

    from tenants.models import Tenant
    from tenants.services import tenant_signup
    from tradepost.accounts.models import User
    from tradepost.audit.services import audit_record

    tenant = Tenant.objects.filter(slug=DEMO_SLUG).first()
    if tenant is None:
        _say("creating the demo workspace")
        result = tenant_signup(
            company_name="Demo Trading Co. 演示贸易有限公司",
            slug=DEMO_SLUG,
            owner_email=DEMO_OWNER,
            password=DEMO_PASSWORD,
            full_name="Zhang Min 张敏",
        )
        tenant = result.tenant
    if tenant.owner_verified_at is None:
        # The demo owner's address receives no mail: the demo counts it as confirmed so
        # that inviting, API keys and webhooks work from the first minute.
        from tenants.verification import owner_email_confirm, verification_token

        owner_email_confirm(tenant=tenant, token=verification_token(tenant))
    with schema_context(tenant.schema_name):
        owner = User.objects.get(email=DEMO_OWNER)
        for email, name, role in DEMO_TEAM:
            if not User.objects.filter(email=email).exists():
                user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name)
                user.groups.set([Group.objects.get(name=role)])
                audit_record(actor=owner, action="user.added_by_demo", target=user)
        from tradepost.masterdata.demo import seed_demo as seed_master_data

        seed_master_data(actor=owner)
        from tradepost.customers.demo import seed_demo as seed_customers

        seed_customers(actor=owner)
        from tradepost.demo import seed_sales_menu

        seed_sales_menu(actor=owner)
    if not User.objects.filter(email=OPERATOR_EMAIL).exists():
        User.objects.create_superuser(OPERATOR_EMAIL, DEMO_PASSWORD, full_name="Operator")


def _stop_on_signals() -> None:
    """SIGTERM (a process manager, `kill`) stops the demo like Ctrl-C does; while it
    stops, further signals are ignored so that the stopping itself is not cut short."""

    def stop(signum, frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, stop)  # the terminal closed


def _demo_redis(supervisor, *, embedded_only: bool) -> tuple[str, str]:
    """REDIS_URL, else the Redis answering on 127.0.0.1:6379, else a private one
    started under the supervisor. Returns the URL ('' if none) and where it is."""
    from tradepost import devservices

    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"], "REDIS_URL"
    if not embedded_only and devservices.redis_answers("127.0.0.1", 6379):
        # Shared with whatever else uses it: cache keys and the Celery queue of their
        # own, per database, so two demos never take each other's tasks or entries.
        tag = hashlib.sha256(os.environ["DATABASE_URL"].encode()).hexdigest()[:8]
        os.environ.setdefault("CACHE_KEY_PREFIX", f"tradepost-{tag}")
        os.environ.setdefault("CELERY_QUEUE", f"tradepost-{tag}")
        return "redis://127.0.0.1:6379/0", "the Redis on 127.0.0.1:6379"
    port = devservices.free_port()
    command = devservices.redis_server_command(port)
    if command is None:
        return "", ""
    supervisor.start("redis", command)
    if not devservices.wait_for_redis(port):
        return "", ""
    return f"redis://127.0.0.1:{port}/0", f"its own Redis ({command[0]}) on port {port}"


IN_PROCESS_BANNER = """
  ************************************************************************
  *  NO REDIS: no Celery worker and no beat. Tasks run in a thread of    *
  *  each web process (lost when it stops); periodic tasks never run.    *
  *  Install Redis (Debian: redis-server) or set REDIS_URL.              *
  ************************************************************************
"""


def demo(port: int, *, workers: int | None = None, embedded_redis: bool = False) -> int:
    """The platform as production runs it, on one console: gunicorn (static files by
    whitenoise), a Celery worker and beat on Redis, PostgreSQL. Stops on Ctrl-C,
    SIGTERM or SIGHUP, or when one of its processes dies, and then stops all of them,
    the embedded PostgreSQL included."""
    from tradepost import devservices
    from tradepost.supervisor import Supervisor

    os.environ.setdefault("TRADEPOST_DEV", "1")
    os.environ.setdefault("PUBLIC_URL", f"http://localhost:{port}")
    _stop_on_signals()
    supervisor = Supervisor()
    embedded_postgres = False
    try:
        if not os.environ.get("DATABASE_URL"):
            _say(f"DATABASE_URL is unset: embedded PostgreSQL in {devservices.VAR_DIR}/postgres")
            os.environ["DATABASE_URL"] = devservices.embedded_postgres_url()
            embedded_postgres = True
            supervisor.follow("postgres", devservices.embedded_postgres_log())
        redis_url, redis_source = _demo_redis(supervisor, embedded_only=embedded_redis)
        if redis_url:
            os.environ["REDIS_URL"] = redis_url
        _setup_django()
        from django.conf import settings
        from django.core.management import call_command

        _say("migrating the public schema and every tenant schema")
        call_command("migrate_schemas", interactive=False, verbosity=0)
        call_command("platform_setup", verbosity=0)
        demo_data()
        call_command("collectstatic", interactive=False, verbosity=0)

        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        python = sys.executable
        web_workers = workers or int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 2)
        supervisor.start(
            "web",
            [python, "-m", "gunicorn", "tradepost.wsgi", "--bind", f"0.0.0.0:{port}",
             "--workers", str(web_workers), "--graceful-timeout", "10",
             "--access-logfile", "-", "--no-control-socket"],
            env=env,
            cwd=PROJECT_ROOT,
        )  # fmt: skip
        if settings.REDIS_URL:
            celery = [python, "-m", "celery", "-A", "tradepost"]
            supervisor.start(
                "worker",
                [*celery, "worker", "-l", "info", "--concurrency", "2"],
                env=env,
                cwd=PROJECT_ROOT,
            )
            supervisor.start("beat", [*celery, "beat", "-l", "info"], env=env, cwd=PROJECT_ROOT)
            background = f"Celery worker and beat on {redis_source}"
        else:
            background = "IN-PROCESS (no Redis found: see the warning above)"
            print(IN_PROCESS_BANNER, flush=True)

        base = settings.TRADEPOST_BASE_DOMAIN
        database = (
            f"embedded PostgreSQL ({devservices.VAR_DIR / 'postgres'})"
            if embedded_postgres
            else "DATABASE_URL"
        )
        print(
            f"""
  Tradepost is running.

  Public site      http://{base}:{port}
  Demo workspace   http://{DEMO_SLUG}.{base}:{port}
    sign in as     {DEMO_OWNER} / {DEMO_PASSWORD}   (system administrator)
    team           {", ".join(email for email, _, _ in DEMO_TEAM)} (same password)
  Operator console http://{base}:{port}/admin/
    sign in as     {OPERATOR_EMAIL} / {DEMO_PASSWORD}
  Web              gunicorn, {web_workers} worker(s), static files by whitenoise
  Background work  {background}
  Database         {database}
  E-mail           printed on this console

  Press Ctrl-C to stop.
""",
            flush=True,
        )
        while (child := supervisor.exited()) is None:
            time.sleep(0.5)
        _say(f"{child.name} exited ({child.process.returncode}): stopping everything")
        status = 1
    except KeyboardInterrupt:
        status = 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _say("stopping")
        supervisor.stop()
        if embedded_postgres:
            _close_database_connections()
            devservices.embedded_postgres_stop()
        _say("stopped")
    return status


def _close_database_connections() -> None:
    with contextlib.suppress(Exception):
        from django.db import connections

        connections.close_all()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["demo"]:
        parser = argparse.ArgumentParser(prog="tradepost demo")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=None, help="gunicorn workers (default: the cores)"
        )
        parser.add_argument(
            "--embedded-redis",
            action="store_true",
            help="start a private Redis even when one answers on 127.0.0.1:6379",
        )
        args = parser.parse_args(argv[1:])
        return demo(args.port, workers=args.workers, embedded_redis=args.embedded_redis)
    _setup_django()
    from django.core.management import execute_from_command_line

    if argv:
        argv[0] = argv[0].replace("-", "_")
    execute_from_command_line(["tradepost", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
