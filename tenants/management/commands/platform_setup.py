"""Bring a database to a working platform: public tenant, template schema, schema pool.

Idempotent; `make demo` and deployments run it after `migrate_schemas`.
"""

from django.core.management.base import BaseCommand

from tenants import provisioning


class Command(BaseCommand):
    help = "Create the public tenant, the template schema and fill the schema pool."

    def add_arguments(self, parser):
        parser.add_argument("--pool", type=int, default=None, help="Pool size (TENANT_POOL_SIZE).")

    def handle(self, *args, pool=None, **options):
        provisioning.ensure_public_tenant()
        provisioning.ensure_template(verbosity=max(0, options["verbosity"] - 1))
        added = provisioning.pool_refill(target=pool)
        self.stdout.write(
            f"platform ready: template {provisioning.settings.TENANT_BASE_SCHEMA}, "
            f"{provisioning.pool_size()} pooled schema(s) ({added} added)"
        )
