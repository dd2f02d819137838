"""The `tradepost` command.

tradepost demo [--port 8000]     start the platform with a demo workspace
tradepost <command> [args...]    any management command; dashes or underscores
                                 (`tradepost migrate-schemas` = `migrate_schemas`)
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
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


def _terminate(processes: list[subprocess.Popen]) -> None:
    for proc in processes:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for proc in processes:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()


def demo(port: int) -> int:
    os.environ.setdefault("TRADEPOST_DEV", "1")
    os.environ.setdefault("PUBLIC_URL", f"http://localhost:{port}")
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command

    if not os.environ.get("DATABASE_URL"):
        _say("DATABASE_URL is unset: using the embedded PostgreSQL in var/postgres")
    _say("migrating the public schema and every tenant schema")
    call_command("migrate_schemas", interactive=False, verbosity=0)
    call_command("platform_setup", verbosity=0)
    demo_data()
    call_command("collectstatic", interactive=False, verbosity=0)

    # Children use the same database; the embedded server stays up while we run.
    env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL, "PYTHONUNBUFFERED": "1"}
    python = sys.executable
    processes = [
        subprocess.Popen(
            [python, str(PROJECT_ROOT / "manage.py"), "runserver", f"0.0.0.0:{port}", "--noreload"],
            env=env,
        )
    ]
    if settings.REDIS_URL:
        celery = [python, "-m", "celery", "-A", "tradepost"]
        processes.append(
            subprocess.Popen([*celery, "worker", "-l", "info", "--concurrency", "2"], env=env)
        )
        processes.append(subprocess.Popen([*celery, "beat", "-l", "info"], env=env))
        background = "Celery worker and beat on " + settings.REDIS_URL.split("@")[-1]
    else:
        background = "in-process (REDIS_URL is unset)"

    time.sleep(1.5)
    base = settings.TRADEPOST_BASE_DOMAIN
    print(
        f"""
  Tradepost is running.

  Public site      http://{base}:{port}
  Demo workspace   http://{DEMO_SLUG}.{base}:{port}
    sign in as     {DEMO_OWNER} / {DEMO_PASSWORD}   (system administrator)
    team           {", ".join(email for email, _, _ in DEMO_TEAM)} (same password)
  Operator console http://{base}:{port}/admin/
    sign in as     {OPERATOR_EMAIL} / {DEMO_PASSWORD}
  Background work  {background}
  E-mail           printed on this console

  Press Ctrl-C to stop.
""",
        flush=True,
    )
    try:
        while all(proc.poll() is None for proc in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        _say("stopping")
        _terminate(processes)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["demo"]:
        parser = argparse.ArgumentParser(prog="tradepost demo")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        return demo(parser.parse_args(argv[1:]).port)
    _setup_django()
    from django.core.management import execute_from_command_line

    if argv:
        argv[0] = argv[0].replace("-", "_")
    execute_from_command_line(["tradepost", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
