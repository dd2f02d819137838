"""The plans every platform starts with; operators change them in the console."""

from decimal import Decimal

from django.db import migrations

PLANS = [
    {
        "code": "free",
        "name": "Free",
        "description": "For trying Tradepost with a small team.",
        "price_monthly": Decimal("0.00"),
        "price_yearly": Decimal("0.00"),
        "max_users": 3,
        "max_orders_per_month": 100,
        "api_calls_per_day": 1000,
        "storage_mb": 500,
        "sort": 10,
    },
    {
        "code": "starter",
        "name": "Starter",
        "description": "For a growing sales team.",
        "price_monthly": Decimal("29.00"),
        "price_yearly": Decimal("290.00"),
        "max_users": 10,
        "max_orders_per_month": 1000,
        "api_calls_per_day": 10000,
        "storage_mb": 5120,
        "sort": 20,
    },
    {
        "code": "pro",
        "name": "Pro",
        "description": "For companies with branches, dealers and integrations.",
        "price_monthly": Decimal("99.00"),
        "price_yearly": Decimal("990.00"),
        "max_users": 50,
        "max_orders_per_month": 10000,
        "api_calls_per_day": 100000,
        "storage_mb": 51200,
        "sort": 30,
    },
]


def create_plans(apps, schema_editor):
    if schema_editor.connection.schema_name != "public":
        return  # billing lives in the public schema only
    Plan = apps.get_model("billing", "Plan")
    for plan in PLANS:
        Plan.objects.get_or_create(code=plan["code"], defaults={**plan, "currency": "USD"})


def trials_for_existing_workspaces(apps, schema_editor):
    """Workspaces signed up before billing existed start their trial now."""
    if schema_editor.connection.schema_name != "public":
        return
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    Plan = apps.get_model("billing", "Plan")
    Subscription = apps.get_model("billing", "Subscription")
    Tenant = apps.get_model("tenants", "Tenant")
    plan = Plan.objects.get(code="pro")
    ends = timezone.now() + timedelta(days=getattr(settings, "BILLING_TRIAL_DAYS", 14))
    for tenant in Tenant.objects.filter(kind="active", subscription__isnull=True):
        Subscription.objects.create(tenant=tenant, plan=plan, status="trialing", trial_ends_at=ends)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial"), ("tenants", "0001_initial")]

    operations = [
        migrations.RunPython(create_plans, migrations.RunPython.noop),
        migrations.RunPython(trials_for_existing_workspaces, migrations.RunPython.noop),
    ]
